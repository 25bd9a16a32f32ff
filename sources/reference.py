"""Published reference figures in the shape the catalog's rules take them.

NSO publishes the national poverty line every year and the regional ones less often; the
lines of a year and region are then the national line scaled by the region's share in the
latest year that has both (schemas/catalog.poverty_line), whether the numbers were typed into
survey_rules.yaml or pulled from an SDMX source.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class MissingLines(ValueError):
    """The source does not hold what the formula needs; the message says what."""


def poverty_line_section(
    rows: Iterable[tuple[int, str, str, float]], source: str
) -> dict[str, Any]:
    """(year_be, level, area_code, baht per person per month) -> ``poverty_line_monthly``."""
    national: dict[int, float] = {}
    regional: dict[int, dict[str, float]] = {}
    for year_be, level, code, value in rows:
        if level == "country":
            national[int(year_be)] = float(value)
        elif level == "region":
            regional.setdefault(int(year_be), {})[code] = float(value)
    both = sorted(set(national) & set(regional))
    if not national or not both:
        raise MissingLines(
            f"source {source} has no poverty_line_monthly for the country and NSO regions in "
            "the same year: pull it, or set poverty_line_source: null in survey_rules.yaml"
        )
    year = both[-1]
    return {
        "national": national,
        "regional_year": year,
        "national_in_regional_year": national[year],
        "regional": regional[year],
    }
