"""Inequality measures: one Polars expression per measure, and scalar wrappers over it.

Every ``*_expr`` builder returns a scalar-per-group expression for
``df.group_by(keys).agg(...)`` (or ``df.select(...)`` for the whole frame). The scalar functions
(``gini(x, w)``, ...) validate their input and evaluate *the same* expression on a one-group frame,
so the pipeline and a notebook cannot disagree.

Conventions (docs/domain.md section 9):

* Weights are frequency weights in the sense that a whole-number weight gives the same result as
  repeating the record; a zero weight means "not in the population". Default weight 1.
* In expressions, rows with a null income or weight are ignored (weight 0); a NaN is not
  cleaned and makes the group's result NaN; a group holding a negative income or weight yields
  null. The scalar API raises ValueError on any of these instead.
* Zero incomes: Theil T counts 0 * ln 0 as 0; MLD, GE(alpha <= 0) and Atkinson(eps >= 1) are
  undefined with zeros, so those records are excluded and counted (``zero_count_expr`` in a frame,
  ``return_excluded=True`` in the scalar API).
* Equal incomes, all zero included, have no inequality: GE and Atkinson are exactly 0. A group
  whose incomes are all zero has nobody left for the measures that exclude zeros (NaN).
* No infinities: Gini, Palma and S80/S20 are null in expressions (NaN in the scalar API) when
  their denominator has no income -- nobody has any (Gini), or the bottom group has none (Palma,
  S80/S20); ``ratio_null_reason_expr`` names the reason per group.
* One quantile rule, laeken 0.5.x's ``weightedQuantile`` (``quantile_expr``): the median, the
  quantiles and the groups of S80/S20 and Palma. S80/S20 and Palma are ratios of the income
  totals of those groups, as laeken's ``qsr`` and Eurostat; ``income_share_expr`` reads shares
  off the Lorenz curve instead (the World Bank PIP convention), splitting a record at a cut.
* ``presorted=True`` (the rank-based measures: quantiles, Gini, income shares, Palma, S80/S20)
  promises that within each group the rows already come in increasing income, nulls first
  (``df.sort(x)`` before ``group_by``: a group keeps the order of its rows). The per-group sorts
  are then skipped; the value is the same. ``ranks=`` goes further: the running sums come from
  columns ``rank_frame`` added once, so the grouped ``agg`` only sums and picks rows.
* The other measures (mean, GE, Atkinson) are functions of a few sums (``ge_parts``,
  ``atkinson_parts``), which add up over disjoint groups: an area's value follows from its
  villages' sums without reading the records again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple, TypeVar

import numpy as np
import polars as pl

from measures._weights import (
    ArrayLike,
    Column,
    W,
    X,
    as_frame,
    check_income,
    check_weights,
    evaluate,
    guard,
    invalid_group,
    one_group_frame,
    prepared,
    zero_count_expr,
)

# Relative tolerance (share of the total weight) under which a cumulative weight share "equals" p
# in the quantile rule (equal is not above: the quantile is the next income). laeken compares
# exactly, which makes the result flip with the last bit of a rescaled weight (0.1 + 0.2 > 0.3),
# so we accept ties within 1e-12 of the population.
QUANTILE_TIE_TOL = 1e-12


class WithExcluded(NamedTuple):
    """A measure's value and the number of records it had to exclude (zero incomes)."""

    value: float
    excluded: int


class GEDecomposition(NamedTuple):
    """GE(alpha) of a population split into groups: total = within + between."""

    total: float
    within: float
    between: float
    excluded: int


# ---------------------------------------------------------------------------------------------
# Expression builders
# ---------------------------------------------------------------------------------------------


def mean_expr(x: Column, w: Column | None = None) -> pl.Expr:
    """Weighted mean: sum(w x) / sum(w)."""
    xe, we = prepared(x, w)
    return guard((we * xe).sum() / we.sum(), x, w).alias("mean")


