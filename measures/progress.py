"""Progress of an area between survey years: change, rank among peers, convergence, and why.

Pure Polars, no I/O. The input is long: one row per (year_be, level, area_code, parent_code,
age_band, measure, value), as sql/progress/values.sql reads it off the marts; every measure is
treated alike, so a measure added to the SQL gets its change, ranks and attainment for free.

* Change follows mpitb's conventions (``measures.change``; mpitbR 1.0.1 ``absolute.change`` /
  ``relative.change``): absolute x1 - x0, relative x1 / x0 - 1, annualised absolute
  (x1 - x0) / years, annualised relative (x1 / x0)^(1 / years) - 1; mpitbR prints the relative
  ones x 100, here they stay fractions. A relative change from 0 is NULL, not infinity.
* Ranks: 1 = the highest value among the peers (the most poverty, the widest inequality), ties
  share the smallest rank. Peers are the areas of the same level under the same parent
  (districts in their province, provinces in their region, ...) and, for provinces, the country.
  ``rank_change`` = rank - base rank: positive = the area moved away from the top (worst) of its
  peers.
* Convergence: for an area with child areas, the gap between the highest and lowest child value
  (``<measure>_child_gap``) and their coefficient of variation (population standard deviation /
  mean, ``<measure>_child_cv``), child areas unweighted, as new measures of the parent: their
  change says whether the lagging children are catching up (both fall).
* Why it changed: ``m0_split`` is the Shapley split of the change of M0 = H x A into H and A
  (each factor's change times the mean of the other's two values, exact), ``component_split``
  each indicator's change of contribution (M0 is the sum of the contributions, exact), and
  ``growth_redistribution`` the Shapley form of the Datt-Ravallion (1992) decomposition of a
  headcount's change (Shorrocks 2013, eq. for two factors), exact by construction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import polars as pl

from measures.change import change

KEY = ["level", "area_code", "age_band", "measure"]
COMPARISONS = ("previous", "baseline")
# Measures counted on the year's target-poor rule (schemas/catalog/survey_rules.yaml), which
# changed between years; sql/progress/values.sql also gives each as ``<measure>_<rule>``, the
# same count on one rule in every year.
TARGET_POOR = ("target_poor_persons", "target_poor_rate")
# the rules those per-rule measures are counted on (sql/core/fact_person.sql applies them);
# the third rule, all_mpi_poor, is the series of mpi_poor_persons and mpi_poor_rate
TARGET_RULES = ("card_verified", "card_any")


def _finite(expr: pl.Expr) -> pl.Expr:
    return pl.when(expr.is_finite()).then(expr)


def convergence(
    values: pl.DataFrame, measures: Sequence[str], levels: Sequence[str]
) -> pl.DataFrame:
    """Gap (max - min) and coefficient of variation of the child areas' values, as measures of
    the parent area. ``levels`` runs from the coarsest to the finest."""
    parent_of = {child: parent for parent, child in zip(levels, levels[1:], strict=False)}
    children = values.filter(
        pl.col("measure").is_in(list(measures)) & pl.col("level").is_in(list(parent_of))
    )
    group = ["year_be", "level", "parent_code", "age_band", "measure"]
    # in a fixed order within each group, so that the sums, and the ranks of near-equal CVs,
    # are the same bits whatever order the marts' rows were read in
    stats = (
        children.sort(*group, "area_code")
        .group_by(group)
        .agg(
            (pl.col("value").max() - pl.col("value").min()).alias("gap"),
            (pl.col("value").std(ddof=0) / pl.col("value").mean()).alias("cv"),
        )
    )
    parents = values.select("level", "area_code", "parent_code").unique()
    out = (
        stats.with_columns(pl.col("level").replace_strict(parent_of))
        .rename({"parent_code": "area_code"})
        .unpivot(
            ["gap", "cv"],
            index=["year_be", "level", "area_code", "age_band", "measure"],
            variable_name="stat",
        )  # fmt: skip
        .with_columns(
            (pl.col("measure") + "_child_" + pl.col("stat")).alias("measure"),
            _finite(pl.col("value")).alias("value"),
        )
        .drop("stat")
        .filter(pl.col("value").is_not_null())  # a CV of children all at 0
        .join(parents, on=["level", "area_code"], how="left")
    )
    return out.select(values.columns)


def ranks(values: pl.DataFrame, country_levels: Sequence[str] = ("province",)) -> pl.DataFrame:
    """``rank_in_parent`` (every level below the country) and ``rank_in_country`` (the levels
    in ``country_levels``): 1 = the highest value, ties the smallest rank, NULL values unranked."""
    desc = pl.col("value").rank("min", descending=True).cast(pl.Int32)
    peers = ["year_be", "level", "age_band", "measure"]
    return values.with_columns(
        pl.when(pl.col("parent_code").is_not_null() & pl.col("value").is_not_null())
        .then(desc.over([*peers, "parent_code"]))
        .alias("rank_in_parent"),
        pl.when(pl.col("level").is_in(list(country_levels)) & pl.col("value").is_not_null())
        .then(desc.over(peers))
        .alias("rank_in_country"),
    )


def base_years(
    values: pl.DataFrame,
    year_be: int,
    baselines: pl.DataFrame | None = None,
    years: Sequence[int] | None = None,
) -> tuple[int | None, pl.DataFrame]:
    """The previous year with data before ``year_be`` and, per area, the baseline year: the one
    in ``baselines`` (level, area_code, baseline_year_be), else the earliest year with data.
    ``years`` are the years with data (default: those of ``values``)."""
    if years is None:
        years = values["year_be"].unique().to_list()
    years = sorted(y for y in years if y < year_be)
    previous = years[-1] if years else None
    areas = values.filter(pl.col("year_be") == year_be).select("level", "area_code").unique()
    if baselines is not None and baselines.height:
        areas = areas.join(baselines, on=["level", "area_code"], how="left")
    else:
        areas = areas.with_columns(pl.lit(None, pl.Int64).alias("baseline_year_be"))
    earliest = years[0] if years else None
    areas = areas.with_columns(
        pl.col("baseline_year_be")
        .cast(pl.Int64)
        .fill_null(pl.lit(earliest, pl.Int64))
        .alias("base_year_be")
    ).drop("baseline_year_be")
    return previous, areas.filter(pl.col("base_year_be") < year_be)


def _compared(
    current: pl.DataFrame, history: pl.DataFrame, bases: pl.DataFrame, comparison: str
) -> pl.DataFrame:
    base = history.rename(
        {
            "year_be": "base_year_be",
            "value": "base_value",
            "rank_in_parent": "base_rank_in_parent",
            "rank_in_country": "base_rank_in_country",
        }  # fmt: skip
    ).drop("parent_code")
    joined = current.join(bases, on=["level", "area_code"]).join(base, on=[*KEY, "base_year_be"])
    years = (pl.col("year_be") - pl.col("base_year_be")).cast(pl.Float64)
    c = change(pl.col("base_value"), pl.col("value"), years)
    return joined.with_columns(
        pl.lit(comparison).alias("comparison"),
        c.absolute.alias("absolute"),
        _finite(c.relative).alias("relative"),
        c.annualized_absolute.alias("annualized_absolute"),
        _finite(c.annualized_relative).alias("annualized_relative"),
        (pl.col("rank_in_parent") - pl.col("base_rank_in_parent")).alias("rank_change"),
        (pl.col("rank_in_country") - pl.col("base_rank_in_country")).alias(
            "rank_change_in_country"
        ),
    )


def rule_series(rows: pl.DataFrame, rules: Mapping[int, str]) -> pl.DataFrame:
    """Say on which target-poor rule each compared value is counted, and where the official
    series mixes two rules.

    ``rows`` are compared rows (year_be, base_year_be, measure, ...); ``rules`` maps each survey
    year to its target-poor rule. Adds ``target_rule`` and ``base_target_rule`` (the rules of
    value and base_value), ``series``: ``official`` (each year on its own rule, as TPMAP
    published it), ``later_rule`` (both years on the rule of ``year_be``: the earlier year's
    data counted on the later rule), ``earlier_rule`` (both on the base year's rule) or
    ``other_rule``; and ``series_break`` / ``series_break_th`` on an official row whose two
    years have different rules: which rule changed to which, so that its change is not read as
    a change of poverty (``<measure>_<rule>`` gives the change on one rule). Measures that do
    not depend on the rule keep NULLs."""
    if not rows.height:
        return rows
    # worked out per (measure, year, base year), a few dozen rows, then joined onto the rows
    keys = rows.select("measure", "year_be", "base_year_be").unique()
    years = pl.DataFrame(
        {"year": list(rules), "rule": list(rules.values())},
        schema={"year": rows.schema["year_be"], "rule": pl.String},
    )
    base_measure = pl.col("measure").str.extract(r"^(target_poor_(?:persons|rate))_", 1)
    suffix = pl.col("measure").str.extract(r"^target_poor_(?:persons|rate)_(.+)$", 1)
    official = pl.col("measure").is_in(list(TARGET_POOR))
    per_rule = base_measure.is_not_null() & suffix.is_in(list(TARGET_RULES))
    keys = (
        keys.join(years.rename({"year": "year_be", "rule": "_rule1"}), on="year_be", how="left")
        .join(
            years.rename({"year": "base_year_be", "rule": "_rule0"}), on="base_year_be", how="left"
        )  # fmt: skip
        .with_columns(
            pl.when(official)
            .then(pl.col("_rule1"))
            .when(per_rule)
            .then(suffix)
            .alias("target_rule"),
            pl.when(official)
            .then(pl.col("_rule0"))
            .when(per_rule)
            .then(suffix)
            .alias("base_target_rule"),
            pl.when(official)
            .then(pl.lit("official"))
            .when(per_rule & (suffix == pl.col("_rule1")))
            .then(pl.lit("later_rule"))
            .when(per_rule & (suffix == pl.col("_rule0")))
            .then(pl.lit("earlier_rule"))
            .when(per_rule)
            .then(pl.lit("other_rule"))
            .alias("series"),
        )  # fmt: skip
    )
    broken = official & (pl.col("_rule0") != pl.col("_rule1"))
    y0, y1 = pl.col("base_year_be").cast(pl.String), pl.col("year_be").cast(pl.String)
    # short, as every official row of an area across the change carries it: the measures to
    # read instead are target_poor_*_<rule> (docs/marts.md)
    english = pl.concat_str(
        pl.lit("target-poor rule changed: "), pl.col("_rule0"), pl.lit(" (BMN "), y0,
        pl.lit(") -> "), pl.col("_rule1"), pl.lit(" (BMN "), y1, pl.lit(")"),
    )  # fmt: skip
    thai = pl.concat_str(
        pl.lit("เกณฑ์คนจนเป้าหมายเปลี่ยน: "), pl.col("_rule0"), pl.lit(" (จปฐ. "), y0,
        pl.lit(") -> "), pl.col("_rule1"), pl.lit(" (จปฐ. "), y1, pl.lit(")"),
    )  # fmt: skip
    keys = keys.with_columns(
        pl.when(broken).then(english).alias("series_break"),
        pl.when(broken).then(thai).alias("series_break_th"),
    ).drop("_rule0", "_rule1")
    return rows.join(keys, on=["measure", "year_be", "base_year_be"], how="left",
                     maintain_order="left")  # fmt: skip


def progress(
    values: pl.DataFrame,
    year_be: int,
    levels: Sequence[str],
    converge: Sequence[str],
    baselines: pl.DataFrame | None = None,
    rules: Mapping[int, str] | None = None,
    *,
    years: Sequence[int] | None = None,
    report: Sequence[str] | None = None,
) -> pl.DataFrame:
    """One row per (level, area, age band, measure, comparison) of ``year_be``: the value, the
    base year's value, their change, ranks and rank changes. ``comparison`` is ``previous``
    (the latest year before) or ``baseline`` (per area, see ``base_years``); a year without an
    earlier one, or an area or measure missing in the base year, has no row. With ``rules``
    (survey year -> target-poor rule), the target-poor rows say their rule (``rule_series``).

    A part of the country can be computed alone (store/progress.py): ``values`` then hold the
    areas of the levels in ``report`` with all their peers and children, ``years`` the years
    the whole country has data for, and only the ``report`` levels' rows are returned."""
    values = values.filter(pl.col("year_be") <= year_be)
    values = pl.concat([values, convergence(values, converge, levels)], how="vertical_relaxed")
    ranked = ranks(values)
    current = ranked.filter(pl.col("year_be") == year_be)
    if report is not None:
        current = current.filter(pl.col("level").is_in(list(report)))
    previous, baseline = base_years(values, year_be, baselines, years)
    parts = []
    if previous is not None:
        prev = (
            current.select("level", "area_code")
            .unique()
            .with_columns(pl.lit(previous, pl.Int64).alias("base_year_be"))
        )
        parts.append(_compared(current, ranked, prev, "previous"))
        parts.append(_compared(current, ranked, baseline, "baseline"))
    if not parts:
        return pl.DataFrame()
    rows = pl.concat(parts).sort("comparison", "level", "area_code", "age_band", "measure")
    return rule_series(rows, rules) if rules is not None else rows


def m0_split(mpi: pl.DataFrame, bases: pl.DataFrame) -> pl.DataFrame:
    """Shapley split of the change of M0 = H x A into H and A: dH (A0 + A1) / 2 and
    dA (H0 + H1) / 2, which add up to dM0 exactly. ``mpi`` has year_be, level, area_code,
    age_band, rule, h, a (NULL when nobody is poor: A counts as 0, as M0 = 0 then), m0;
    ``bases`` has year_be, base_year_be, comparison, level, area_code."""
    keys = ["level", "area_code", "age_band", "rule"]
    mpi = mpi.with_columns(pl.col("a").fill_null(0.0))
    base = mpi.rename({"year_be": "base_year_be", "h": "h0", "a": "a0", "m0": "m00"})
    j = mpi.join(bases, on=["year_be", "level", "area_code"]).join(base, on=[*keys, "base_year_be"])
    parts = j.with_columns(
        ((pl.col("h") - pl.col("h0")) * (pl.col("a") + pl.col("a0")) / 2).alias("H"),
        ((pl.col("a") - pl.col("a0")) * (pl.col("h") + pl.col("h0")) / 2).alias("A"),
    )
    return (
        parts.unpivot(
            ["H", "A"],
            index=["year_be", "base_year_be", "comparison", *keys],
            variable_name="factor",
            value_name="contribution",
        )  # fmt: skip
        .with_columns(("m0_" + pl.col("rule")).alias("measure"), pl.lit("intensity").alias("split"))
        .drop("rule")
    )


def component_split(components: pl.DataFrame, bases: pl.DataFrame) -> pl.DataFrame:
    """Each indicator's part of the change of M0: the change of its contribution (weight x
    censored headcount); they add up to dM0. ``components`` has year_be, level, area_code,
    age_band, rule, component, contribution."""
    keys = ["level", "area_code", "age_band", "rule", "component"]
    base = components.rename({"year_be": "base_year_be", "contribution": "c0"})
    j = components.join(bases, on=["year_be", "level", "area_code"]).join(
        base, on=[*keys, "base_year_be"]
    )
    return j.select(
        "year_be", "base_year_be", "comparison", "level", "area_code", "age_band",
        ("m0_" + pl.col("rule")).alias("measure"),
        pl.col("component").alias("factor"),
        (pl.col("contribution") - pl.col("c0")).alias("contribution"),
        pl.lit("indicator").alias("split"),
    )  # fmt: skip


def _headcount(ratio: pl.Expr, count: str) -> pl.Expr:
    return (pl.col(count) * (ratio < 1)).sum() / pl.col(count).sum()


def growth_redistribution(
    start: pl.DataFrame,
    end: pl.DataFrame,
    by: Mapping[str, pl.Expr | str],
    *,
    ratio: str = "ratio",
    count: str = "persons",
    bands: str = "age_band",
) -> pl.DataFrame:
    """Shapley Datt-Ravallion split of the change of the headcount ratio (FGT0) into growth and
    redistribution, per area of each level in ``by`` (level -> area expression) and per age
    band (and ``all``).

    ``ratio`` is income / poverty line per record (welfare ratio: poor when < 1, so lines that
    differ by year or region are the unit), ``count`` the persons a record stands for. With
    P(mu, L) the headcount of a distribution of Lorenz curve L scaled to mean mu:

    growth         = [P(mu1, L0) - P(mu0, L0) + P(mu1, L1) - P(mu0, L1)] / 2
    redistribution = [P(mu0, L1) - P(mu0, L0) + P(mu1, L1) - P(mu1, L0)] / 2

    where P(mu1, L0) is year 0's records scaled by mu1 / mu0, and P(mu0, L1) year 1's by
    mu0 / mu1; the two add up to P1 - P0."""
    out = []
    for level, expr in by.items():
        area = (expr if isinstance(expr, pl.Expr) else pl.col(expr)).cast(pl.String)
        frames = [
            f.select(area.alias("area_code"), pl.col(bands).cast(pl.String), ratio, count)
            for f in (start, end)
        ]
        frames = [pl.concat([f, f.with_columns(pl.lit("all").alias(bands))]) for f in frames]
        keys = ["area_code", bands]
        means = [
            f.group_by(keys).agg(
                ((pl.col(ratio) * pl.col(count)).sum() / pl.col(count).sum()).alias("mu"),
                _headcount(pl.col(ratio), count).alias("p"),
            )
            for f in frames
        ]
        both = means[0].join(means[1], on=keys, suffix="1")
        # each year's records at the other year's mean
        scaled = [
            f.join(both.select(*keys, (pl.col(b) / pl.col(a)).alias("scale")), on=keys)
            .group_by(keys)
            .agg(_headcount(pl.col(ratio) * pl.col("scale"), count).alias(name))
            for f, a, b, name in ((frames[0], "mu", "mu1", "p_mu1_l0"),
                                  (frames[1], "mu1", "mu", "p_mu0_l1"))
        ]  # fmt: skip
        j = both.join(scaled[0], on=keys).join(scaled[1], on=keys)
        out.append(
            j.select(
                pl.lit(level).alias("level"),
                *keys,
                (
                    ((pl.col("p_mu1_l0") - pl.col("p")) + (pl.col("p1") - pl.col("p_mu0_l1"))) / 2
                ).alias("growth"),
                (
                    ((pl.col("p_mu0_l1") - pl.col("p")) + (pl.col("p1") - pl.col("p_mu1_l0"))) / 2
                ).alias("redistribution"),
            )
        )
    return pl.concat(out).unpivot(
        ["growth", "redistribution"], index=["level", "area_code", bands],
        variable_name="factor", value_name="contribution",
    )  # fmt: skip


__all__ = [
    "COMPARISONS",
    "base_years",
    "component_split",
    "convergence",
    "growth_redistribution",
    "m0_split",
    "progress",
    "ranks",
    "rule_series",
]
