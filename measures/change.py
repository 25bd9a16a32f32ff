"""Change of a measure between two years, with mpitb's conventions.

* absolute              = end - start
* relative              = (end - start) / start = end / start - 1
* annualised absolute   = (end - start) / years
* annualised relative   = (end / start)^(1 / years) - 1     (compound rate per year)

mpitb and mpitbR print measures and changes in percent (x 100); here everything stays in the
units of the inputs: a headcount falling from 0.40 to 0.30 has absolute change -0.10 and
relative change -0.25. The same code works on numbers, numpy arrays and Polars expressions
(``change(pl.col("M0_2566"), pl.col("M0_2567"), 1)``), so the pipeline can use it per area.
A relative change from 0 is undefined: NaN (or inf) for numbers and arrays, NaN/inf in Polars.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import polars as pl

Value = float | np.ndarray | pl.Expr


class Change(NamedTuple):
    absolute: Value
    relative: Value
    annualized_absolute: Value
    annualized_relative: Value


def change(start: Value, end: Value, years: float | pl.Expr) -> Change:
    """Absolute, relative, annualised absolute and annualised relative change (mpitb)."""
    if not isinstance(years, pl.Expr) and not float(years) > 0:
        raise ValueError(f"years must be positive, got {years}")
    if any(isinstance(v, pl.Expr) for v in (start, end, years)):
        s, e = pl.lit(start) if not isinstance(start, pl.Expr) else start, end
        return Change(
            (e - s).alias("absolute"),
            (e / s - 1).alias("relative"),
            ((e - s) / years).alias("annualized_absolute"),
            ((e / s).pow(1 / years) - 1).alias("annualized_relative"),
        )
    s, e = np.asarray(start, dtype=float), np.asarray(end, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = e / s
        out = (e - s, ratio - 1, (e - s) / years, ratio ** (1 / years) - 1)
    if s.ndim == 0 and e.ndim == 0:
        return Change(*(float(v) for v in out))
    return Change(*out)


__all__ = ["Change", "change"]
