"""Input coercion and validation shared by every measure.

Two worlds meet here:

* the scalar API (``gini(x, w)``) takes sequences, numpy arrays or Polars Series, checks them
  strictly (ValueError naming the problem) and evaluates a Polars expression on a one-group frame;
* the expression builders (``gini_expr("income", "weight")``) run inside ``group_by().agg()``
  where nothing can raise per group, so :func:`prepared` turns unusable rows (null income or
  weight) into zero-weight rows instead (a zero weight is "not in the population", which every
  measure honours), and :func:`guard` turns a group with a negative income or weight into null.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import numpy as np
import polars as pl

ArrayLike = Sequence[float] | np.ndarray | pl.Series
Column = str | pl.Expr

# Internal column names of the one-group frame used by the scalar API.
X = "x"
W = "w"


class EmptyInputError(ValueError):
    """A measure was given no records: there is no population to measure."""


def empty_input(what: str) -> EmptyInputError:
    return EmptyInputError(f"{what} is empty: a measure needs at least one record")


def _pandas(kind: str) -> type | None:
    """pandas' ``DataFrame`` or ``Series`` class if pandas is loaded: an object can only be a
    pandas frame when it is, so measures never import pandas themselves."""
    pd = sys.modules.get("pandas")
    return getattr(pd, kind, None) if pd is not None else None


def as_frame(df: object, name: str = "df") -> pl.DataFrame | pl.LazyFrame:
    """A Polars frame as it is; a pandas DataFrame converted, column names kept (as strings;
    the index is not a column). NaN and pandas' NA become null."""
    if isinstance(df, pl.DataFrame | pl.LazyFrame):
        return df
    frame_type = _pandas("DataFrame")
    if frame_type is not None and isinstance(df, frame_type):
        if df.columns.has_duplicates:
            raise ValueError(f"{name} has duplicate column names: {list(df.columns)}")
        return pl.from_pandas(df.rename(columns=str))
    raise ValueError(f"{name} must be a Polars or pandas DataFrame, got {type(df).__name__}")


def is_frame(df: object) -> bool:
    frame_type = _pandas("DataFrame")
    return isinstance(df, pl.DataFrame | pl.LazyFrame) or (
        frame_type is not None and isinstance(df, frame_type)
    )


def as_array(values: ArrayLike, name: str) -> np.ndarray:
    """Return ``values`` as a 1-D float64 array; None, NaN and pandas' NA become NaN (checked
    later)."""
    series_type = _pandas("Series")
    if series_type is not None and isinstance(values, series_type):
        try:
            return values.to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must be numeric, got dtype {values.dtype}") from exc
    if isinstance(values, pl.Series):
        try:
            return values.cast(pl.Float64).to_numpy()
        except pl.exceptions.PolarsError as exc:
            raise ValueError(f"{name} must be numeric, got dtype {values.dtype}") from exc
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a sequence of numbers: {exc}") from exc
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    return arr


def _count_msg(mask: np.ndarray, name: str, what: str) -> str:
    idx = np.flatnonzero(mask)
    first = ", ".join(str(i) for i in idx[:5])
    return f"{name} has {idx.size} {what} (first at positions {first})"


def check_income(values: ArrayLike, name: str = "x") -> np.ndarray:
    """Coerce incomes and refuse what no measure here can interpret."""
    x = as_array(values, name)
    if x.size == 0:
        raise empty_input(name)
    if np.isnan(x).any():
        raise ValueError(
            _count_msg(np.isnan(x), name, "missing values (None/NaN)")
            + "; drop or impute them before computing a measure"
        )
    if np.isinf(x).any():
        raise ValueError(_count_msg(np.isinf(x), name, "infinite values"))
    if (x < 0).any():
        raise ValueError(
            _count_msg(x < 0, name, "negative values")
            + "; these measures are defined for incomes >= 0 only"
        )
    return x


def check_weights(values: ArrayLike | None, n: int, name: str = "w", of: str = "x") -> np.ndarray:
    """Coerce survey weights (default 1); they must be finite, >= 0 and not all zero.
    ``of`` names what the weights must match in length, for the error message."""
    if values is None:
        return np.ones(n)
    w = as_array(values, name)
    if w.size != n:
        raise ValueError(f"{name} has {w.size} values but {of} has {n}; they must match")
    if not np.isfinite(w).all():
        raise ValueError(_count_msg(~np.isfinite(w), name, "missing or infinite weights"))
    if (w < 0).any():
        raise ValueError(_count_msg(w < 0, name, "negative weights"))
    if w.sum() <= 0:
        raise ValueError(f"{name} sums to zero: there is no population to measure")
    return w


def one_group_frame(x: ArrayLike, w: ArrayLike | None) -> pl.DataFrame:
    """Validated inputs as the frame the scalar API evaluates expressions on."""
    xa = check_income(x)
    return pl.DataFrame({X: xa, W: check_weights(w, xa.size)})


def col(c: Column) -> pl.Expr:
    return pl.col(c) if isinstance(c, str) else c


def value_col(c: Column) -> pl.Expr:
    """A numeric column as Float64. Null means missing; a NaN is not cleaned (it makes the
    group's result NaN, visibly, rather than being dropped silently)."""
    return col(c).cast(pl.Float64)


def prepared(
    x: Column,
    w: Column | None,
    *,
    positive: bool = False,
    valid: pl.Expr | None = None,
) -> tuple[pl.Expr, pl.Expr]:
    """Return ``(x, w)`` expressions where unusable rows carry weight 0 (and null x becomes 0).

    A row is unusable when x or w is null, when ``valid`` is false, or (``positive=True``)
    when x <= 0 -- the records that MLD, GE(alpha <= 0), Atkinson(eps >= 1) and Watts exclude.
    Giving such rows weight 0 keeps every group's rows in place (no per-group filtering) and
    is exactly "frequency 0" for every measure here. The expressions are kept small on purpose:
    Polars does not share common subexpressions inside ``agg``, so every reference to x or w
    is evaluated again.
    """
    xv = value_col(x)
    ok = (xv > 0) if positive else xv.is_not_null()
    if valid is not None:
        ok = ok & valid
    if w is None:
        we = ok.cast(pl.Float64).fill_null(0.0)
    else:
        we = (value_col(w) * ok.cast(pl.Float64)).fill_null(0.0)
    return xv.fill_null(0.0), we


def invalid_group(x: Column, w: Column | None) -> pl.Expr:
    """True for a group holding a negative income or weight: its measures come out null."""
    bad = (value_col(x) < 0).any()
    if w is not None:
        bad = bad | (value_col(w) < 0).any()
    return bad


def guard(value: pl.Expr, x: Column, w: Column | None) -> pl.Expr:
    return pl.when(invalid_group(x, w)).then(None).otherwise(value)


def zero_count_expr(x: Column) -> pl.Expr:
    """Number of records with income exactly 0 (the ones MLD, GE(alpha<=0), ... exclude)."""
    return (value_col(x) == 0).sum().cast(pl.Int64).alias("excluded")


def evaluate(frame: pl.DataFrame, expr: pl.Expr) -> float:
    value = frame.select(expr).item()
    return float("nan") if value is None else float(value)
