"""Inequality measures on hand-built inputs: conventions, validation, the frame API."""

import math

import numpy as np
import polars as pl
import pytest

import measures as m


def test_quantile_step_rule_examples():
    # laeken 0.5.x: the first x whose cumulative share F is strictly above p; no averaging.
    assert m.median([1, 2, 3, 4]) == 3.0  # F = 0.5 at 2: the next income
    assert m.median([1, 2, 3]) == 2.0
    assert m.quantile([1, 2, 3, 4, 5], 0.2) == 2.0
    assert m.quantile([1, 2, 3, 4, 5], 0.3) == 2.0
    assert m.quantile([3, 1, 2], 0.0) == 1.0
    assert m.quantile([3, 1, 2], 1.0) == 3.0
    # weighted: F = 0.25, 0.5, 1 -> F equals 0.5 at 2: the median is 3
    assert m.median([1, 2, 3], [1, 1, 2]) == 3.0
    assert m.median([1, 2, 3], [1, 2, 1]) == 2.0
    # a tie up to rounding is a tie: 0.1 + 0.2 > 0.3 in floating point
    assert m.quantile([1, 2, 3], 0.3, [0.1, 0.2, 0.7]) == 3.0
    # zero weights are absent, even at p = 0 and p = 1
    assert m.quantile([0, 5, 9, 100], 0.0, [0, 1, 1, 0]) == 5.0
    assert m.quantile([0, 5, 9, 100], 1.0, [0, 1, 1, 0]) == 9.0


def test_gini_hand_values():
    assert m.gini([1, 1, 1]) == pytest.approx(0.0, abs=1e-15)
    assert m.gini([0, 0, 0, 1]) == pytest.approx(0.75)  # (n - 1) / n for one owner of all
    assert m.gini([1, 3], [3, 1]) == pytest.approx(m.gini([1, 1, 1, 3]))


def test_zero_incomes():
    # Theil counts 0 ln 0 as 0: half the people hold everything -> ln 2.
    assert m.theil([0, 10]) == pytest.approx(math.log(2))
    # MLD and Atkinson(eps >= 1) exclude zeros and say how many.
    v = m.mld([0, 0, 1, 2], return_excluded=True)
    assert v.excluded == 2
    assert v.value == pytest.approx(m.mld([1, 2]))
    a = m.atkinson([0, 1, 2], 1, return_excluded=True)
    assert a == (pytest.approx(m.atkinson([1, 2], 1)), 1)
    assert m.ge([0, 1, 2], -1, return_excluded=True).excluded == 1
    # ... but Atkinson(eps < 1) and GE(alpha > 0) keep them.
    assert m.atkinson([0, 1, 2], 0.5, return_excluded=True).excluded == 0
    assert m.atkinson([0, 1, 2], 0.5) != pytest.approx(m.atkinson([1, 2], 0.5))
    assert m.ge([0, 1, 2], 2) == pytest.approx(0.5 * (np.var([0, 1, 2]) / 1.0))


def test_palma_is_a_ratio_of_totals_cut_at_the_quantiles():
    # 1..20: q40 = 9 (F = 0.45 > 0.4 first), q90 = 19; top {20}, bottom {1..9}
    assert m.palma(range(1, 21)) == pytest.approx(20 / 45)
    # 1..10: F = 0.9 at 9 is a tie, q90 = 10 and nobody is above it: the top holds nothing
    assert m.palma(range(1, 11)) == 0.0
    assert m.income_share([1, 2, 3], 0.0, 1.0) == pytest.approx(1.0)
    assert m.income_share([5, 1], 0.0, 0.5) == pytest.approx(1 / 6)  # Lorenz interpolation


def test_qsr_is_laekens_ratio_of_totals():
    # 1..10: q20 = 3 and q80 = 9 (ties at F = 0.2, 0.8 take the next): 10 / (1 + 2 + 3)
    assert m.quantile_share_ratio(range(1, 11)) == pytest.approx(10 / 6)
    # with ties the groups are {x <= q20} and {x > q80}, whatever their sizes: totals compared
    x = [1, 1, 1, 5, 5, 9]
    assert m.quantile_share_ratio(x) == pytest.approx(9 / 3)