class Ranks(NamedTuple):
    """Columns ``rank_frame`` adds to a frame sorted by group and then income. Given to the
    rank-based builders (``ranks=``), they replace the per-group sorts and running sums, so a
    grouped ``agg`` only sums, counts and picks rows."""

    weight: str = "rank_weight"  # the row's weight as the measures count it (0: not counted)
    cum_weight: str = "rank_cum_weight"  # weight of the group's rows up to this one, inclusive
    cum_income: str = "rank_cum_income"  # their income, sum(w x)
    tie_weight: str = "rank_tie_weight"  # cum_weight at the last row of the same income
    tie_income: str = "rank_tie_income"
    total_weight: str = "rank_total_weight"  # the group's weight, on each of its rows


RANKS = Ranks()


class _Sorted(NamedTuple):
    """A group's rows in increasing income, with running sums (see ``Ranks``)."""

    x: pl.Expr
    w: pl.Expr
    cum_w: pl.Expr
    cum_x: pl.Expr
    tie_w: pl.Expr
    tie_x: pl.Expr
    total_w: pl.Expr


def _sorted(x: Column, w: Column | None, presorted: bool, ranks: Ranks | None) -> _Sorted:
    xe, we = prepared(x, w)
    if ranks is not None:
        r = [pl.col(c) for c in ranks]
        return _Sorted(xe, r[0], r[1], r[2], r[3], r[4], r[5])
    xs, ws = (xe, we) if presorted else (xe.sort(), we.sort_by(xe))
    cum_w, cum_x = ws.cum_sum(), (ws * xs).cum_sum()
    last = (xs != xs.shift(-1)).fill_null(True)
    return _Sorted(
        xs,
        ws,
        cum_w,
        cum_x,
        pl.when(last).then(cum_w).backward_fill(),
        pl.when(last).then(cum_x).backward_fill(),
        we.sum(),
    )


FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)


def rank_frame(
    df: FrameT, x: str, w: str | None = None, *, by: str | Sequence[str], ranks: Ranks = RANKS
) -> FrameT:
    """``df`` (sorted by ``by`` and then ``x``, nulls first) with the columns of ``ranks``.

    The running sums restart at each group of ``by``; the rank-based builders given
    ``ranks=ranks`` then compute the same values as without, in one grouped ``agg`` that needs
    no sorting. A group's last row always ends a run of equal incomes, so the backward fill that
    carries a run's totals to its earlier rows never crosses into the next group.
    """
    keys = _as_list(by)
    xe, we = prepared(x, w)
    weight = pl.col(ranks.weight)
    last = pl.any_horizontal(
        (xe != xe.shift(-1)).fill_null(True),
        *((pl.col(k) != pl.col(k).shift(-1)).fill_null(True) for k in keys),
    )
    return (
        df.with_columns(we.alias(ranks.weight), last.alias("_rank_last"))
        .with_columns(
            weight.cum_sum().over(keys).alias(ranks.cum_weight),
            (weight * xe).cum_sum().over(keys).alias(ranks.cum_income),
            weight.sum().over(keys).alias(ranks.total_weight),
        )
        .with_columns(
            pl.when("_rank_last").then(pl.col(c)).backward_fill().alias(tie)
            for c, tie in [
                (ranks.cum_weight, ranks.tie_weight),
                (ranks.cum_income, ranks.tie_income),
            ]
        )
        .drop("_rank_last")
    )


def _first_above(s: _Sorted, share: float) -> pl.Expr:
    """Position of the first row whose cumulative weight exceeds ``share`` of the total (a
    record of positive weight). Clamped so that a group without positive weight yields a row,
    not an error."""
    i = (s.cum_w <= share * s.total_w).sum().cast(pl.Int64)
    return pl.min_horizontal(i, pl.len().cast(pl.Int64) - 1)


def _quantile_row(s: _Sorted, p: float) -> pl.Expr:
    """Position of the p-quantile (``quantile_expr``): the first row whose cumulative weight
    share is above p, a share within ``QUANTILE_TIE_TOL`` of p counting as equal to it."""
    if p == 0.0:
        return _first_above(s, 0.0)
    return _first_above(s, min(p + QUANTILE_TIE_TOL, 1.0 - QUANTILE_TIE_TOL))


