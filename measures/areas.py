"""The measure marts: every measure of every area at every level, from person records.

``mpi_marts`` and ``income_marts`` take a frame of person records and ``levels``, an ordered
mapping from level name (coarsest first) to the area code of each person at that level, as a
column name or an expression (``{"country": pl.lit("TH"), ..., "village": "village_code"}``);
each area lies in one area of every coarser level. A record may stand for several identical
persons: ``count`` names the column that says how many (a frequency weight). The results are
the rows of ``marts.area_mpi`` & co. without the year and the area names; a notebook that calls
these functions on the same records gets what the marts hold.

How it stays cheap at national scale:

* additive measures (persons, MPI-poor persons and their deprivation scores, the per-indicator
  headcounts, the FGT and Watts sums, the sums behind the mean, GE and Atkinson) are summed once
  per village and age band, and every coarser area adds up its villages' sums: ratios are taken
  at the end, so a parent's figures are exactly those of its persons;
* rank-based measures (median, Gini, Palma, S80/S20) need each area's incomes in order: the
  records are put in income order once, and each level only regroups them (a stable sort by
  area keeps income order within an area), adds running sums (``rank_frame``) and reads every
  area's values in one grouped ``agg``;
* float sums run in one order of the records (village, age band, income), each group as one
  contiguous slice, and MPI scores are whole numbers of units (``score_units``), so the same
  persons give the same bits, whatever the order in which they were read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import polars as pl

from measures._weights import invalid_group, value_col
from measures.inequality import (
    RANKS,
    GEParts,
    atkinson_from_parts,
    atkinson_parts,
    ge_from_parts,
    ge_parts,
    ge_split,
    gini_expr,
    median_expr,
    palma_expr,
    qsr_expr,
    rank_frame,
    ratio_null_reason_expr,
)
from measures.mpi import mpi_from_sums, mpi_sums
from measures.poverty import fgt_parts, watts_parts

Key = str | pl.Expr
Levels = Mapping[str, Key]

ALL = "all"  # the age band of rows over all ages


@dataclass(frozen=True)
class MPISpec:
    """The indicators of the MPI and how the marts report them.

    ``weights``: indicator column -> weight (summing to 1); ``codes``: indicator column -> the
    component code the marts show (``1.1``); ``dimensions``: indicator column -> dimension code;
    ``rules``: rule name -> poverty cutoff k; ``missing``: as ``mpi_frame`` (TPMAP counts a
    not-applicable indicator as not deprived).
    """

    weights: Mapping[str, float]
    codes: Mapping[str, str]
    dimensions: Mapping[str, str]
    rules: Mapping[str, float]
    missing: str = "nondeprived"


class IncomeMarts(NamedTuple):
    poverty: pl.DataFrame  # marts.area_income_poverty
    inequality: pl.DataFrame  # marts.area_inequality
    theil_decomposition: pl.DataFrame  # marts.area_theil_decomposition


# ---------------------------------------------------------------------------------------------
# Levels
# ---------------------------------------------------------------------------------------------


def _expr(key: Key) -> pl.Expr:
    return pl.col(key) if isinstance(key, str) else key


def _roots(exprs: Sequence[Key]) -> list[str]:
    """The record columns the keys are computed from, in order of first use."""
    names: list[str] = []
    for key in exprs:
        for name in _expr(key).meta.root_names():
            if name not in names:
                names.append(name)
    return names


def _children(levels: Levels) -> dict[str, Key | None]:
    names = list(levels)
    return {name: levels.get(child) for name, child in zip(names, [*names[1:], ""], strict=True)}


def _run_id(columns: Sequence[str]) -> pl.Expr:
    """Number of each run of equal values of ``columns`` in a frame sorted by them: a sorted
    group key, for which a grouped ``agg`` reads contiguous slices instead of hashing."""
    change = pl.any_horizontal(
        *((pl.col(c) != pl.col(c).shift(1)).fill_null(True) for c in columns)
    )
    return change.cum_sum().cast(pl.UInt32).set_sorted().alias("_run")


def _per_area(
    rows: pl.DataFrame,
    levels: Levels,
    aggs: Sequence[pl.Expr],
    by: Sequence[str] = (),
    *,
    whole: bool = False,
) -> pl.DataFrame:
    """``aggs`` of ``rows`` (a few per village) per level, area and ``by``, with
    ``child_areas``: areas of the next level with rows in the group.

    Each group's rows are summed in their order in ``rows`` and always as one contiguous slice
    (a stable sort by area, then runs): Polars sums a slice and a gathered group in different
    association, and which one it takes depends on whether the key is flagged sorted, so
    without this the last bits of a float sum would depend on how ``rows`` came about.
    ``whole=True`` (sums of whole numbers, exact in any order) skips the sort.
    """
    frames = []
    for level, key in levels.items():
        child = _children(levels)[level]
        counted = pl.lit(0) if child is None else _expr(child).n_unique()
        groups = ["area_code", *by]
        keyed = rows.with_columns(_expr(key).alias("area_code"))
        if whole:
            grouped = keyed.group_by(groups, maintain_order=True)
        else:
            grouped = (
                keyed.sort(groups, maintain_order=True)
                .with_columns(_run_id(groups))
                .group_by("_run", maintain_order=True)
            )
        frames.append(
            grouped.agg(
                *(pl.col(c).first() for c in groups if not whole),
                *aggs,
                counted.cast(pl.Int64).alias("child_areas"),
            ).select(
                pl.lit(level).alias("level"),
                pl.col("area_code").cast(pl.String),  # printed once grouped: ints hash faster
                *by,
                pl.exclude("_run", "area_code", *by),
            )
        )
    return pl.concat(frames)


def _bands_and_all(
    rows: pl.DataFrame,
    levels: Levels,
    add: Mapping[str, str],
    age_band: str,
    *,
    whole: bool = False,
) -> pl.DataFrame:
    """The columns of ``rows`` added up (``add``: column -> sum, min, max or any) per level,
    area and age band, and over all ages (age band ``all``). All ages add up an area's age
    bands, a few rows each, rather than its villages' rows again."""
    per_band = _per_area(
        rows, levels, [_ADD[a](pl.col(c)) for c, a in add.items()], [age_band], whole=whole
    )
    keys = ["level", "area_code"]
    children = _per_area(rows, levels, [], whole=True)  # a count: any order will do
    all_ages = (
        per_band.group_by(keys, maintain_order=True)
        .agg(_ADD[a](pl.col(c)) for c, a in add.items())
        .join(children, on=keys, how="left", maintain_order="left")
        .with_columns(pl.lit(ALL).alias(age_band))
    )
    return pl.concat(
        [per_band.with_columns(pl.col(age_band).cast(pl.String)), all_ages], how="diagonal"
    )


