"""Linearized standard errors, checked against independent computations."""

from collections import defaultdict

import numpy as np
import pytest

import measures as m


def direct_design_variance(u, strata, psu):
    """The textbook formula with plain loops: sum_h n_h/(n_h-1) sum_i (t_hi - mean_h)^2."""
    totals = defaultdict(float)
    for value, h, i in zip(u, strata, psu, strict=True):
        totals[(h, i)] += value
    by_stratum = defaultdict(list)
    for (h, _), t in totals.items():
        by_stratum[h].append(t)
    var = 0.0
    for ts in by_stratum.values():
        mean = sum(ts) / len(ts)
        var += len(ts) / (len(ts) - 1) * sum((t - mean) ** 2 for t in ts)
    return var


@pytest.fixture
def survey():
    rng = np.random.default_rng(11)
    n = 60
    return {
        "x": rng.lognormal(9, 0.9, n).round(),
        "w": rng.uniform(50, 300, n),
        "strata": np.repeat(["north", "south", "east"], 20),
        # PSU labels repeat across strata on purpose: they are nested within strata.
        "psu": np.tile(np.repeat([1, 2, 3, 4], 5), 3),
        "d": (rng.random((n, 3)) < 0.4).astype(float),
    }


def test_design_variance_matches_the_direct_formula(survey):
    u = np.random.default_rng(2).normal(size=60)
    got = m.design_variance(u, survey["strata"], survey["psu"])
    assert got == pytest.approx(direct_design_variance(u, survey["strata"], survey["psu"]))
    # Without design: each record is a PSU of one stratum.
    n = u.size
    assert m.design_variance(u) == pytest.approx(n / (n - 1) * ((u - u.mean()) ** 2).sum())


def test_a_stratum_with_one_psu_is_refused():
    with pytest.raises(ValueError, match="single PSU"):
        m.design_variance([1.0, 2.0, 3.0], strata=[1, 1, 2], psu=[1, 2, 3])


def test_headcount_se_without_design_is_the_closed_form(survey):
    x, w = survey["x"], survey["w"]
    line = np.median(x)
    est = m.fgt_se(x, line, 0, w)
    y = (x < line).astype(float)
    p = np.average(y, weights=w)
    n = x.size
    expected = np.sqrt(n / (n - 1) * np.sum(w**2 * (y - p) ** 2)) / w.sum()
    assert est.value == pytest.approx(p)
    assert est.se == pytest.approx(expected, rel=1e-12)


def _numerical_derivative(f, w, k, h=1e-6):
    up, down = w.copy(), w.copy()
    up[k] += h * w[k]
    down[k] -= h * w[k]
    return (f(up) - f(down)) / (2 * h * w[k])


@pytest.mark.parametrize("alpha", [0, 1, 2])
def test_fgt_linearized_values_are_derivatives(survey, alpha):
    x, w = survey["x"][:15], survey["w"][:15]
    line = float(np.median(x))
    z = m.fgt_linearized(x, line, alpha, w)
    for k in range(x.size):
        d = _numerical_derivative(lambda v: m.fgt(x, line, alpha, v), w, k)
        assert z[k] == pytest.approx(d, rel=1e-6, abs=1e-12)


def test_gini_linearized_values_are_derivatives(survey):
    x, w = survey["x"][:15].copy(), survey["w"][:15]
    x[3] = x[4]  # a tie, where the order of equal incomes must not matter
    z = m.gini_linearized(x, w)
    for k in range(x.size):
        d = _numerical_derivative(lambda v: m.gini(x, v), w, k)
        assert z[k] == pytest.approx(d, rel=1e-6, abs=1e-12)


def test_mpi_linearized_values_are_derivatives(survey):
    d, w = survey["d"][:12], survey["w"][:12]
    weights, k = [0.5, 0.25, 0.25], 0.5
    z = m.mpi_linearized(d, weights, k, w)
    for measure in ("H", "M0", "A"):
        for i in range(d.shape[0]):
            num = _numerical_derivative(
                lambda v, name=measure: getattr(m.mpi(d, weights, k, v), name), w, i
            )
            assert z[measure][i] == pytest.approx(num, rel=1e-6, abs=1e-12)


def test_gini_se_agrees_with_the_jackknife():
    x = np.random.default_rng(5).lognormal(0, 0.8, 400)

    def gini_np(v):
        v = np.sort(v)
        n = v.size
        return 2 * np.sum(np.arange(1, n + 1) * v) / (n * v.sum()) - (n + 1) / n

    n = x.size
    loo = np.array([gini_np(np.delete(x, i)) for i in range(n)])
    jackknife_se = np.sqrt((n - 1) / n * np.sum((loo - loo.mean()) ** 2))
    est = m.gini_se(x)
    assert est.value == pytest.approx(gini_np(x), rel=1e-12)
    assert est.se == pytest.approx(jackknife_se, rel=0.05)


def test_mpi_se_with_strata_and_psus_matches_the_direct_formula(survey):
    d, w = survey["d"], survey["w"]
    weights, k = [0.5, 0.25, 0.25], 0.5
    se = m.mpi_se(d, weights, k, w, strata=survey["strata"], psu=survey["psu"])
    score = d @ np.array(weights)
    poor = score >= k
    n_pop = w.sum()
    m0 = np.sum(w * poor * score) / n_pop
    h = np.sum(w * poor) / n_pop
    z = {
        "M0": (poor * score - m0) / n_pop,
        "H": (poor - h) / n_pop,
        "A": poor * (score - m0 / h) / (n_pop * h),
    }
    for measure, zz in z.items():
        var = direct_design_variance(w * zz, survey["strata"], survey["psu"])
        assert getattr(se, measure).se == pytest.approx(np.sqrt(var), rel=1e-10)
    assert se.M0.value == pytest.approx(m0) and se.H.value == pytest.approx(h)


def test_domain_se_keeps_the_whole_design(survey):
    x, w, strata, psu = survey["x"], survey["w"], survey["strata"], survey["psu"]
    line = float(np.median(x))
    # A domain absent from one PSU: that PSU still counts, with a zero total.
    domain = (x > np.quantile(x, 0.2)) & ~((strata == "south") & (psu == 4))
    est = m.fgt_se(x, line, 0, w, strata=strata, psu=psu, domain=domain)
    y = (x < line).astype(float)
    n_d = w[domain].sum()
    p = np.sum(w * y * domain) / n_d
    z = domain * (y - p) / n_d  # zero outside the domain, PSUs without members still count
    assert est.value == pytest.approx(p)
    assert est.se == pytest.approx(np.sqrt(direct_design_variance(w * z, strata, psu)))
    # Subsetting first (the classic mistake) loses the empty PSU and changes the answer.
    wrong = m.fgt_se(x[domain], line, 0, w[domain], strata=strata[domain], psu=psu[domain])
    assert wrong.se != pytest.approx(est.se, rel=1e-6)
