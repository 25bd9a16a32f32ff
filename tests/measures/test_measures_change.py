"""Change between years, mpitb conventions."""

import math

import numpy as np
import polars as pl
import pytest

import measures as m


def test_change_by_hand():
    c = m.change(0.40, 0.30, 5)
    assert c.absolute == pytest.approx(-0.10)
    assert c.relative == pytest.approx(-0.25)
    assert c.annualized_absolute == pytest.approx(-0.02)
    assert c.annualized_relative == pytest.approx(0.75 ** (1 / 5) - 1)
    # compounding the annualised relative change gives back the end value
    assert 0.40 * (1 + c.annualized_relative) ** 5 == pytest.approx(0.30)


def test_change_works_on_arrays_and_polars_columns():
    df = pl.DataFrame({"start": [0.4, 0.2, 0.0], "end": [0.3, 0.3, 0.1]})
    exprs = m.change(pl.col("start"), pl.col("end"), 2)
    out = df.select(*exprs)
    arrays = m.change(df["start"].to_numpy(), df["end"].to_numpy(), 2)
    for name, values in zip(m.Change._fields, arrays, strict=True):
        assert out[name].to_list()[:2] == pytest.approx(list(values[:2]))
    assert math.isinf(arrays.relative[2]) and np.isinf(out["relative"][2])


def test_years_must_be_positive():
    with pytest.raises(ValueError, match="years"):
        m.change(1, 2, 0)