def test_a_bottom_group_without_income_gives_null_and_a_reason():
    df = pl.DataFrame(
        {
            "g": [1] * 5 + [2] * 11 + [3] * 3 + [4] * 3 + [5] * 2,
            "x": [0, 0, 0, 5, 9]
            + [0, 0, 0, 4, 5, 6, 7, 8, 9, 10, 11]
            + [0, 0, 0]
            + [1, 2, 3]
            + [-1, 2],
        }
    ).with_columns(pl.col("x").cast(pl.Float64))
    out = (
        df.group_by("g")
        .agg(
            m.palma_expr("x"),
            m.qsr_expr("x"),
            m.gini_expr("x"),
            m.ratio_null_reason_expr("x"),
        )
        .sort("g")
    )
    assert out["ratio_null_reason"].to_list() == [
        "bottom_40_no_income",  # 0, 0, 0 are the poorest 60 %
        "bottom_20_no_income",  # {x <= q20} = {0, 0, 0}; {x <= q40} holds 4 + 5
        "no_income",
        None,
        "negative_income",
    ]
    assert out["palma"].to_list()[:3] == [None, pytest.approx(11 / 9), None]
    assert out["qsr"].to_list()[:3] == [None, None, None]
    assert out["gini"].to_list()[2] is None and out["gini"].to_list()[1] is not None
    assert set(out["ratio_null_reason"].drop_nulls()) <= set(m.RATIO_NULL_REASONS)
    assert not out.select(pl.col("palma", "qsr", "gini").is_infinite().any()).row(0)[0]
    # the scalar API spells null NaN, never infinity
    assert math.isnan(m.palma([0, 0, 0, 5, 9])) and math.isnan(m.quantile_share_ratio([0, 0, 9]))


