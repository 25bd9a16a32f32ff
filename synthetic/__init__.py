"""Synthetic BMN (จปฐ.) survey data, calibrated to TPMAP 2561 district aggregates.

    from synthetic import generate
    summary = generate("demo", years=(2565, 2566, 2567), seed=2561, out=Path("landing"))

The output is SYNTHETIC: no row describes a real person. See generator.py for the layout.
"""

from synthetic.generator import (
    GenerationSummary,
    Scale,
    generate,
    parse_scale,
    parse_years,
)

__all__ = ["GenerationSummary", "Scale", "generate", "parse_scale", "parse_years"]
