"""Case records per area, and whether help worked: pure Polars, no I/O (assets/cases.py).

`case_counts` counts the current status of each household-problem per area and problem: each
indicator, each dimension (indicator 'all') and everything ('all', 'all'). A problem is
*resolved* when the household solved it itself, or it was helped and has a resolution date;
days to resolution run from the date raised to the date resolved; the budget of a problem is
the one its current row records.

`case_outcome` sets the households helped on a dimension in one survey year against the
comparable unhelped ones (measures/outcome.helped_vs_comparable): exact cells of district,
dimension and deprivation score that year, reported per country, region, province and district
(each area averages the cells of its districts, weighted by their helped households). A
district is the smallest area whose cells usually hold both helped and unhelped households; a
subdistrict's or village's cells mostly hold one kind, and the comparison would be empty.
Households not followed into the next year (no household links to them) are counted, not
compared.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from measures.areas import _expr, _per_area
from measures.outcome import helped_vs_comparable

STATUSES = ("target", "helped", "solved_by_household", "in_progress", "unreachable")
ALL = "all"
OUTCOME_LEVELS = ("country", "region", "province", "district")
PROBLEM = ["dimension", "indicator_code"]


def _every_grouping(problems: pl.DataFrame) -> pl.DataFrame:
    """Each problem once per indicator, once for its dimension and once for everything."""
    return pl.concat([
        problems,
        problems.with_columns(pl.lit(ALL).alias("indicator_code")),
        problems.with_columns(pl.lit(ALL).alias("dimension"), pl.lit(ALL).alias("indicator_code")),
    ])  # fmt: skip


def case_counts(problems: pl.DataFrame, levels: Mapping[str, object]) -> pl.DataFrame:
    """One row per level, area, dimension and indicator; ``problems``: one row per current
    household-problem with village_code, household_key, dimension, indicator_code, status,
    raised_on, resolved_on, budget_baht."""
    status = pl.col("status")
    resolved = (status == "solved_by_household") | (
        (status == "helped") & pl.col("resolved_on").is_not_null()
    )
    days = (pl.col("resolved_on") - pl.col("raised_on")).dt.total_days()
    rows = _every_grouping(problems).with_columns(resolved.alias("_resolved"), days.alias("_days"))
    aggs = [
        pl.len().cast(pl.Int64).alias("problems_raised"),
        pl.col("household_key").n_unique().cast(pl.Int64).alias("households"),
        *((status == s).sum().cast(pl.Int64).alias(s) for s in STATUSES),
        pl.col("_resolved").sum().cast(pl.Int64).alias("resolved"),
        pl.col("_days").filter(pl.col("_resolved")).median().alias("median_days_to_resolution"),
        pl.col("budget_baht").fill_null(0.0).sum().alias("budget_baht"),
    ]
    counts = _per_area(rows, levels, aggs, PROBLEM)
    return counts.with_columns(
        pl.when(pl.col("resolved") > 0)
        .then(pl.col("budget_baht") / pl.col("resolved"))
        .alias("budget_per_resolved")
    )


def case_outcome(households: pl.DataFrame, levels: Mapping[str, object]) -> pl.DataFrame:
    """One row per outcome level, area and dimension ('all': MPI-poor); ``households``: one row
    per household poor on a dimension in the cases' year (sql/cases/outcome.sql) with
    village_code, dimension, score_before, helped, linked, left_poverty."""

    district = _expr(levels["district"]).alias("district")
    frames = []
    for level in OUTCOME_LEVELS:
        keyed = households.with_columns(
            _expr(levels[level]).cast(pl.String).alias("area_code"), district
        )
        followed = keyed.filter(pl.col("linked"))
        compared = helped_vs_comparable(
            followed,
            cell=("area_code", "district", "dimension", "score_before"),
            by=("area_code", "dimension"),
        ).filter(pl.col("area_code") != ALL)
        totals = keyed.group_by("area_code", "dimension").agg(
            pl.col("helped").sum().cast(pl.Int64).alias("helped_households"),
            (pl.col("helped") & ~pl.col("linked")).sum().cast(pl.Int64).alias("helped_unlinked"),
            (~pl.col("helped")).sum().cast(pl.Int64).alias("unhelped_households"),
            (~pl.col("helped") & ~pl.col("linked")).sum().cast(pl.Int64).alias("unhelped_unlinked"),
            (pl.col("helped") & pl.col("linked") & pl.col("left_poverty")).sum().cast(pl.Int64)
            .alias("helped_left"),
        )  # fmt: skip
        frames.append(
            totals.join(
                compared.rename({"helped_households": "helped_followed"}),
                on=["area_code", "dimension"],
                how="left",
            ).with_columns(pl.lit(level).alias("level"))
        )
    counts = ["helped_followed", "helped_matched", "comparison_households"]
    return pl.concat(frames).with_columns(pl.col(counts).fill_null(0).cast(pl.Int64))


__all__ = ["STATUSES", "case_counts", "case_outcome"]
