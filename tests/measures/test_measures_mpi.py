"""Alkire-Foster MPI: cutoff tolerance, missing values, inputs, the grouped frame."""

import math

import numpy as np
import polars as pl
import pytest

import measures as m

TOY = [[1, 0, 1, 0], [0, 1, 0, 0], [0, 1, 1, 1], [1, 0, 0, 0], [1, 0, 1, 0]]


def test_cutoff_uses_a_tolerance():
    weights = [0.7, 0.1, 0.2]
    assert 0.7 + 0.1 < 0.8  # the score of a person deprived in the first two indicators
    r = m.mpi([[1, 1, 0], [0, 0, 1]], weights, k=0.8)
    assert (r.H, r.A) == pytest.approx((0.5, 0.8))
    assert m.mpi([[1, 1, 0]], weights, k=0.9).H == 0.0


def test_union_rule_is_k_equal_to_the_smallest_weight():
    r = m.mpi(TOY, [0.25] * 4, k=0.25)
    assert r.H == 1.0
    assert r.censored == r.uncensored


def test_nobody_poor_gives_null_intensity():
    r = m.mpi([[0, 0], [1, 0]], [0.5, 0.5], k=1.0)
    assert (r.H, r.M0, r.A) == (0.0, 0.0, None)
    assert r.contribution_share == {"d1": None, "d2": None}


def test_missing_values_must_be_decided():
    d = [[1, None], [0, 1], [1, 1]]
    with pytest.raises(ValueError, match=r"missing deprivation values.*'d2': 1"):
        m.mpi(d, [0.5, 0.5], k=0.5)
    dropped = m.mpi(d, [0.5, 0.5], k=0.5, missing="drop")
    assert (dropped.persons, dropped.dropped) == (2, 1)
    complete_only = m.mpi([[0, 1], [1, 1]], [0.5, 0.5], k=0.5)
    assert pytest.approx((complete_only.H, complete_only.M0)) == (dropped.H, dropped.M0)
    nondeprived = m.mpi(d, [0.5, 0.5], k=0.5, missing="nondeprived")
    assert nondeprived.persons == 3
    filled = m.mpi([[1, 0], [0, 1], [1, 1]], [0.5, 0.5], 0.5)
    assert pytest.approx((filled.H, filled.M0)) == (nondeprived.H, nondeprived.M0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"deprivations": [[2, 0]]}, "0 or 1"),
        ({"weights": [0.5, 0.6]}, "sum to 1"),
        ({"weights": [1.0]}, "must match"),
        ({"weights": [1.5, -0.5]}, "positive"),
        ({"k": 0}, "cutoff"),
        ({"k": 1.5}, "cutoff"),
        ({"deprivations": [1, 0]}, "2-D"),
        ({"missing": "zero"}, "missing must be"),
        ({"w": [1, -1]}, "negative"),
    ],
)
def test_bad_input_is_refused(kwargs, message):
    args = {"deprivations": [[1, 0], [0, 1]], "weights": [0.5, 0.5], "k": 0.5} | kwargs
    with pytest.raises(ValueError, match=message):
        m.mpi(**args)


def test_polars_frame_input_with_named_weights():
    df = pl.DataFrame({"water": [1, 0, 1], "school": [1, 1, 0], "extra": ["x", "y", "z"]})
    r = m.mpi(df, {"water": 0.5, "school": 0.5}, 1.0, indicators=["water", "school"])
    assert pytest.approx([1 / 3]) == [r.H]
    assert set(r.censored) == {"water", "school"}