_ADD = {"sum": pl.Expr.sum, "min": pl.Expr.min, "max": pl.Expr.max, "any": pl.Expr.any}


def _persons(count: str | None) -> pl.Expr:
    return (pl.len() if count is None else value_col(count).sum()).cast(pl.Int64)


# ---------------------------------------------------------------------------------------------
# MPI
# ---------------------------------------------------------------------------------------------


def mpi_marts(
    persons: pl.DataFrame,
    levels: Levels,
    spec: MPISpec,
    *,
    age_band: str = "age_band",
    count: str | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``marts.area_mpi`` (per area, age band and rule) and ``marts.area_mpi_component`` (per
    area and rule, all ages: each indicator's and dimension's part of M0).

    ``persons`` holds ``age_band`` and the indicator columns of ``spec`` (1 deprived, 0 not,
    null not applicable). Every village's deprivation-score distribution (``mpi_sums``) is
    computed once; an area sums its villages' and reads H, A, M0 and the headcounts of each rule
    off it (``mpi_from_sums``). Without weights all of it is whole numbers: exact.
    """
    names = list(spec.weights)
    roots = _roots(list(levels.values()))
    villages = mpi_sums(
        persons,
        names,
        spec.weights,
        w=count,
        by=[*roots, age_band],
        missing=spec.missing,  # type: ignore[arg-type]
    )
    population = pl.col("population").sum()
    keys = ["level", "area_code", age_band]
    coverage = _bands_and_all(villages, levels, {"population": "sum"}, age_band, whole=True).select(
        *keys, pl.col("population").cast(pl.Int64).alias("persons"), "child_areas"
    )
    # H, A and M0 per age band need only the score distribution's population; the headcounts
    # of each indicator (the components) are for all ages only
    counts = [pl.col("persons").sum(), pl.col("dropped").sum(), population]
    by_band = _per_area(villages, levels, counts, [age_band, "score"], whole=True)
    deprived = [pl.col(f"deprived_{c}").sum() for c in names]
    by_area = _per_area(villages, levels, [*counts, *deprived], ["score"], whole=True).with_columns(
        pl.lit(ALL).alias(age_band)
    )
    headline, components = [], []
    for rule, k in spec.rules.items():
        of_band = mpi_from_sums(by_band, names, spec.weights, k, by=keys, headcounts=False)
        of_area = mpi_from_sums(by_area, names, spec.weights, k, by=keys)
        for result in (of_band.with_columns(pl.col(age_band).cast(pl.String)), of_area):
            headline.append(
                result.drop("persons", "dropped")
                .join(coverage, on=keys, how="left", maintain_order="left")
                .select(
                    "level",
                    "area_code",
                    pl.col(age_band).alias("age_band"),
                    pl.lit(rule).alias("rule"),
                    pl.lit(k, pl.Float64).alias("k"),
                    "persons",
                    "child_areas",
                    (pl.col("H") * pl.col("population"))
                    .round(0)
                    .cast(pl.Int64)
                    .alias("poor_persons"),
                    pl.col("H").alias("h"),
                    pl.col("A").alias("a"),
                    pl.col("M0").alias("m0"),
                )
            )
        # by area only: per age band too would multiply the rows by 6 for little use
        components.append(
            _components(of_area.with_columns(pl.lit(rule).alias("rule")), spec, age_band)
        )
    return pl.concat(headline), pl.concat(components)


def _components(frame: pl.DataFrame, spec: MPISpec, age_band: str) -> pl.DataFrame:
    """One row per area, rule and component (indicator, then dimension) from the wide rows of
    ``mpi_from_sums``. A dimension's headcounts are the weighted means of its indicators' and
    its contribution their sum, computed across the columns of each row."""
    keys = [
        "level",
        "area_code",
        pl.col(age_band).cast(pl.String).alias("age_band"),
        "rule",
    ]
    parts = ["uncensored_headcount", "censored_headcount", "contribution", "contribution_share"]

    def rows(kind: str, code: str, weight: float, values: Sequence[pl.Expr]) -> pl.DataFrame:
        return frame.select(
            *keys,
            pl.lit(kind).alias("component_type"),
            pl.lit(code).alias("component"),
            pl.lit(weight).alias("weight"),
            *(v.alias(name) for v, name in zip(values, parts, strict=True)),
        )

    frames = []
    for c, w in spec.weights.items():
        columns = ["uncensored", "censored", "contribution", "contribution_share"]
        frames.append(
            rows("indicator", spec.codes[c], float(w), [pl.col(f"{p}_{c}") for p in columns])
        )
    for dimension in dict.fromkeys(spec.dimensions.values()):
        members = {c: float(w) for c, w in spec.weights.items() if spec.dimensions[c] == dimension}
        weight = math.fsum(members.values())

        def mean(part: str, members: dict[str, float] = members, weight: float = weight) -> pl.Expr:
            return pl.sum_horizontal(w * pl.col(f"{part}_{c}") for c, w in members.items()) / weight

        contribution = pl.sum_horizontal(pl.col(f"contribution_{c}") for c in members)
        share = pl.when(pl.col("M0") > 0).then(contribution / pl.col("M0"))
        frames.append(
            rows(
                "dimension",
                dimension,
                weight,
                [mean("uncensored"), mean("censored"), contribution, share],
            )
        )
    return pl.concat(frames)


# ---------------------------------------------------------------------------------------------
# Income: poverty lines, inequality, Theil decomposition
# ---------------------------------------------------------------------------------------------

# The inequality measures that are functions of parts that add up: name -> (parts, value).
_FROM_PARTS = {
    "theil": (lambda x, w: ge_parts(x, 1.0, w), lambda p: ge_from_parts(1.0, p)),
    "mld": (lambda x, w: ge_parts(x, 0.0, w), lambda p: ge_from_parts(0.0, p)),
    "atkinson_05": (lambda x, w: atkinson_parts(x, 0.5, w), lambda p: atkinson_from_parts(0.5, p)),
    "atkinson_1": (lambda x, w: atkinson_parts(x, 1.0, w), lambda p: atkinson_from_parts(1.0, p)),
    "atkinson_2": (lambda x, w: atkinson_parts(x, 2.0, w), lambda p: atkinson_from_parts(2.0, p)),
}
_GE_ADD = dict(zip(GEParts._fields, ["sum", "sum", "sum", "min", "max"], strict=True))


class _Parts(NamedTuple):
    """Named per-village aggregations, how each adds up, and which ones each measure uses."""

    exprs: list[pl.Expr]
    add: dict[str, str]
    ge: dict[str, GEParts]  # inequality measure -> its parts, as columns of the village rows
    ratios: dict[str, tuple[str, str]]  # "line:measure" -> (numerator, denominator) columns


def _income_parts(lines: Mapping[str, pl.Expr], income: str, count: str | None) -> _Parts:
    parts = _Parts([], {}, {}, {})

    def part(name: str, expr: pl.Expr, add: str = "sum") -> str:
        # several measures share parts (the population, the income): compute each once
        for known in parts.exprs:
            if expr.meta.eq(known.meta.undo_aliases()):
                return known.meta.output_name()
        parts.exprs.append(expr.alias(name))
        parts.add[name] = add
        return name

    part("persons", _persons(count))
    part("_invalid", invalid_group(income, count), "any")
    part("_zeros", _weighted_count(value_col(income) == 0, count))
    for name, line in lines.items():
        fgt = [fgt_parts(income, line, alpha, count) for alpha in (0, 1, 2)]
        watts = watts_parts(income, line, count)
        part(f"{name}:line_min", line.min(), "min")
        part(f"{name}:line_max", line.max(), "max")
        for measure, ratio in [*((f"fgt{a}", f) for a, f in enumerate(fgt)), ("watts", watts)]:
            # FGT and Watts share their population (zero incomes included): one column
            parts.ratios[f"{name}:{measure}"] = (
                part(f"{name}:{measure}", ratio.numerator),
                part(f"{name}:{measure}:population", ratio.denominator),
            )
    for measure, (build, _) in {"mean_income": (_mean_parts, None), **_FROM_PARTS}.items():
        ge = build(income, count)
        names = [
            part(f"_{measure}:{f}", e, _GE_ADD[f]) for f, e in zip(GEParts._fields, ge, strict=True)
        ]
        parts.ge[measure] = GEParts(*(pl.col(n) for n in names))
    return parts


def _mean_parts(income: str, count: str | None) -> GEParts:
    """The mean's population and income are Theil's (both count every record, zeros too)."""
    return ge_parts(income, 1.0, count)


def income_marts(
    persons: pl.DataFrame,
    levels: Levels,
    lines: Mapping[str, pl.Expr],
    *,
    income: str,
    age_band: str = "age_band",
    count: str | None = None,
    decompositions: Sequence[tuple[str, str]] = (),
    ordered: bool = False,
) -> IncomeMarts:
    """``marts.area_income_poverty`` (per area, age band and line), ``marts.area_inequality``
    and ``marts.area_theil_decomposition`` (per area, all ages).

    ``lines``: line name -> the poverty line of each person (an expression over the records,
    e.g. the line of the person's region). ``decompositions``: (level, child level) pairs whose
    Theil T is split into within and between the child areas. ``ordered=True`` promises that
    ``persons`` comes village by village (the columns ``levels`` use) and age band by age band,
    in increasing income within each and no two rows alike, always in the same order (the SQL of
    the marts delivers it so); otherwise it is sorted that way.
    """
    roots = _roots(list(levels.values()))
    line_roots = [c for c in _roots(list(lines.values())) if c not in roots]
    order = [*roots, age_band, income]
    frame = persons.select(*order, *line_roots, *([count] if count else []))
    # one contiguous chunk: a sum over rows that straddle two chunks adds the halves, so where
    # the chunks of the input end would change the last bits
    frame = frame.rechunk() if ordered else frame.sort(order)
    # each line, and the count as a float, once per record: the parts refer to them many times
    line_columns = {name: f"_line:{name}" for name in lines}
    parts = _income_parts({n: pl.col(c) for n, c in line_columns.items()}, income, count)
    # One row per village and age band: the parts of every income measure, summed over the
    # village's records in income order (a fixed order: the same records give the same bits).
    villages = (
        frame.lazy()
        .with_columns(
            *(line.alias(line_columns[name]) for name, line in lines.items()),
            *([pl.col(count).cast(pl.Float64)] if count else []),
            _run_id([*roots, age_band]),
        )
        .group_by("_run", maintain_order=True)
        .agg(*(pl.col(c).first() for c in [*roots, age_band]), *parts.exprs)
        .drop("_run")
        .collect(engine="in-memory")  # the in-memory engine sums a group's rows in their order
    )
    rolled = _bands_and_all(villages, levels, parts.add, age_band)
    inequality, theil_parts = _inequality(
        rolled.filter(pl.col(age_band) == ALL), frame, parts, levels, income, roots, count
    )
    return IncomeMarts(
        poverty=_poverty(rolled, parts, lines, age_band),
        inequality=inequality,
        theil_decomposition=_theil_decomposition(theil_parts, villages, levels, decompositions),
    )


def _weighted_count(condition: pl.Expr, count: str | None) -> pl.Expr:
    if count is None:
        return condition.sum().cast(pl.Int64)
    return pl.when(condition).then(value_col(count)).otherwise(0.0).sum().cast(pl.Int64)


def _poverty(
    rolled: pl.DataFrame, parts: _Parts, lines: Mapping[str, pl.Expr], age_band: str
) -> pl.DataFrame:
    valid = ~pl.col("_invalid")  # a negative income makes the group's measures null

    def ratio(key: str) -> pl.Expr:
        numerator, denominator = parts.ratios[key]
        return pl.when(valid).then(pl.col(numerator) / pl.col(denominator))

    frames = [
        rolled.select(
            "level",
            "area_code",
            pl.col(age_band).alias("age_band"),
            pl.lit(name).alias("line"),
            "persons",
            "child_areas",
            pl.col(f"{name}:line_min").alias("line_min"),
            pl.col(f"{name}:line_max").alias("line_max"),
            pl.col(f"{name}:fgt0").round(0).cast(pl.Int64).alias("poor_persons"),
            *(ratio(f"{name}:fgt{a}").alias(f"fgt{a}") for a in (0, 1, 2)),
            ratio(f"{name}:watts").alias("watts"),
        )
        for name in lines
    ]
    return pl.concat(frames)


_RANKED = {
    "median_income": lambda x, w: median_expr(x, w, ranks=RANKS),
    "gini": lambda x, w: gini_expr(x, w, ranks=RANKS),
    "palma": lambda x, w: palma_expr(x, w, ranks=RANKS),
    "s80_s20": lambda x, w: qsr_expr(x, w, ranks=RANKS),
    "ratio_null_reason": lambda x, w: ratio_null_reason_expr(x, w, ranks=RANKS),
}


def _inequality(
    rolled: pl.DataFrame,
    frame: pl.DataFrame,
    parts: _Parts,
    levels: Levels,
    income: str,
    roots: list[str],
    count: str | None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``marts.area_inequality`` and, per area, what the Theil decomposition needs."""
    valid = ~pl.col("_invalid")  # a negative income makes the group's measures null
    mean = parts.ge["mean_income"]
    theil = parts.ge["theil"]
    decomposable = rolled.select(
        "level",
        "area_code",
        "persons",
        "child_areas",
        pl.col("_zeros").alias("zero_incomes_excluded"),
        pl.when(valid).then(mean.income / mean.population).alias("mean_income"),
        *(
            pl.when(valid).then(value(parts.ge[name])).alias(name)
            for name, (_, value) in _FROM_PARTS.items()
        ),
        # GE(1)'s own population and income: what ge_split weighs the child areas by
        theil.population.alias("ge_population"),
        theil.income.alias("ge_income"),
    )
    ranked = _ranked(frame, levels, income, roots, count)
    out = decomposable.join(ranked, on=["level", "area_code"], how="left", maintain_order="left")
    columns = [
        "level",
        "area_code",
        "persons",
        "child_areas",
        "zero_incomes_excluded",
        "mean_income",
        "median_income",
        "gini",
        "theil",
        "mld",
        "atkinson_05",
        "atkinson_1",
        "atkinson_2",
        "palma",
        "s80_s20",
        "ratio_null_reason",
    ]
    theil_parts = out.select(
        "level", "area_code", "persons", pl.col("theil").alias("ge"), "ge_population", "ge_income"
    )
    return out.select(columns), theil_parts


def _ranked(
    frame: pl.DataFrame, levels: Levels, income: str, roots: list[str], count: str | None
) -> pl.DataFrame:
    """Median, Gini, Palma and S80/S20 of every area of every level, and why any of the last
    three is null (``ratio_null_reason_expr``).

    Records are put in income order (a stable sort keeps the village order of equal incomes:
    the same records, the same order) and those of one village with the same income (members
    of a household, different age bands) merged, now adjacent. Each level then regroups them by
    area with a stable sort (income order stays within an area) and reads all the measures off
    running sums in one grouped ``agg``.
    """
    weight = "_persons"
    merged = (
        frame.select(income, *roots, *([count] if count else []))
        .sort(income, maintain_order=True)
        .with_columns(_run_id([income, *roots]))
        .group_by("_run", maintain_order=True)
        .agg(
            pl.col(income).first(),
            *(pl.col(c).first() for c in roots),
            (pl.len() if count is None else value_col(count).sum()).cast(pl.Float64).alias(weight),
        )
        .drop("_run")
    )
    exprs = [build(income, weight).alias(name) for name, build in _RANKED.items()]
    frames = []
    for level, key in levels.items():
        if not _expr(key).meta.root_names():  # one area: the whole frame, no regrouping
            area = pl.select(_expr(key)).item()
            whole = merged.lazy().with_columns(_run=pl.lit(0))
            result = rank_frame(whole, income, weight, by="_run").select(*exprs)
            result = result.with_columns(pl.lit(area).alias("_area"))
        else:
            by_area = (
                merged.lazy()
                .select(_expr(key).alias("_area"), income, weight)
                .sort("_area", maintain_order=True)
                .with_columns(_run_id(["_area"]))
            )
            result = (
                rank_frame(by_area, income, weight, by="_run")
                .group_by("_run", maintain_order=True)
                .agg(pl.col("_area").first(), *exprs)
            )
        result = result.collect(engine="in-memory")
        frames.append(
            result.select(
                pl.lit(level).alias("level"),
                pl.col("_area").cast(pl.String).alias("area_code"),
                *_RANKED,
            )
        )
    return pl.concat(frames)


def _theil_decomposition(
    parts: pl.DataFrame,
    villages: pl.DataFrame,
    levels: Levels,
    decompositions: Sequence[tuple[str, str]],
) -> pl.DataFrame:
    """Theil T of each area split into its child areas' (``ge_split``), from each area's T,
    income and population: no pass over the records."""
    frames = []
    for level, child in decompositions:
        pairs = villages.select(
            _expr(levels[level]).cast(pl.String).alias("parent"),
            _expr(levels[child]).cast(pl.String).alias("area_code"),
        ).unique(maintain_order=True)
        children = parts.filter(pl.col("level") == child).join(
            pairs, on="area_code", maintain_order="left"
        )
        split = ge_split(children, 1.0, parent="parent", child="area_code")
        counted = children.group_by("parent").agg(pl.len().cast(pl.Int64).alias("child_areas"))
        total = parts.filter(pl.col("level") == level)
        frames.append(
            total.join(split, left_on="area_code", right_on="parent", maintain_order="left")
            .join(counted, left_on="area_code", right_on="parent", maintain_order="left")
            .select(
                "level",
                "area_code",
                pl.lit(child).alias("child_level"),
                "child_areas",
                "persons",
                pl.col("ge").alias("theil"),
                "within",
                "between",
                pl.when(pl.col("ge") > 0)
                .then(pl.col("between") / pl.col("ge"))
                .alias("between_share"),
            )
        )
    if not frames:
        return pl.DataFrame()
    return pl.concat(frames)


__all__ = ["ALL", "IncomeMarts", "Levels", "MPISpec", "income_marts", "mpi_marts"]
