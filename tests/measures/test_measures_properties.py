"""Properties every measure must have, checked with hypothesis on small random samples."""

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import measures as m

SETTINGS = settings(max_examples=50, deadline=None)
# Parametrized over ~20 measures, so fewer examples each (~500 per property in total):
# each scalar call costs a Polars query (~2 ms) and the suite must stay fast.
PER_MEASURE = settings(max_examples=25, deadline=None)

# Small whole-number incomes make ties (the hard case for quantiles) common; zeros included.
incomes = st.lists(st.integers(0, 40), min_size=1, max_size=20)
positive_incomes = st.lists(st.integers(1, 40), min_size=1, max_size=20)


@st.composite
def weighted(draw, values=incomes, max_weight=4):
    x = draw(values)
    w = draw(st.lists(st.integers(1, max_weight), min_size=len(x), max_size=len(x)))
    return np.array(x, dtype=float), np.array(w, dtype=float)


def same(a, b, rel=1e-9, abs_=1e-12):
    """Equal, including both NaN or both the same infinity (degenerate samples)."""
    if isinstance(a, float) and math.isnan(a):
        return isinstance(b, float) and math.isnan(b)
    if math.isinf(a) or math.isinf(b):
        return a == b
    return b == pytest.approx(a, rel=rel, abs=abs_)


LINE = 12.5
ALL = {
    "mean": m.mean,
    "median": m.median,
    "q10": lambda x, w=None: m.quantile(x, 0.1, w),
    "q25": lambda x, w=None: m.quantile(x, 0.25, w),
    "q90": lambda x, w=None: m.quantile(x, 0.9, w),
    "gini": m.gini,
    "theil": m.theil,
    "mld": m.mld,
    "ge_-1": lambda x, w=None: m.ge(x, -1, w),
    "ge_0.5": lambda x, w=None: m.ge(x, 0.5, w),
    "ge_2": lambda x, w=None: m.ge(x, 2, w),
    "atkinson_0.5": lambda x, w=None: m.atkinson(x, 0.5, w),
    "atkinson_1": lambda x, w=None: m.atkinson(x, 1, w),
    "atkinson_2": lambda x, w=None: m.atkinson(x, 2, w),
    "palma": m.palma,
    "qsr": m.quantile_share_ratio,
    "share_30_70": lambda x, w=None: m.income_share(x, 0.3, 0.7, w),
    "fgt0": lambda x, w=None: m.fgt(x, LINE, 0, w),
    "fgt1": lambda x, w=None: m.fgt(x, LINE, 1, w),
    "fgt2": lambda x, w=None: m.fgt(x, LINE, 2, w),
    "watts": lambda x, w=None: m.watts(x, LINE, w),
}
RELATIVE = [
    "gini",
    "theil",
    "mld",
    "ge_-1",
    "ge_0.5",
    "ge_2",
    "atkinson_0.5",
    "atkinson_1",
    "atkinson_2",
    "palma",
    "qsr",
    "share_30_70",
]


def _defined(x, name):
    # MLD, GE(<=0) and Atkinson(>=1) drop zeros; with no positive income left there is
    # nothing to measure (the frame API returns NaN, the property holds trivially). Watts keeps
    # them (World Bank PIP): it is defined for any sample.
    needs_positive = name in {"mld", "ge_-1", "atkinson_1", "atkinson_2"}
    return not needs_positive or (x > 0).any()


@pytest.mark.parametrize("name", ALL)
@PER_MEASURE
@given(data=weighted())
def test_whole_number_weights_equal_repeated_rows(name, data):
    x, w = data
    if not _defined(x, name):
        return
    f = ALL[name]
    assert same(f(x, w), f(np.repeat(x, w.astype(int))))


@pytest.mark.parametrize("name", ALL)
@PER_MEASURE
@given(data=weighted(), scale=st.floats(1e-3, 1e3))
def test_scaling_weights_changes_nothing(name, data, scale):
    x, w = data
    if not _defined(x, name):
        return
    f = ALL[name]
    assert same(f(x, w), f(x, w * scale))


