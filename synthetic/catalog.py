"""What the generator takes from the project's catalogs (schemas.catalog), in its own terms.

The catalogs define the input layout, so the generator takes column names, order, types and the
yearly survey rules from them instead of repeating them.
"""

from __future__ import annotations

from schemas import catalog
from schemas.catalog import Field, Indicator, income_criterion, target_poor_rule, tpmap_year
from schemas.normalise import BE_OFFSET

HOUSEHOLD_SOURCE = "bmn_household"
MEMBER_SOURCE = "bmn_member"

__all__ = [
    "BE_OFFSET",
    "HOUSEHOLD_SOURCE",
    "MEMBER_SOURCE",
    "Field",
    "Indicator",
    "age_reference_day",
    "fields",
    "income_criterion",
    "indicators",
    "region_of_province",
    "target_poor_rule",
    "tpmap_year",
]


def fields(source: str) -> tuple[Field, ...]:
    """The fields of one input file, in the catalog's (= the file's) column order."""
    return catalog.sources()[source].fields


def indicators() -> tuple[Indicator, ...]:
    return catalog.indicators()


def age_reference_day() -> tuple[int, int]:
    """(month, day) on which age is counted in completed years, in the survey year (CE)."""
    month, day = catalog.age_reference_day().split("-")
    return int(month), int(day)


def region_of_province(province: str) -> str:
    """NSO region code (regions.yaml) of a 2-digit province code."""
    return catalog.region_of(province).code
