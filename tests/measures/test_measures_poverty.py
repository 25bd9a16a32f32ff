"""FGT and Watts on hand-built inputs."""

import math

import polars as pl
import pytest

import measures as m


def test_fgt_by_hand():
    x = [0, 5, 10, 20]  # line 10: poor are 0 and 5 (10 is not poor: strict x < line)
    assert m.fgt(x, 10, 0) == pytest.approx(0.5)
    assert m.fgt(x, 10, 1) == pytest.approx((1.0 + 0.5) / 4)
    assert m.fgt(x, 10, 2) == pytest.approx((1.0 + 0.25) / 4)
    assert m.fgt(x, 10, 0, [3, 1, 1, 1]) == pytest.approx(4 / 6)


def test_watts_excludes_zero_incomes_and_counts_them():
    v = m.watts([0, 5, 10, 20], 10, return_excluded=True)
    assert v.excluded == 1
    assert v.value == pytest.approx(math.log(10 / 5) / 3)


def test_line_can_be_a_column():
    df = pl.DataFrame(
        {"area": ["a", "a", "b", "b"], "x": [5.0, 15.0, 5.0, 15.0], "line": [10.0, 10, 20, 20]}
    )
    out = df.group_by("area").agg(m.headcount_expr("x", "line"), m.fgt_expr("x", "line", 1))
    out = out.sort("area")
    assert out["headcount"].to_list() == [0.5, 1.0]
    assert out["fgt"].to_list() == pytest.approx([0.25, (0.75 + 0.25) / 2])


@pytest.mark.parametrize("line", [0, -1, float("nan")])
def test_bad_line_is_refused(line):
    with pytest.raises(ValueError, match="poverty line"):
        m.fgt([1, 2], line, 0)


def test_negative_alpha_is_refused():
    with pytest.raises(ValueError, match="alpha"):
        m.fgt([1, 2], 5, -1)