@pytest.mark.parametrize("name", ALL)
@PER_MEASURE
@given(data=weighted())
def test_zero_weight_is_absent(name, data):
    x, w = data
    if not _defined(x, name):
        return
    f = ALL[name]
    extra_x = np.append(x, [0.0, 1e6])
    extra_w = np.append(w, [0.0, 0.0])
    assert same(f(x, w), f(extra_x, extra_w))


@pytest.mark.parametrize("name", RELATIVE)
@PER_MEASURE
@given(data=weighted(), scale=st.sampled_from([0.01, 3.0, 1234.5]))
def test_relative_measures_ignore_the_income_scale(name, data, scale):
    x, w = data
    if not _defined(x, name):
        return
    f = ALL[name]
    assert same(f(x, w), f(x * scale, w), rel=1e-9, abs_=1e-12)


def _laeken_weighted_quantile(x, w, p):
    """laeken 0.5.3's weightedQuantile (R/weightedQuantile.R) transcribed literally, exact
    comparison as in R: ``select <- min(which(rw > p))``. Its ``if (rw[select] == p)`` average
    can no longer happen once rw > p, so it is left out."""
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    if p == 0:
        return x[0]
    if p == 1:
        return x[-1]
    rw = np.cumsum(w) / np.sum(w)
    return x[int(np.flatnonzero(rw > p)[0])]


@SETTINGS
@given(data=weighted(), p=st.sampled_from([0.0, 0.1, 0.2, 0.25, 0.5, 0.6, 0.75, 0.8, 1.0]))
def test_quantile_matches_laeken_code(data, p):
    x, w = data
    assert m.quantile(x, p, w) == _laeken_weighted_quantile(x, w, p)


@SETTINGS
@given(data=weighted())
def test_gini_equals_mean_difference_of_expanded_sample(data):
    x, w = data
    e = np.repeat(x, w.astype(int))
    if e.sum() == 0:
        return
    mean_difference = np.abs(e[:, None] - e[None, :]).mean()
    assert m.gini(x, w) == pytest.approx(mean_difference / (2 * e.mean()), rel=1e-12, abs=1e-14)


@SETTINGS
@given(
    data=weighted(values=st.lists(st.integers(0, 40), min_size=2, max_size=25)),
    alpha=st.sampled_from([-1.0, 0.0, 0.5, 1.0, 2.0, 3.0]),
    seed=st.integers(0, 2**16),
)
def test_ge_decomposition_adds_up(data, alpha, seed):
    x, w = data
    if alpha <= 0 and not (x > 0).any():
        return
    groups = np.random.default_rng(seed).integers(0, 4, x.size)
    d = m.ge_decomposition(x, groups, alpha, w)
    assert d.within + d.between == pytest.approx(d.total, rel=1e-12, abs=1e-12)
    assert d.total == pytest.approx(m.ge(x, alpha, w), rel=1e-12, abs=1e-12)
    assert d.between >= -1e-12 and d.within >= -1e-12
    assert d.excluded == (int((x == 0).sum()) if alpha <= 0 else 0)


# --- MPI ---------------------------------------------------------------------------------------


@st.composite
def deprivation_tables(draw):
    n = draw(st.integers(1, 15))
    j = draw(st.integers(1, 5))
    rows = draw(
        st.lists(st.lists(st.integers(0, 1), min_size=j, max_size=j), min_size=n, max_size=n)
    )
    raw = draw(st.lists(st.integers(1, 5), min_size=j, max_size=j))
    weights = [r / sum(raw) for r in raw]
    k = draw(st.sampled_from([min(weights), 0.25, 1 / 3, 0.5, 1.0]))
    w = draw(st.lists(st.integers(1, 4), min_size=n, max_size=n))
    groups = draw(st.lists(st.sampled_from("abc"), min_size=n, max_size=n))
    return np.array(rows, dtype=float), weights, k, np.array(w, dtype=float), groups


