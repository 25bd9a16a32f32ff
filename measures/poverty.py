"""Monetary poverty measures: FGT family and Watts, as Polars expressions and scalars.

Conventions (docs/domain.md section 9): a person is poor when income < line (strict, as laeken's
``arpr`` and R ineq's ``Head``). The line is a number or a column (for example a regional line
carried on each row); a relative line is computed once for the whole population by the caller and
passed in, never recomputed per area. FGT, headcount and Watts are population-weighted means (the
population counts zero incomes too, in Watts as in the World Bank PIP engine), so
a parent area's value is the population-weighted mean of its children's: ``fgt_parts`` and
``watts_parts`` give the two sums each is the ratio of, which add up over areas (the marts sum
them per village and then up the hierarchy).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import polars as pl

from measures._weights import (
    ArrayLike,
    Column,
    W,
    X,
    evaluate,
    guard,
    one_group_frame,
    prepared,
    value_col,
    zero_count_expr,
)
from measures.inequality import WithExcluded


class Ratio(NamedTuple):
    """A measure as numerator / denominator, two sums that add up over disjoint groups."""

    numerator: pl.Expr
    denominator: pl.Expr


def _line(line: Column | float) -> pl.Expr:
    if isinstance(line, str | pl.Expr):
        return value_col(line)
    line = float(line)
    if not (math.isfinite(line) and line > 0):
        raise ValueError(f"poverty line must be a positive number, got {line}")
    return pl.lit(line)


def fgt_parts(x: Column, line: Column | float, alpha: float, w: Column | None = None) -> Ratio:
    """The sums FGT(alpha) is the ratio of: sum_i w_i [x_i < z] ((z - x_i) / z)^alpha and the
    population sum(w) (rows with a null income or weight, or a line null or <= 0, left out).
    Without weights, alpha = 0 sums whole numbers: exact in any order."""
    alpha = float(alpha)
    if alpha < 0:
        raise ValueError(f"alpha must be >= 0, got {alpha}")
    z = _line(line)
    xe, we = prepared(x, w, valid=z > 0)
    poor = xe < z
    if alpha == 0:
        g = poor.cast(pl.Float64)
    else:
        g = pl.when(poor).then(((z - xe) / z).pow(alpha)).otherwise(0.0)
    return Ratio((we * g).sum(), we.sum())


def fgt_expr(x: Column, line: Column | float, alpha: float, w: Column | None = None) -> pl.Expr:
    """Foster-Greer-Thorbecke index FGT(alpha) = sum_i w_i [x_i < z] ((z - x_i) / z)^alpha / sum(w).

    alpha = 0 is the headcount ratio, 1 the poverty gap index, 2 the squared gap (severity).
    Rows whose line is null or <= 0 are ignored. Matches R ineq ``Head``/``Foster``, laeken's
    ``arpr`` for alpha = 0 (as a fraction, laeken prints percent), convey ``svyfgt`` with an
    absolute threshold and the WB PIP engine. The ratio of ``fgt_parts``.
    """
    parts = fgt_parts(x, line, alpha, w)
    return guard(parts.numerator / parts.denominator, x, w).alias("fgt")


def headcount_expr(x: Column, line: Column | float, w: Column | None = None) -> pl.Expr:
    """Headcount ratio = FGT(0): weighted share of people with income < line."""
    return fgt_expr(x, line, 0, w).alias("headcount")


def watts_parts(x: Column, line: Column | float, w: Column | None = None) -> Ratio:
    """The sums the Watts index is the ratio of: sum_i w_i [0 < x_i < z] ln(z / x_i) and the
    population sum(w), zero incomes included (the denominator of ``fgt_parts``)."""
    z = _line(line)
    xe, we = prepared(x, w, valid=z > 0)
    g = pl.when((xe > 0) & (xe < z) & (we > 0)).then((z / xe).log()).otherwise(0.0)
    return Ratio((we * g).sum(), we.sum())


def watts_expr(x: Column, line: Column | float, w: Column | None = None) -> pl.Expr:
    """Watts index = sum_i w_i [0 < x_i < z] ln(z / x_i) / sum(w), the World Bank PIP engine's
    (wbpip ``md_compute_poverty_stats``, unchanged from release 0.0.2 to 0.0.2.9000).

    A zero income stays in the population (the denominator) and, ln(z / 0) being infinite,
    adds nothing to the sum: on [0, 1, 2, 3] with z = 2.5 that gives
    (ln 2.5 + ln 1.25) / 4 = 0.2849, where dropping the zero would give 0.3798. Both sums
    count every record once, so they add up over areas (``watts_parts``). Count the zeros with
    ``zero_count_expr``. Equals R ineq ``Watts`` when no income is zero.
    """
    parts = watts_parts(x, line, w)
    return guard(parts.numerator / parts.denominator, x, w).alias("watts")


def fgt(x: ArrayLike, line: float, alpha: float, w: ArrayLike | None = None) -> float:
    """FGT(alpha) at a fixed line (poor when x < line); see ``fgt_expr``."""
    return evaluate(one_group_frame(x, w), fgt_expr(X, _checked_line(line), alpha, W))


def headcount(x: ArrayLike, line: float, w: ArrayLike | None = None) -> float:
    """Headcount ratio FGT(0); see ``fgt_expr``."""
    return fgt(x, line, 0, w)


def watts(
    x: ArrayLike, line: float, w: ArrayLike | None = None, *, return_excluded: bool = False
) -> float | WithExcluded:
    """Watts index as the World Bank PIP engine: zero incomes stay in the population and add
    no term (see ``watts_expr``).

    With ``return_excluded=True`` returns ``WithExcluded(value, excluded)``, ``excluded``
    counting the zero incomes whose ln(z / x) is left out of the sum.
    """
    frame = one_group_frame(x, w)
    value = evaluate(frame, watts_expr(X, _checked_line(line), W))
    if not return_excluded:
        return value
    return WithExcluded(value, int(frame.select(zero_count_expr(X)).item()))


def _checked_line(line: float) -> float:
    if isinstance(line, str | pl.Expr):
        raise ValueError("the scalar API takes the poverty line as a number")
    _line(line)
    return float(line)


__all__ = [
    "Ratio",
    "fgt",
    "fgt_expr",
    "fgt_parts",
    "headcount",
    "headcount_expr",
    "watts",
    "watts_expr",
    "watts_parts",
]