def test_mpi_frame_by_area_with_weights():
    rng = np.random.default_rng(3)
    n = 500
    d = (rng.random((n, 3)) < 0.3).astype(int)
    df = pl.DataFrame(
        {
            "i1": d[:, 0],
            "i2": d[:, 1],
            "i3": d[:, 2],
            "area": rng.integers(0, 4, n),
            "w": rng.integers(1, 9, n).astype(float),
        }
    )
    weights = [0.5, 0.25, 0.25]
    out = m.mpi_frame(df, ["i1", "i2", "i3"], weights, 0.5, w="w", by="area")
    assert out["area"].to_list() == [0, 1, 2, 3]
    for row in out.iter_rows(named=True):
        sub = df.filter(pl.col("area") == row["area"])
        score = sub.select(pl.col("i1") * 0.5 + pl.col("i2") * 0.25 + pl.col("i3") * 0.25)
        score = score.to_series().to_numpy()
        w = sub["w"].to_numpy()
        poor = score >= 0.5
        assert row["H"] == pytest.approx(np.average(poor, weights=w))
        assert row["M0"] == pytest.approx(np.average(poor * score, weights=w))
        assert row["censored_i2"] == pytest.approx(np.average(poor * sub["i2"], weights=w))
        assert row["uncensored_i3"] == pytest.approx(np.average(sub["i3"], weights=w))
        assert row["persons"] == sub.height and row["population"] == w.sum()


def test_nested_equal_weights_count_in_whole_units():
    tpmap = [1 / 20] * 12 + [1 / 5 / 3] * 3 + [1 / 10] * 2  # TPMAP's 17: 4+4+4+3+2 per dimension
    units, scale = m.score_units(tpmap)
    assert scale == 60 and units == [3.0] * 12 + [4.0] * 3 + [6.0] * 2
    assert m.score_units([0.5, 0.25, 0.25]) == ([2.0, 1.0, 1.0], 4)
    irrational = [1 / math.pi, 1 - 1 / math.pi]
    assert m.score_units(irrational) == (irrational, 1)


def test_mpi_sums_are_exact_in_any_row_order():
    """Whole units: the sums, and so H, A and M0, do not depend on the order of the rows."""
    rng = np.random.default_rng(5)
    n = 2_000
    weights = [1 / 20] * 12 + [1 / 15] * 3 + [1 / 10] * 2
    d = (rng.random((n, 17)) < 0.15).astype(float)
    df = pl.DataFrame({f"i{j}": d[:, j] for j in range(17)}).with_columns(
        area=pl.Series(rng.integers(0, 5, n))
    )
    names = [f"i{j}" for j in range(17)]
    a = m.mpi_frame(df, names, weights, 1 / 3, by="area")
    b = m.mpi_frame(df.sample(fraction=1.0, shuffle=True, seed=1), names, weights, 1 / 3, by="area")
    assert a.equals(b)
    score = (d * np.array(weights) * 60).round().sum(axis=1)
    poor = score >= 20
    whole = m.mpi_frame(df, names, weights, 1 / 3)
    assert whole["M0"][0] == score[poor].sum() / (60 * n)
    assert whole["A"][0] == score[poor].sum() / (60 * poor.sum())
    sums = m.mpi_sums(df, names, weights, by="area")
    assert set(sums.columns) >= {"area", "score", "population", "deprived_i0"}
    assert sums["population"].sum() == n
    assert m.mpi_from_sums(sums, names, weights, 1 / 3, by="area").equals(a)


# --- pandas and polars alike ---------------------------------------------------------------

NAMED = {"health": 0.5, "school": 0.25, "water": 0.25}
NAMED_ROWS = {
    "health": [1, 0, 1, 0, 1],
    "school": [1, 1, 0, 0, 1],
    "water": [0, 1, 1, 0, None],
    "weight": [2.0, 1.0, 1.0, 3.0, 1.0],
    "area": ["a", "a", "b", "b", "b"],
}


@pytest.fixture(params=["polars", "pandas"])
def named_frame(request):
    df = pl.DataFrame(NAMED_ROWS)
    return df if request.param == "polars" else df.to_pandas()