@SETTINGS
@given(t=deprivation_tables())
def test_mpi_identities(t):
    d, weights, k, w, groups = t
    r = m.mpi(d, weights, k, w, groups=groups)
    # M0 = sum_j w_j h_j(k) = H * A
    assert sum(r.contribution.values()) == pytest.approx(r.M0, abs=1e-12)
    assert r.H * (r.A or 0.0) == pytest.approx(r.M0, abs=1e-12)
    # M0 = sum_g (population share) M0_g, the same for H
    shares = {g: v.population / r.population for g, v in r.groups.items()}
    assert sum(shares[g] * v.M0 for g, v in r.groups.items()) == pytest.approx(r.M0, abs=1e-12)
    assert sum(shares[g] * v.H for g, v in r.groups.items()) == pytest.approx(r.H, abs=1e-12)
    for c in r.censored:
        assert r.censored[c] <= r.uncensored[c] + 1e-15


@SETTINGS
@given(t=deprivation_tables())
def test_mpi_whole_number_weights_equal_repeated_rows(t):
    d, weights, k, w, _ = t
    reps = w.astype(int)
    a = m.mpi(d, weights, k, w)
    b = m.mpi(np.repeat(d, reps, axis=0), weights, k)
    for field in ("H", "M0"):
        assert getattr(a, field) == pytest.approx(getattr(b, field), abs=1e-12)
    assert list(a.censored.values()) == pytest.approx(list(b.censored.values()), abs=1e-12)


@SETTINGS
@given(t=deprivation_tables(), seed=st.integers(0, 2**16))
def test_parent_area_rolls_up_from_children(t, seed):
    """Parent M0, H, FGT = population-weighted means of children; A = sum(M0 pop) / sum(H pop)."""
    d, weights, k, w, _ = t
    rng = np.random.default_rng(seed)
    n = d.shape[0]
    names = [f"d{j + 1}" for j in range(d.shape[1])]
    df = pl.DataFrame({c: d[:, j] for j, c in enumerate(names)}).with_columns(
        parent=pl.Series(rng.integers(0, 2, n)),
        child=pl.Series(rng.integers(0, 3, n)),
        w=pl.Series(w),
        income=pl.Series(rng.integers(0, 30, n).astype(float)),
    )
    parents = m.mpi_frame(df, names, weights, k, w="w", by="parent")
    children = m.mpi_frame(df, names, weights, k, w="w", by=["parent", "child"])
    pop = pl.col("population")
    rolled = (
        children.group_by("parent")
        .agg(
            ((pl.col("H") * pop).sum() / pop.sum()).alias("H"),
            ((pl.col("M0") * pop).sum() / pop.sum()).alias("M0"),
            pl.when((pl.col("H") * pop).sum() > 0)
            .then((pl.col("M0") * pop).sum() / (pl.col("H") * pop).sum())
            .alias("A"),
        )
        .sort("parent")
    )
    for col in ("H", "M0", "A"):
        a, b = parents[col].to_list(), rolled[col].to_list()
        assert [v is None for v in a] == [v is None for v in b]
        assert [v for v in a if v is not None] == pytest.approx(
            [v for v in b if v is not None], abs=1e-12
        )

    # FGT and Watts (zero incomes in its population, as PIP) likewise, incomes 0 included
    fgt = [m.fgt_expr("income", 10, a, "w").alias(f"fgt{a}") for a in (0, 1, 2)]
    fgt.append(m.watts_expr("income", 10, "w"))
    names = ["fgt0", "fgt1", "fgt2", "watts"]
    p = df.group_by("parent").agg(*fgt, pl.col("w").sum()).sort("parent")
    c = df.group_by("parent", "child").agg(*fgt, pl.col("w").sum())
    c_rolled = (
        c.group_by("parent")
        .agg(((pl.col(f) * pl.col("w")).sum() / pl.col("w").sum()) for f in names)
        .sort("parent")
    )
    for f in names:
        assert p[f].to_list() == pytest.approx(c_rolled[f].to_list(), abs=1e-12)