def quantile_expr(
    x: Column,
    p: float,
    w: Column | None = None,
    *,
    presorted: bool = False,
    ranks: Ranks | None = None,
) -> pl.Expr:
    """Weighted quantile by laeken 0.5.x's rule (``laeken::weightedQuantile``, Eurostat).

    Sort x; with cumulative weight shares F_i = sum_{j <= i} w_j / sum(w), take the first x_i
    with F_i > p, strictly: at an exact tie F_i = p the next income is taken, never an average
    (laeken 0.4 averaged the two neighbours; 0.5.0 "strictly follows Eurostat definitions").
    p = 0 gives the smallest and p = 1 the largest income. For whole-number weights this is the
    same quantile as of the frequency-expanded sample. "Equal" is within ``QUANTILE_TIE_TOL``
    of the total weight (laeken compares exactly, so that a rescaled weight's last bit would
    decide). The one quantile rule of Chipao: the median, S80/S20 and Palma all use it.
    Zero-weight (and null) rows never become quantiles. Null for a group without weight.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p}")
    s = _sorted(x, w, presorted, ranks)
    value = s.x.get(_quantile_row(s, p))
    return guard(pl.when(s.w.sum() > 0).then(value), x, w).alias("quantile")


def median_expr(
    x: Column, w: Column | None = None, *, presorted: bool = False, ranks: Ranks | None = None
) -> pl.Expr:
    """Weighted median: ``quantile_expr(x, 0.5, w)`` (laeken's ``weightedMedian``)."""
    return quantile_expr(x, 0.5, w, presorted=presorted, ranks=ranks).alias("median")


def gini_expr(
    x: Column, w: Column | None = None, *, presorted: bool = False, ranks: Ranks | None = None
) -> pl.Expr:
    """Gini coefficient, Lorenz-trapezoid form.

    G = 1 - sum_i p_i (L_i + L_{i-1}), records sorted by x, p_i = w_i / sum(w) and L_i the
    cumulative income share; computed as 1 - sum_i w_i (2 C_i - w_i x_i) / (sum(w) sum(w x))
    with C_i = sum_{j <= i} w_j x_j. Algebraically identical to laeken's
    ``(2 sum(w x C) - sum(w^2 x)) / (sum(w) sum(w x)) - 1`` and to the World Bank PIP engine's
    ``md_compute_gini``; equal to the Gini of the frequency-expanded sample, invariant to the
    order of tied incomes. Matches R ineq ``Gini(x)`` (corr = FALSE) without weights. Null
    when nobody has any income (there is no income to share).
    """
    s = _sorted(x, w, presorted, ranks)
    income = s.w * s.x
    value = 1.0 - (s.w * (2.0 * s.cum_x - income)).sum() / (s.w.sum() * income.sum())
    return guard(pl.when(income.sum() > 0).then(value), x, w).alias("gini")


class GEParts(NamedTuple):
    """What GE(alpha) and the Atkinson index of a group are functions of. ``population``,
    ``income`` and ``power`` are sums, ``lowest`` and ``highest`` a minimum and a maximum: all
    add up over disjoint groups (sum, sum, sum, min, max), so an area's values follow from its
    villages' parts without reading the records again."""

    population: pl.Expr  # sum(w) of the records the measure counts
    income: pl.Expr  # sum(w x)
    power: pl.Expr  # sum(w x^alpha); alpha = 0: sum(w ln x); alpha = 1: sum(w x ln x); x > 0
    lowest: pl.Expr  # the smallest and largest income counted
    highest: pl.Expr


def ge_parts(x: Column, alpha: float, w: Column | None = None) -> GEParts:
    """The parts GE(alpha) is computed from (``ge_from_parts``). For alpha <= 0 records with
    x = 0 are left out of all of them."""
    alpha = float(alpha)
    xe, we = prepared(x, w, positive=alpha <= 0)
    used = (we > 0) & (xe > 0)  # keeps ln 0 and 0^alpha (alpha < 0) out of the sums
    if alpha == 0:
        term = xe.log()
    elif alpha == 1:
        term = xe * xe.log()
    else:
        term = xe.pow(alpha)
    counted = pl.when(we > 0).then(xe)
    return GEParts(
        we.sum(),
        (we * xe).sum(),
        pl.when(used).then(we * term).otherwise(0.0).sum(),
        counted.min(),
        counted.max(),
    )


def _from_parts(parts: GEParts, alpha: float, value: Callable[[pl.Expr], pl.Expr]) -> pl.Expr:
    """``value`` of m = sum(w r^alpha) / sum(w) (alpha = 0: sum(w ln r) / sum(w); 1: sum(w r
    ln r) / sum(w)), r = x / mean, with m from the sums. When everybody counted has the same
    income, r = 1 and m is taken as such: exactly no inequality, where the sums would leave a
    rounding residue of ~1e-16 ln(mean) (and 0 / 0 for an all-zero group)."""
    population, income, power = parts.population, parts.income, parts.power
    mean = income / population
    if alpha == 0:
        m = power / population - mean.log()
    elif alpha == 1:
        m = power / income - mean.log()
    else:
        m = power / (population * mean.pow(alpha))
    at_one = 0.0 if alpha in (0, 1) else 1.0  # m when r = 1 for everybody
    equal = parts.lowest == parts.highest  # null when nobody is counted: m is then NaN
    return pl.when(equal).then(value(pl.lit(at_one))).otherwise(value(m))


def ge_from_parts(alpha: float, parts: GEParts) -> pl.Expr:
    """GE(alpha) from ``ge_parts``; with mean = sum(w x) / sum(w), r = x / mean:

    * alpha = 0: -(sum(w ln x) / sum(w) - ln(mean))             = -sum(w ln r) / sum(w)
    * alpha = 1: sum(w x ln x) / sum(w x) - ln(mean)             = sum(w r ln r) / sum(w)
    * otherwise: (sum(w x^alpha) / (sum(w) mean^alpha) - 1) / (alpha (alpha - 1))
    """
    alpha = float(alpha)
    if alpha == 0:
        return _from_parts(parts, alpha, lambda m: -m)
    if alpha == 1:
        return _from_parts(parts, alpha, lambda m: m)
    return _from_parts(parts, alpha, lambda m: (m - 1.0) / (alpha * (alpha - 1.0)))


def ge_expr(x: Column, alpha: float, w: Column | None = None) -> pl.Expr:
    """Generalised entropy GE(alpha), r_i = x_i / mean:

    * alpha = 0 (MLD):   -sum(w ln r) / sum(w)
    * alpha = 1 (Theil): sum(w r ln r) / sum(w), with 0 ln 0 = 0
    * otherwise:         (sum(w r^alpha) / sum(w) - 1) / (alpha (alpha - 1))

    For alpha <= 0 records with x = 0 are excluded (``zero_count_expr`` counts them). Same
    definition as R ineq ``entropy(x, parameter)``; GE(1) is PySAL ``inequality.theil.Theil``.
    Computed from the sums of ``ge_parts`` (``ge_from_parts``).
    """
    return guard(ge_from_parts(alpha, ge_parts(x, alpha, w)), x, w).alias("ge")


def theil_expr(x: Column, w: Column | None = None) -> pl.Expr:
    """Theil T = GE(1); zero incomes count (0 ln 0 = 0)."""
    return ge_expr(x, 1.0, w).alias("theil")


def mld_expr(x: Column, w: Column | None = None) -> pl.Expr:
    """Mean log deviation (Theil L) = GE(0); zero incomes excluded."""
    return ge_expr(x, 0.0, w).alias("mld")


def _epsilon(epsilon: float) -> float:
    eps = float(epsilon)
    if eps < 0:
        raise ValueError(f"epsilon must be >= 0, got {epsilon}")
    return eps


def atkinson_parts(x: Column, epsilon: float, w: Column | None = None) -> GEParts:
    """The parts A(eps) is computed from: ``ge_parts`` of alpha = 1 - eps (for eps >= 1
    records with x = 0 are left out)."""
    eps = _epsilon(epsilon)
    return ge_parts(x, 1.0 - eps, w) if eps != 1 else ge_parts(x, 0.0, w)


def atkinson_from_parts(epsilon: float, parts: GEParts) -> pl.Expr:
    """A(eps) from ``atkinson_parts``, mean = sum(w x) / sum(w), r = x / mean:

    * eps = 1: 1 - exp(sum(w ln x) / sum(w) - ln(mean))          = 1 - exp(sum(w ln r) / sum(w))
    * else:    1 - (sum(w x^(1-eps)) / (sum(w) mean^(1-eps)))^(1/(1-eps))
    """
    eps = _epsilon(epsilon)
    if eps == 1:
        return _from_parts(parts, 0.0, lambda m: 1.0 - m.exp())
    return _from_parts(parts, 1.0 - eps, lambda m: 1.0 - m.pow(1.0 / (1.0 - eps)))


def atkinson_expr(x: Column, epsilon: float, w: Column | None = None) -> pl.Expr:
    """Atkinson index A(eps) = 1 - (equally distributed equivalent income) / mean:

    * eps = 1:  1 - exp(sum(w ln r) / sum(w))
    * else:     1 - (sum(w r^(1-eps)) / sum(w))^(1/(1-eps)),   r = x / mean

    For eps >= 1 records with x = 0 are excluded. Matches R ineq ``Atkinson`` and PySAL
    ``inequality.atkinson``. Computed from ``atkinson_parts`` (``atkinson_from_parts``).
    """
    value = atkinson_from_parts(epsilon, atkinson_parts(x, epsilon, w))
    return guard(value, x, w).alias("atkinson")


def _bottom_income(s: _Sorted, p: float) -> pl.Expr:
    """Income held by the poorest share p of the population, splitting the record at the cut."""
    before = s.cum_w - s.w
    return (s.x * (p * s.total_w - before).clip(0.0, s.w)).sum()


def income_share_expr(
    x: Column,
    lower: float,
    upper: float,
    w: Column | None = None,
    *,
    presorted: bool = False,
    ranks: Ranks | None = None,
) -> pl.Expr:
    """Share of total income held by the population between ranks ``lower`` and ``upper``.

    Read off the piecewise-linear Lorenz curve: L(upper) - L(lower), a record straddling a
    cut-off being split in proportion to its weight (the World Bank PIP engine's interpolation of
    quantile shares). Exact under frequency expansion and independent of the order of ties.
    """
    if not 0.0 <= lower <= upper <= 1.0:
        raise ValueError(f"need 0 <= lower <= upper <= 1, got {lower}, {upper}")
    s = _sorted(x, w, presorted, ranks)
    held = _bottom_income(s, upper) - _bottom_income(s, lower)
    return guard(held / (s.w * s.x).sum(), x, w).alias("income_share")


def _split_at(s: _Sorted, p: float) -> tuple[pl.Expr, pl.Expr]:
    """Income sum(w x) of the group's {x <= q_p} and of {x > q_p}, q_p the p-quantile.

    In increasing income, {x <= q_p} is every row up to the last one with q_p's income, so its
    income is the running sum read at that row (``tie_income``) and {x > q_p} holds the rest.
    """
    below = s.tie_x.get(_quantile_row(s, p))
    return below, (s.w * s.x).sum() - below


def _ratio_of_totals(s: _Sorted, low: float, high: float) -> pl.Expr:
    """sum(w x | x > q_high) / sum(w x | x <= q_low); null when the bottom has no income."""
    bottom, _ = _split_at(s, low)
    _, top = _split_at(s, high)
    return pl.when(bottom > 0).then(top / bottom)


def palma_expr(
    x: Column, w: Column | None = None, *, presorted: bool = False, ranks: Ranks | None = None
) -> pl.Expr:
    """Palma ratio: income of the richest 10% over that of the poorest 40%.

    Built as laeken 0.5.x builds S80/S20 (``qsr_expr``), with the same quantile rule
    (``quantile_expr``): sum(w x | x > q90) / sum(w x | x <= q40), a ratio of income totals.
    Null when the poorest 40% have no income (a ratio without a denominator is not infinity:
    ``ratio_null_reason_expr`` says why).
    """
    s = _sorted(x, w, presorted, ranks)
    return guard(_ratio_of_totals(s, 0.4, 0.9), x, w).alias("palma")


def qsr_expr(
    x: Column,
    w: Column | None = None,
    low: float = 0.2,
    high: float = 0.8,
    *,
    presorted: bool = False,
    ranks: Ranks | None = None,
) -> pl.Expr:
    """Quintile share ratio S80/S20 as laeken >= 0.5.0 ``qsr`` (Eurostat definition).

    With q_low, q_high the weighted quantiles (``quantile_expr``):
    sum(w x | x > q_high) / sum(w x | x <= q_low), the ratio of the income *totals* of the top
    and bottom groups (laeken's ``quintileRatio``; laeken 0.1-0.4 took the ratio of the groups'
    mean incomes, which differs when ties make the groups unequal in size). Null when the bottom
    group has no income (``ratio_null_reason_expr`` says why).
    """
    if not 0.0 < low <= high < 1.0:
        raise ValueError(f"need 0 < low <= high < 1, got {low}, {high}")
    s = _sorted(x, w, presorted, ranks)
    return guard(_ratio_of_totals(s, low, high), x, w).alias("qsr")


# What ``ratio_null_reason_expr`` returns: reason -> the measures it leaves null.
RATIO_NULL_REASONS = {
    "negative_income": "every measure (an income or a weight below zero)",
    "no_income": "gini, palma, s80_s20 (nobody has any income)",
    "bottom_40_no_income": "palma, s80_s20 (the poorest 40% have no income)",
    "bottom_20_no_income": "s80_s20 (the poorest 20% have no income)",
}


def ratio_null_reason_expr(
    x: Column, w: Column | None = None, *, presorted: bool = False, ranks: Ranks | None = None
) -> pl.Expr:
    """Why the Gini, Palma or S80/S20 (``gini_expr``, ``palma_expr``, ``qsr_expr``) of a group
    is null: one of ``RATIO_NULL_REASONS``, the first that applies, or null when all three are
    defined. The bottom groups are the ones ``palma_expr`` and ``qsr_expr`` divide by."""
    s = _sorted(x, w, presorted, ranks)
    bottom_40, _ = _split_at(s, 0.4)
    bottom_20, _ = _split_at(s, 0.2)
    reasons = list(RATIO_NULL_REASONS)
    return (
        pl.when(invalid_group(x, w))
        .then(pl.lit(reasons[0]))
        .when((s.w * s.x).sum() <= 0)
        .then(pl.lit(reasons[1]))
        .when(bottom_40 <= 0)
        .then(pl.lit(reasons[2]))
        .when(bottom_20 <= 0)
        .then(pl.lit(reasons[3]))
        .otherwise(pl.lit(None, pl.String))
        .alias("ratio_null_reason")
    )


def _as_list(cols: str | Sequence[str]) -> list[str]:
    return [cols] if isinstance(cols, str) else list(cols)


def ge_decomposition_parts(x: Column, alpha: float, w: Column | None = None) -> list[pl.Expr]:
    """What ``ge_split`` needs of each child group: its income ``ge_income`` and population
    ``ge_population`` (records GE(alpha) uses) and its ``ge`` (``ge_expr``)."""
    xe, we = prepared(x, w, positive=float(alpha) <= 0)
    return [
        (we * xe).sum().alias("ge_income"),
        we.sum().alias("ge_population"),
        ge_expr(x, alpha, w).alias("ge"),
    ]


def ge_split(
    children: pl.DataFrame | pl.LazyFrame,
    alpha: float,
    *,
    parent: str | Sequence[str],
    child: str | Sequence[str],
) -> pl.DataFrame:
    """Within and between parts of GE(alpha) per parent, from one row per child group with the
    columns of ``ge_decomposition_parts`` (the child groups of each parent, by ``child``):

    * within  = sum_g (N_g / N) (mean_g / mean)^alpha GE_g
    * between = GE(alpha) of the distribution where everyone has their group's mean
      (``ge_expr`` applied to child means weighted by child populations).

    Children whose mean is 0 add nothing to ``within`` (their income share is 0). Children are
    summed in the order of their keys, so the same children give the same bits.
    """
    parent_keys, child_keys = _as_list(parent), _as_list(child)
    alpha = float(alpha)
    pop, ge_g = pl.col("ge_population"), pl.col("ge")
    children = (
        children.lazy()
        .sort(parent_keys + child_keys)
        .with_columns(  # null (not NaN) for a child whose records were all excluded
            pl.when(pop > 0).then(pl.col("ge_income") / pop).alias("_mean")
        )
    )
    mean = pl.col("_mean")
    parent_mean = pl.col("ge_income").sum() / pop.sum()
    share_term = pl.when((pop > 0) & (mean > 0)).then(
        pop / pop.sum() * (mean / parent_mean).pow(alpha) * ge_g
    )
    return (
        children.group_by(parent_keys)
        .agg(
            share_term.fill_null(0.0).sum().alias("within"),
            ge_expr("_mean", alpha, "ge_population").alias("between"),
        )
        .sort(parent_keys)
        .collect(engine="in-memory")
    )


def ge_decomposition_frame(
    df: pl.DataFrame | pl.LazyFrame,
    x: str,
    alpha: float,
    *,
    parent: str | Sequence[str],
    child: str | Sequence[str],
    w: str | None = None,
) -> pl.DataFrame:
    """GE(alpha) of each parent area split into its child areas: total, within, between.

    Returns one row per parent with columns ``total``, ``within``, ``between``, ``excluded``
    (zero-income records left out when alpha <= 0), ``population`` (sum of weights used).
    ``within`` and ``between`` are ``ge_split``'s, and ``total`` = ``ge_expr`` over the parent's
    records, computed independently, so ``total == within + between`` holds up to rounding and
    checks the arithmetic. Only group_by aggregations and one join: no per-area Python.
    """
    parent_keys, child_keys = _as_list(parent), _as_list(child)
    if not parent_keys:
        raise ValueError("parent must name at least one column")
    alpha = float(alpha)
    lf = as_frame(df).lazy()  # a pandas frame too
    _, we = prepared(x, w, positive=alpha <= 0)
    children = lf.group_by(parent_keys + child_keys).agg(ge_decomposition_parts(x, alpha, w))
    parts = ge_split(children, alpha, parent=parent_keys, child=child_keys)
    totals = lf.group_by(parent_keys).agg(
        ge_expr(x, alpha, w).alias("total"),
        (zero_count_expr(x) if alpha <= 0 else pl.lit(0, dtype=pl.Int64)).alias("excluded"),
        we.sum().alias("population"),
    )
    out = totals.join(parts.lazy(), on=parent_keys, how="left", nulls_equal=True)
    return (
        out.select(*parent_keys, "total", "within", "between", "excluded", "population")
        .sort(parent_keys)
        .collect(engine="in-memory")
    )


# ---------------------------------------------------------------------------------------------
# Scalar API: validate, then evaluate the expression above on a one-group frame
# ---------------------------------------------------------------------------------------------


def _scalar(expr: pl.Expr, x: ArrayLike, w: ArrayLike | None) -> float:
    return evaluate(one_group_frame(x, w), expr)


def _with_excluded(
    expr: pl.Expr, x: ArrayLike, w: ArrayLike | None, excludes_zeros: bool, want: bool
) -> float | WithExcluded:
    frame = one_group_frame(x, w)
    value = evaluate(frame, expr)
    if not want:
        return value
    excluded = int(frame.select(zero_count_expr(X)).item()) if excludes_zeros else 0
    return WithExcluded(value, excluded)


def mean(x: ArrayLike, w: ArrayLike | None = None) -> float:
    """Weighted mean (see ``mean_expr``)."""
    return _scalar(mean_expr(X, W), x, w)


def quantile(x: ArrayLike, p: float, w: ArrayLike | None = None) -> float:
    """Weighted quantile by laeken's rule (see ``quantile_expr``)."""
    return _scalar(quantile_expr(X, p, W), x, w)


def median(x: ArrayLike, w: ArrayLike | None = None) -> float:
    """Weighted median by laeken's rule (see ``quantile_expr``)."""
    return _scalar(median_expr(X, W), x, w)


def gini(x: ArrayLike, w: ArrayLike | None = None) -> float:
    """Gini coefficient, Lorenz-trapezoid form (laeken, WB PIP, R ineq); see ``gini_expr``."""
    return _scalar(gini_expr(X, W), x, w)


def ge(
    x: ArrayLike, alpha: float, w: ArrayLike | None = None, *, return_excluded: bool = False
) -> float | WithExcluded:
    """Generalised entropy GE(alpha) (R ineq ``entropy``); see ``ge_expr``.

    With ``return_excluded=True`` returns ``WithExcluded(value, excluded)``, where ``excluded``
    counts the zero-income records left out (alpha <= 0 only).
    """
    return _with_excluded(ge_expr(X, alpha, W), x, w, alpha <= 0, return_excluded)


def theil(x: ArrayLike, w: ArrayLike | None = None) -> float:
    """Theil T = GE(1), zero incomes included (0 ln 0 = 0); see ``ge_expr``."""
    return _scalar(theil_expr(X, W), x, w)


def mld(
    x: ArrayLike, w: ArrayLike | None = None, *, return_excluded: bool = False
) -> float | WithExcluded:
    """Mean log deviation GE(0), zero incomes excluded; see ``ge``."""
    return _with_excluded(mld_expr(X, W), x, w, True, return_excluded)


def atkinson(
    x: ArrayLike, epsilon: float, w: ArrayLike | None = None, *, return_excluded: bool = False
) -> float | WithExcluded:
    """Atkinson index (R ineq, PySAL); zero incomes excluded when epsilon >= 1.

    See ``atkinson_expr``; ``return_excluded`` as in ``ge``.
    """
    return _with_excluded(atkinson_expr(X, epsilon, W), x, w, epsilon >= 1, return_excluded)


def income_share(x: ArrayLike, lower: float, upper: float, w: ArrayLike | None = None) -> float:
    """Income share of the population between ranks lower and upper; see ``income_share_expr``."""
    return _scalar(income_share_expr(X, lower, upper, W), x, w)


def palma(x: ArrayLike, w: ArrayLike | None = None) -> float:
    """Palma ratio: income of {x > q90} over that of {x <= q40}; see ``palma_expr``."""
    return _scalar(palma_expr(X, W), x, w)


def quantile_share_ratio(
    x: ArrayLike, w: ArrayLike | None = None, low: float = 0.2, high: float = 0.8
) -> float:
    """S80/S20 quintile share ratio as laeken >= 0.5.0 ``qsr`` (ratio of totals); see
    ``qsr_expr``."""
    return _scalar(qsr_expr(X, W, low, high), x, w)


def ge_decomposition(
    x: ArrayLike, groups: ArrayLike | Sequence[object], alpha: float, w: ArrayLike | None = None
) -> GEDecomposition:
    """Decompose GE(alpha) into within- and between-group parts (see ``ge_decomposition_frame``).

    ``total = within + between`` exactly (up to rounding). Example: Theil of
    (0, 0, 0, 10, 10, 10) by groups (0, 0, 0, 1, 1, 1) is ln 2, all of it between groups.
    """
    xa = check_income(x)
    wa = check_weights(w, xa.size)
    g = groups.to_list() if isinstance(groups, pl.Series) else np.asarray(groups).tolist()
    if len(g) != xa.size:
        raise ValueError(f"groups has {len(g)} values but x has {xa.size}; they must match")
    if any(v is None for v in g):
        raise ValueError("groups has missing (None) labels; every record needs a group")
    frame = pl.DataFrame({X: xa, W: wa, "_parent": [0] * xa.size, "_group": g})
    row = ge_decomposition_frame(frame, X, alpha, parent="_parent", child="_group", w=W).row(
        0, named=True
    )
    return GEDecomposition(row["total"], row["within"], row["between"], int(row["excluded"]))


__all__ = [
    "QUANTILE_TIE_TOL",
    "RATIO_NULL_REASONS",
    "GEDecomposition",
    "GEParts",
    "RANKS",
    "Ranks",
    "WithExcluded",
    "atkinson",
    "atkinson_expr",
    "atkinson_from_parts",
    "atkinson_parts",
    "ge",
    "ge_decomposition",
    "ge_decomposition_frame",
    "ge_decomposition_parts",
    "ge_expr",
    "ge_from_parts",
    "ge_parts",
    "ge_split",
    "gini",
    "gini_expr",
    "income_share",
    "income_share_expr",
    "mean",
    "mean_expr",
    "median",
    "median_expr",
    "mld",
    "mld_expr",
    "palma",
    "palma_expr",
    "qsr_expr",
    "quantile",
    "quantile_expr",
    "quantile_share_ratio",
    "rank_frame",
    "ratio_null_reason_expr",
    "theil",
    "theil_expr",
]
