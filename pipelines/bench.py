"""The pipeline's speed targets, measured: `python -m pipelines.bench [--scale demo]`.

Generates the sample (unless its landing folder is there), runs every asset for each year in
process, and prints a table: each step's seconds per year, the share of staging spent
normalising and validating rows, and the peak memory. Targets (issues 2-4): `make demo` under
5 minutes with install; validation under 20 % of ingest; measure marts under 30 s at demo scale.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import dagster as dg

from pipelines.run import run_years
from pipelines.settings import load_settings, parse_years
from synthetic import generate


def _ingest(result: dg.ExecuteInProcessResult) -> dict:
    """The staging asset's own account of its time (metadata of core/ingest_ledger)."""
    for event in result.get_asset_materialization_events():
        materialization = event.event_specific_data.materialization
        if materialization.asset_key == dg.AssetKey(["core", "ingest_ledger"]):
            return {k: v.value for k, v in materialization.metadata.items()}
    return {}


def _step_seconds(result: dg.ExecuteInProcessResult) -> dict[str, float]:
    return {
        event.step_key: event.event_specific_data.duration_ms / 1000
        for event in result.all_events
        if event.is_step_success
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="demo")
    parser.add_argument("--years", default="2565-2567")
    parser.add_argument("--home", help="CHIPAO_HOME to use (default: a temporary folder)")
    parser.add_argument("--defects", type=float, default=0.001, help="as make demo")
    args = parser.parse_args(argv)
    years = parse_years(args.years)
    home = Path(args.home or tempfile.mkdtemp(prefix="chipao-bench-"))
    settings = load_settings({"CHIPAO_HOME": str(home), "CHIPAO_KEY": "bench-" + "k" * 40})

    t0 = time.perf_counter()
    if not (settings.landing / "bmn").is_dir():
        generate(args.scale, years, out=settings.landing, defects=args.defects)
    generated = time.perf_counter() - t0

    t0 = time.perf_counter()
    with dg.DagsterInstance.ephemeral() as instance:
        results = run_years(settings, years, instance, progress=lambda _: None, log_level="WARNING")
    pipeline = time.perf_counter() - t0

    steps = {y: _step_seconds(r) for y, r in results.items()}
    ingest = {y: _ingest(r) for y, r in results.items()}
    last = years[-1]
    print(
        f"\nChipao pipeline benchmark: scale {args.scale}, years {years[0]}-{last}, "
        f"{ingest[last].get('rows_read', 0):,} rows read in {last}; CHIPAO_HOME {home}\n"
    )
    print(f"| {'step (seconds)':32} | " + " | ".join(f"{y:>8}" for y in years) + " |")
    print("|" + "-" * 34 + "|" + "|".join("-" * 10 for _ in years) + "|")
    for name in steps[last]:
        cells = " | ".join(f"{steps[y].get(name, 0):8.2f}" for y in years)
        print(f"| {name:32} | {cells} |")
    total = " | ".join(f"{sum(steps[y].values()):8.2f}" for y in years)
    print(f"| {'all steps':32} | {total} |")
    print("\n| measure | value |\n|---|---|")
    print(f"| generate sample, all years (s) | {generated:.1f} |")
    print(f"| pipeline, all years, Dagster included (s) | {pipeline:.1f} |")
    for y in years:
        seconds = ingest[y]
        print(
            f"| {y} ingest: read / validate / pseudonymise / whole (s) | "
            f"{seconds['read_seconds']:.2f} / {seconds['validate_seconds']:.2f} / "
            f"{seconds['pseudonymise_seconds']:.2f} / {seconds['ingest_seconds']:.2f} |"
        )
        print(f"| {y} validation share of ingest | {seconds['validation_share']:.0%} |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"| peak memory (MB) | {peak:,.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
