"""Inequality measures: one Polars expression per measure, and scalar wrappers over it.

Every ``*_expr`` builder returns a scalar-per-group expression for
``df.group_by(keys).agg(...)`` (or ``df.select(...)`` for the whole frame). The scalar functions
(``gini(x, w)``, ...) validate their input and evaluate *the same* expression on a one-group frame,
so the pipeline and a notebook cannot disagree.

Conventions (DOMAIN.md section 9):

* Weights are frequency weights in the sense that a whole-number weight gives the same result as
  repeating the record; a zero weight means "not in the population". Default weight 1.
* In expressions, rows with a null income or weight are ignored (weight 0); a NaN is not
  cleaned and makes the group's result NaN; a group holding a negative income or weight yields
  null. The scalar API raises ValueError on any of these instead.
* Zero incomes: Theil T counts 0 * ln 0 as 0; MLD, GE(alpha <= 0) and Atkinson(eps >= 1) are
  undefined with zeros, so those records are excluded and counted (``zero_count_expr`` in a frame,
  ``return_excluded=True`` in the scalar API).
* A group whose incomes are all zero has no defined inequality: the result is NaN.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import polars as pl

from measures._weights import (
    ArrayLike,
    Column,
    W,
    X,
    check_income,
    check_weights,
    evaluate,
    guard,
    one_group_frame,
    prepared,
    zero_count_expr,
)

# Relative tolerance (share of the total weight) under which a cumulative weight "equals" p in
# the quantile rule. laeken compares exactly; exact comparison makes the result flip with the last
# bit of a rescaled weight, so we accept ties within 1e-12 of the population.
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


def _first_above(xe: pl.Expr, we: pl.Expr, share: float) -> pl.Expr:
    """Smallest x whose cumulative weight exceeds ``share`` of the total (a record of positive
    weight). Clamped so that a group without positive weight yields a value, not an error."""
    cw = we.sort_by(xe).cum_sum()
    i = cw.search_sorted(share * we.sum(), side="right").first().cast(pl.Int64)
    return xe.sort().get(pl.min_horizontal(i, pl.len().cast(pl.Int64) - 1))


def quantile_expr(x: Column, p: float, w: Column | None = None) -> pl.Expr:
    """Weighted quantile by laeken's step rule (``laeken::weightedQuantile``).

    Sort x; with cumulative weight shares F_i, take the first x_i with F_i >= p; if F_i equals p
    exactly, average x_i and the next value. p = 0 gives the minimum and p = 1 the maximum.
    For whole-number weights this equals R's type-2 quantile of the frequency-expanded sample.
    "Equals" is within ``QUANTILE_TIE_TOL`` of the total weight (laeken compares exactly).

    Implemented as the mean of ``lo``, the first x with F > p - tol, and ``hi``, the first x with
    F > p + tol: away from a tie both are the same record, at a tie they are the two neighbours.
    Zero-weight (and null) rows never become quantiles. Null for a group without weight.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p}")
    xe, we = prepared(x, w)
    lo = _first_above(xe, we, max(p - QUANTILE_TIE_TOL, 0.0))
    if p + QUANTILE_TIE_TOL < 1.0:
        value = (lo + _first_above(xe, we, p + QUANTILE_TIE_TOL)) / 2
    else:
        value = lo
    return guard(pl.when(we.sum() > 0).then(value), x, w).alias("quantile")


def median_expr(x: Column, w: Column | None = None) -> pl.Expr:
    """Weighted median: ``quantile_expr(x, 0.5, w)`` (laeken's ``weightedMedian``)."""
    return quantile_expr(x, 0.5, w).alias("median")


def gini_expr(x: Column, w: Column | None = None) -> pl.Expr:
    """Gini coefficient, Lorenz-trapezoid form.

    G = 1 - sum_i p_i (L_i + L_{i-1}), records sorted by x, p_i = w_i / sum(w) and L_i the
    cumulative income share. Algebraically identical to laeken's
    ``(2 sum(w x C) - sum(w^2 x)) / (sum(w) sum(w x)) - 1`` and to the World Bank PIP engine's
    ``md_compute_gini``; equal to the Gini of the frequency-expanded sample, invariant to the
    order of tied incomes. Matches R ineq ``Gini(x)`` (corr = FALSE) without weights.
    """
    xe, we = prepared(x, w)
    ws = we.sort_by(xe)
    share = (ws * xe.sort()) / (we * xe).sum()
    lorenz = share.cum_sum()
    value = 1.0 - (ws * (2.0 * lorenz - share)).sum() / we.sum()
    return guard(value, x, w).alias("gini")