@pytest.mark.parametrize(
    ("x", "w", "message"),
    [
        ([1, -2, 3], None, "negative values"),
        ([1, float("nan")], None, "missing values"),
        ([1, None], None, "missing values"),
        ([], None, "empty"),
        ([1, 2], [1], "must match"),
        ([1, 2], [1, -1], "negative weights"),
        ([1, 2], [0, 0], "sums to zero"),
        ([[1, 2]], None, "one-dimensional"),
        (["a", "b"], None, "numbers"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(x, w, message):
    with pytest.raises(ValueError, match=message):
        m.gini(x, w)


def test_accepts_numpy_and_polars():
    x = [3.0, 1.0, 2.0]
    assert m.gini(np.array(x)) == m.gini(pl.Series(x)) == m.gini(x)


def test_expressions_in_group_by_match_the_scalar_api():
    rng = np.random.default_rng(7)
    df = pl.DataFrame(
        {
            "area": rng.integers(0, 5, 300),
            "income": rng.lognormal(8, 1, 300).round(),
            "w": rng.integers(1, 6, 300).astype(float),
        }
    )
    out = (
        df.group_by("area")
        .agg(
            m.gini_expr("income", "w"),
            m.theil_expr("income", "w"),
            m.atkinson_expr("income", 2, "w"),
            m.palma_expr("income", "w"),
            m.qsr_expr("income", "w"),
            m.median_expr("income", "w"),
            m.mean_expr("income", "w"),
        )
        .sort("area")
    )
    for row in out.iter_rows(named=True):
        sub = df.filter(pl.col("area") == row["area"])
        x, w = sub["income"], sub["w"]
        assert row["gini"] == pytest.approx(m.gini(x, w), rel=1e-12)
        assert row["theil"] == pytest.approx(m.theil(x, w), rel=1e-12)
        assert row["atkinson"] == pytest.approx(m.atkinson(x, 2, w), rel=1e-12)
        assert row["palma"] == pytest.approx(m.palma(x, w), rel=1e-12)
        assert row["qsr"] == pytest.approx(m.quantile_share_ratio(x, w), rel=1e-12)
        assert row["median"] == m.median(x, w)
        assert row["mean"] == pytest.approx(np.average(x, weights=w), rel=1e-12)


def test_expressions_ignore_null_rows_and_null_out_negative_groups():
    df = pl.DataFrame(
        {
            "g": [1, 1, 1, 1, 2, 2, 3, 3],
            "x": [1.0, 2.0, None, 4.0, 1.0, -1.0, None, None],
            "w": [1.0, 1.0, 1.0, None, 1.0, 1.0, 1.0, 1.0],
        }
    )
    out = df.group_by("g").agg(m.gini_expr("x", "w"), m.median_expr("x", "w")).sort("g")
    assert out["gini"][0] == pytest.approx(m.gini([1, 2]))  # null x and null w rows ignored
    assert out["median"][0] == 2.0  # of 1 and 2: F = 0.5 at 1 is a tie, the next income
    assert out["gini"][1] is None and out["median"][1] is None  # negative income: null
    assert out["median"][2] is None  # nobody left: no quantile


def test_zero_count_expr_reports_exclusions_per_group():
    df = pl.DataFrame({"g": [1, 1, 1, 2], "x": [0.0, 0.0, 5.0, 3.0]})
    out = df.group_by("g").agg(m.mld_expr("x"), m.zero_count_expr("x")).sort("g")
    assert out["excluded"].to_list() == [2, 0]
    assert out["mld"].to_list() == [pytest.approx(0.0), pytest.approx(0.0)]


def test_ge_decomposition_frame_per_parent(ilocos):
    df = ilocos
    for alpha in (0, 1, 2):
        by_province = m.ge_decomposition_frame(
            df, "income", alpha, parent=["sex"], child="province"
        )
        for row in by_province.iter_rows(named=True):
            sub = df.filter(pl.col("sex") == row["sex"])
            d = m.ge_decomposition(sub["income"], sub["province"], alpha)
            assert row["total"] == pytest.approx(d.total, rel=1e-12)
            assert row["within"] == pytest.approx(d.within, rel=1e-12)
            assert row["between"] == pytest.approx(d.between, rel=1e-12)
            assert row["within"] + row["between"] == pytest.approx(row["total"], rel=1e-12)
            assert row["population"] == sub.height
    # The between part against an independent numpy computation of the Theil split.
    x = df["income"].to_numpy()
    g = df["province"].to_numpy()
    mu = x.mean()
    between = sum(
        (g == p).mean() * (x[g == p].mean() / mu) * np.log(x[g == p].mean() / mu) for p in set(g)
    )
    assert m.ge_decomposition(x, g, 1).between == pytest.approx(between, rel=1e-12)


def test_parameter_errors():
    with pytest.raises(ValueError, match="p must be in"):
        m.quantile([1, 2], 1.5)
    with pytest.raises(ValueError, match="epsilon"):
        m.atkinson([1, 2], -1)
    with pytest.raises(ValueError, match="groups has 1 values"):
        m.ge_decomposition([1, 2], [0], 1)


def test_rank_columns_give_the_same_values_as_sorting_per_group():
    """The marts read the running sums of rank_frame instead of sorting per group: same values,
    with ties, zero incomes, null incomes and whole-number weights."""
    rng = np.random.default_rng(9)
    n = 400
    income = rng.integers(0, 30, n).astype(float)
    income[rng.random(n) < 0.05] = np.nan
    df = pl.DataFrame(
        {"g": rng.integers(0, 6, n), "x": income, "w": rng.integers(1, 5, n).astype(float)}
    ).with_columns(pl.col("x").fill_nan(None))
    builders = {
        "median": lambda **k: m.median_expr("x", "w", **k),
        "q10": lambda **k: m.quantile_expr("x", 0.1, "w", **k),
        "gini": lambda **k: m.gini_expr("x", "w", **k),
        "palma": lambda **k: m.palma_expr("x", "w", **k),
        "qsr": lambda **k: m.qsr_expr("x", "w", **k),
        "share": lambda **k: m.income_share_expr("x", 0.3, 0.7, "w", **k),
    }
    plain = df.group_by("g").agg(b().alias(name) for name, b in builders.items()).sort("g")
    ranked = m.rank_frame(df.sort("g", "x"), "x", "w", by="g")
    fast = (
        ranked.group_by("g", maintain_order=True)
        .agg(b(ranks=m.RANKS).alias(name) for name, b in builders.items())
        .sort("g")
    )
    assert fast["median"].to_list() == plain["median"].to_list()
    assert fast["q10"].to_list() == plain["q10"].to_list()
    for name in ("gini", "palma", "qsr", "share"):
        assert fast[name].to_list() == pytest.approx(plain[name].to_list(), rel=1e-12)
    presorted = (
        df.sort("g", "x")
        .group_by("g", maintain_order=True)
        .agg(m.gini_expr("x", "w", presorted=True))
    )
    assert presorted.sort("g")["gini"].to_list() == pytest.approx(plain["gini"].to_list())


def test_ge_and_atkinson_add_up_from_the_parts_of_disjoint_groups():
    rng = np.random.default_rng(4)
    df = pl.DataFrame({"g": rng.integers(0, 3, 300), "x": rng.integers(0, 50, 300) * 10.0})
    cases = {
        "theil": (m.ge_parts("x", 1.0), lambda p: m.ge_from_parts(1.0, p), m.theil),
        "mld": (m.ge_parts("x", 0.0), lambda p: m.ge_from_parts(0.0, p), m.mld),
        "ge2": (m.ge_parts("x", 2.0), lambda p: m.ge_from_parts(2.0, p), lambda x: m.ge(x, 2)),
        "a05": (
            m.atkinson_parts("x", 0.5),
            lambda p: m.atkinson_from_parts(0.5, p),
            lambda x: m.atkinson(x, 0.5),
        ),
        "a2": (
            m.atkinson_parts("x", 2.0),
            lambda p: m.atkinson_from_parts(2.0, p),
            lambda x: m.atkinson(x, 2),
        ),
    }
    add = ["sum", "sum", "sum", "min", "max"]
    for name, (parts, value, scalar) in cases.items():
        fields = m.GEParts._fields
        groups = df.group_by("g").agg(p.alias(f) for p, f in zip(parts, fields, strict=True))
        rolled = m.GEParts(*(getattr(pl.col(f), a)() for f, a in zip(fields, add, strict=True)))
        assert groups.select(value(rolled)).item() == pytest.approx(scalar(df["x"]), rel=1e-12), (
            name
        )


def test_equal_incomes_have_no_inequality_exactly():
    x = [41_234.567] * 7
    assert m.theil(x) == 0.0 and m.mld(x) == 0.0
    assert m.atkinson(x, 0.5) == 0.0 and m.atkinson(x, 2) == 0.0
    assert m.theil([0.0, 0.0, 5.0]) == pytest.approx(math.log(3))  # zeros count in Theil
