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


def test_watts_keeps_zero_incomes_in_the_population():
    # by hand: the zero counts in the population and adds no ln(z / 0) term
    assert m.watts([0, 1, 2, 3], 2.5) == pytest.approx((math.log(2.5) + math.log(1.25)) / 4)
    assert m.watts([0, 1, 2, 3], 2.5) == pytest.approx(0.2849, abs=5e-5)  # not 0.3798
    v = m.watts([0, 5, 10, 20], 10, return_excluded=True)
    assert v.excluded == 1  # the zero incomes without a term of their own
    assert v.value == pytest.approx(math.log(10 / 5) / 4)


def test_fgt_and_watts_are_the_world_bank_pip_engines(wbpip_printed, wbpip):
    """wbpip's md_compute_poverty_stats, printed by tests/reference/measures/wbpip_watts.R."""
    assert "wbpip 0.0.2.9000" in wbpip_printed

    def ours(x, z, w=None):
        return [m.fgt(x, z, 0, w), m.fgt(x, z, 1, w), m.fgt(x, z, 2, w), m.watts(x, z, w)]

    cases = {
        "zero_1_2_3 z=2.5": ([0, 1, 2, 3], 2.5, None),
        "zero_1_2_3 w=2,1,1,1 z=2.5": ([0, 1, 2, 3], 2.5, [2, 1, 1, 1]),
        "no_zero_1_2_3 z=2.5": ([1, 2, 3], 2.5, None),
    }
    for label, (x, z, w) in cases.items():
        assert ours(x, z, w) == pytest.approx(wbpip_printed[label], rel=1e-12), label
    assert wbpip_printed["synthetic_zero_incomes"] == [1.0]  # the zero path is exercised
    for z, printed_z in [(1.5e6, "1500000"), (3e6, "3e+06")]:  # as R prints them
        for area in ("all", "rural", "urban"):
            sub = wbpip if area == "all" else wbpip.filter(pl.col("area") == area)
            expected = wbpip_printed[f"synthetic {area} z={printed_z}"]
            assert ours(sub["welfare"], z, sub["weight"]) == pytest.approx(expected, rel=1e-12)


def test_watts_of_a_parent_is_the_population_weighted_mean_of_its_children():
    """Both sums of watts_parts count every person once, zero incomes too: they add up."""
    df = pl.DataFrame(
        {
            "child": ["a", "a", "a", "b", "b", "c", "c", "c"],
            "x": [0.0, 4.0, 30.0, 0.0, 0.0, 6.0, 9.0, 12.0],
            "w": [2.0, 1.0, 1.0, 1.0, 3.0, 1.0, 2.0, 1.0],
        }
    )
    parts = m.watts_parts("x", 10, "w")
    children = df.group_by("child").agg(
        m.watts_expr("x", 10, "w"),
        parts.numerator.alias("num"),
        parts.denominator.alias("den"),
    )
    parent = m.watts(df["x"], 10, df["w"])
    assert (children["watts"] * children["den"]).sum() / children["den"].sum() == pytest.approx(
        parent, rel=1e-15
    )
    assert children["num"].sum() / children["den"].sum() == pytest.approx(parent, rel=1e-15)
    assert children["den"].sum() == df["w"].sum()  # nobody left out
    assert children.filter(child="b")["watts"][0] == 0.0  # only zero incomes: no term at all


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