def ge_expr(x: Column, alpha: float, w: Column | None = None) -> pl.Expr:
    """Generalised entropy GE(alpha), r_i = x_i / mean:

    * alpha = 0 (MLD):   -sum(w ln r) / sum(w)
    * alpha = 1 (Theil): sum(w r ln r) / sum(w), with 0 ln 0 = 0
    * otherwise:         (sum(w r^alpha) / sum(w) - 1) / (alpha (alpha - 1))

    For alpha <= 0 records with x = 0 are excluded (``zero_count_expr`` counts them). Same
    definition as R ineq ``entropy(x, parameter)``; GE(1) is PySAL ``inequality.theil.Theil``.
    """
    alpha = float(alpha)
    xe, we = prepared(x, w, positive=alpha <= 0)
    total = we.sum()
    r = xe / ((we * xe).sum() / total)
    used = (we > 0) & (xe > 0)  # keeps ln 0 and 0^alpha (alpha < 0) out of the sums
    if alpha == 0:
        value = -pl.when(used).then(we * r.log()).otherwise(0.0).sum() / total
    elif alpha == 1:
        value = pl.when(used).then(we * r * r.log()).otherwise(0.0).sum() / total
    else:
        mean_pow = pl.when(used).then(we * r.pow(alpha)).otherwise(0.0).sum() / total
        value = (mean_pow - 1.0) / (alpha * (alpha - 1.0))
    return guard(value, x, w).alias("ge")


def theil_expr(x: Column, w: Column | None = None) -> pl.Expr:
    """Theil T = GE(1); zero incomes count (0 ln 0 = 0)."""
    return ge_expr(x, 1.0, w).alias("theil")


def mld_expr(x: Column, w: Column | None = None) -> pl.Expr:
    """Mean log deviation (Theil L) = GE(0); zero incomes excluded."""
    return ge_expr(x, 0.0, w).alias("mld")


def atkinson_expr(x: Column, epsilon: float, w: Column | None = None) -> pl.Expr:
    """Atkinson index A(eps) = 1 - (equally distributed equivalent income) / mean:

    * eps = 1:  1 - exp(sum(w ln r) / sum(w))
    * else:     1 - (sum(w r^(1-eps)) / sum(w))^(1/(1-eps)),   r = x / mean

    For eps >= 1 records with x = 0 are excluded. Matches R ineq ``Atkinson`` and PySAL
    ``inequality.atkinson``.
    """
    eps = float(epsilon)
    if eps < 0:
        raise ValueError(f"epsilon must be >= 0, got {epsilon}")
    xe, we = prepared(x, w, positive=eps >= 1)
    total = we.sum()
    r = xe / ((we * xe).sum() / total)
    used = (we > 0) & (xe > 0)
    if eps == 1:
        value = 1.0 - (pl.when(used).then(we * r.log()).otherwise(0.0).sum() / total).exp()
    else:
        mean_pow = pl.when(used).then(we * r.pow(1.0 - eps)).otherwise(0.0).sum() / total
        value = 1.0 - mean_pow.pow(1.0 / (1.0 - eps))
    return guard(value, x, w).alias("atkinson")


def _bottom_income(xs: pl.Expr, ws: pl.Expr, total_w: pl.Expr, p: float) -> pl.Expr:
    """Income held by the poorest share p of the population, splitting the record at the cut."""
    before = ws.cum_sum() - ws
    return (xs * (p * total_w - before).clip(0.0, ws)).sum()


def income_share_expr(x: Column, lower: float, upper: float, w: Column | None = None) -> pl.Expr:
    """Share of total income held by the population between ranks ``lower`` and ``upper``.

    Read off the piecewise-linear Lorenz curve: L(upper) - L(lower), a record straddling a
    cut-off being split in proportion to its weight (the World Bank PIP engine's interpolation of
    quantile shares). Exact under frequency expansion and independent of the order of ties.
    """
    if not 0.0 <= lower <= upper <= 1.0:
        raise ValueError(f"need 0 <= lower <= upper <= 1, got {lower}, {upper}")
    xe, we = prepared(x, w)
    xs, ws = xe.sort(), we.sort_by(xe)
    total_w = we.sum()
    held = _bottom_income(xs, ws, total_w, upper) - _bottom_income(xs, ws, total_w, lower)
    return guard(held / (we * xe).sum(), x, w).alias("income_share")


def palma_expr(x: Column, w: Column | None = None) -> pl.Expr:
    """Palma ratio: income share of the richest 10% over that of the poorest 40%.

    Shares are read off the Lorenz curve as in ``income_share_expr``:
    (1 - L(0.9)) / L(0.4).
    """
    xe, we = prepared(x, w)
    xs, ws = xe.sort(), we.sort_by(xe)
    total_w = we.sum()
    top = (we * xe).sum() - _bottom_income(xs, ws, total_w, 0.9)
    return guard(top / _bottom_income(xs, ws, total_w, 0.4), x, w).alias("palma")