def test_a_frame_keeps_its_names_and_the_mapping_picks_the_indicators(named_frame):
    """Extra columns (a weight, an area) are allowed: the mapping's keys are the indicators."""
    r = m.mpi(named_frame, NAMED, 0.5, w="weight", groups="area", missing="nondeprived")
    assert list(r.censored) == list(NAMED)
    # scores 0.75, 0.5, 0.75, 0, 0.75 (missing water: not deprived): all but the 4th are poor
    assert r.H == pytest.approx(5 / 8)
    assert r.M0 == pytest.approx((2 * 0.75 + 0.5 + 0.75 + 0.75) / 8)
    assert r.groups["a"].H == 1.0 and r.groups["b"].H == pytest.approx(2 / 5)
    same = m.mpi(named_frame, NAMED, 0.5, w=list(NAMED_ROWS["weight"]), missing="nondeprived")
    assert (same.H, same.M0) == (r.H, r.M0)
    # weights in the frame's column order: its indicators are the columns w and groups leave
    listed = m.mpi(named_frame, [0.5, 0.25, 0.25], 0.5, w="weight", groups="area", missing="drop")
    assert list(listed.censored) == list(NAMED) and listed.dropped == 1


def test_mpi_frame_takes_pandas_and_polars_alike(named_frame):
    out = m.mpi_frame(named_frame, list(NAMED), NAMED, 0.5, w="weight", by="area", missing="drop")
    expected = m.mpi_frame(
        pl.DataFrame(NAMED_ROWS), list(NAMED), NAMED, 0.5, w="weight", by="area", missing="drop"
    )
    assert out.equals(expected)
    assert out["area"].to_list() == ["a", "b"] and out["dropped"].to_list() == [0, 1]


def test_empty_input_is_one_clear_error_whatever_the_type():
    empty = pl.DataFrame(NAMED_ROWS).clear()
    for frame in (empty, empty.to_pandas(), empty.lazy()):
        with pytest.raises(m.EmptyInputError, match="empty: a measure needs at least one record"):
            m.mpi_frame(frame, list(NAMED), NAMED, 0.5)
        if not isinstance(frame, pl.LazyFrame):
            with pytest.raises(m.EmptyInputError, match="deprivations is empty"):
                m.mpi(frame, NAMED, 0.5)
    with pytest.raises(m.EmptyInputError):
        m.mpi(np.zeros((0, 3)), [0.5, 0.25, 0.25], 0.5)
    with pytest.raises(m.EmptyInputError, match="x is empty"):
        m.gini([])
    assert issubclass(m.EmptyInputError, ValueError)


def test_unknown_columns_are_named():
    df = pl.DataFrame(NAMED_ROWS)
    with pytest.raises(ValueError, match=r"indicators not in the frame: \['food'\]"):
        m.mpi(df, {"food": 0.5, "health": 0.5}, 0.5)
    with pytest.raises(ValueError, match="'wt', which is not in the frame"):
        m.mpi(df, NAMED, 0.5, w="wt", missing="nondeprived")
    with pytest.raises(ValueError, match="Polars or pandas DataFrame"):
        m.mpi_frame({"health": [1]}, ["health"], [1.0], 1.0)


def test_pandas_series_and_frames_in_the_income_api():
    pd = pytest.importorskip("pandas")
    x = pd.Series([3.0, 1.0, 2.0, 8.0])
    assert m.gini(x) == m.gini([3.0, 1.0, 2.0, 8.0])
    with pytest.raises(ValueError, match="missing values"):
        m.gini(pd.Series([1, None, 3], dtype="Int64"))
    df = pd.DataFrame({"x": [1.0, 2.0, 5.0, 9.0], "g": ["a", "a", "b", "b"], "h": [0, 1, 0, 1]})
    d = m.ge_decomposition_frame(df, "x", 1, parent="g", child="h")
    assert d["total"].to_list() == pytest.approx([m.theil([1, 2]), m.theil([5, 9])])
    assert d["within"].to_list() == [0.0, 0.0]  # one person per child: all of it is between


def test_a_frame_with_weights_as_an_array(named_frame):
    """w and groups may be arrays beside a frame, as with a table of numbers."""
    indicators = named_frame[list(NAMED)]  # the frame's columns are its indicators
    w, groups = np.array(NAMED_ROWS["weight"]), np.array(NAMED_ROWS["area"])
    r = m.mpi(indicators, [0.5, 0.25, 0.25], 0.5, w, groups=groups, missing="drop")
    assert r.persons == 4 and set(r.groups) == {"a", "b"} and list(r.censored) == list(NAMED)