def qsr_expr(x: Column, w: Column | None = None, low: float = 0.2, high: float = 0.8) -> pl.Expr:
    """Quintile share ratio S80/S20 as laeken ``qsr`` (Eurostat definition).

    With q_low, q_high the weighted quantiles (``quantile_expr``):
    mean(x | x > q_high) / mean(x | x <= q_low), weighted means. With exact quintiles this is
    the income of the top 20% over that of the bottom 20%; with ties laeken compares group
    means, and so do we.

    Shortcut: {x <= q} and {x > q} are the same sets with q replaced by ``lo`` (the first x with
    F > p - tol; see ``quantile_expr``), because at a tie no positive-weight income lies between
    lo and hi. Evaluating ``lo`` only halves the cost.
    """
    if not 0.0 < low <= high < 1.0:
        raise ValueError(f"need 0 < low <= high < 1, got {low}, {high}")
    xe, we = prepared(x, w)
    income = we * xe

    def first_above(p: float) -> pl.Expr:
        return _first_above(xe, we, p - QUANTILE_TIE_TOL)

    top = xe > first_above(high)
    bottom = xe <= first_above(low)
    top_mean = income.filter(top).sum() / we.filter(top).sum()
    bottom_mean = income.filter(bottom).sum() / we.filter(bottom).sum()
    return guard(top_mean / bottom_mean, x, w).alias("qsr")


def _as_list(cols: str | Sequence[str]) -> list[str]:
    return [cols] if isinstance(cols, str) else list(cols)


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

    * within  = sum_g (N_g / N) (mean_g / mean)^alpha GE_g
    * between = GE(alpha) of the distribution where everyone has their group's mean
      (``ge_expr`` applied to child means weighted by child populations)
    * total   = ``ge_expr`` over the parent's records, computed independently,

    so ``total == within + between`` holds up to rounding and checks the arithmetic. Children
    whose mean is 0 add nothing to ``within`` (their income share is 0). Only group_by
    aggregations and one join: no per-area Python.
    """
    parent_keys, child_keys = _as_list(parent), _as_list(child)
    if not parent_keys:
        raise ValueError("parent must name at least one column")
    alpha = float(alpha)
    lf = df.lazy()
    xe, we = prepared(x, w, positive=alpha <= 0)
    children = (
        lf.group_by(parent_keys + child_keys)
        .agg(
            (we * xe).sum().alias("_income"),
            we.sum().alias("_pop"),
            ge_expr(x, alpha, w).alias("_ge"),
        )
        .with_columns(  # null (not NaN) for a child whose records were all excluded
            pl.when(pl.col("_pop") > 0).then(pl.col("_income") / pl.col("_pop")).alias("_mean")
        )
    )
    pop, mean, ge_g = pl.col("_pop"), pl.col("_mean"), pl.col("_ge")
    parent_mean = pl.col("_income").sum() / pop.sum()
    share_term = pl.when((pop > 0) & (mean > 0)).then(
        pop / pop.sum() * (mean / parent_mean).pow(alpha) * ge_g
    )
    parts = children.group_by(parent_keys).agg(
        share_term.fill_null(0.0).sum().alias("within"),
        ge_expr("_mean", alpha, "_pop").alias("between"),
    )
    totals = lf.group_by(parent_keys).agg(
        ge_expr(x, alpha, w).alias("total"),
        (zero_count_expr(x) if alpha <= 0 else pl.lit(0, dtype=pl.Int64)).alias("excluded"),
        we.sum().alias("population"),
    )
    out = totals.join(parts, on=parent_keys, how="left", nulls_equal=True)
    return (
        out.select(*parent_keys, "total", "within", "between", "excluded", "population")
        .sort(parent_keys)
        .collect()
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
    """Palma ratio (top 10% share / bottom 40% share, Lorenz interpolation); see ``palma_expr``."""
    return _scalar(palma_expr(X, W), x, w)


def quantile_share_ratio(
    x: ArrayLike, w: ArrayLike | None = None, low: float = 0.2, high: float = 0.8
) -> float:
    """S80/S20 quintile share ratio as laeken ``qsr``; see ``qsr_expr``."""
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
    "GEDecomposition",
    "WithExcluded",
    "atkinson",
    "atkinson_expr",
    "ge",
    "ge_decomposition",
    "ge_decomposition_frame",
    "ge_expr",
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
    "theil",
    "theil_expr",
]
