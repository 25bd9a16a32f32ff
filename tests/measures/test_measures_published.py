"""Values printed by established tools (provenance: tests/reference/measures/PROVENANCE.md)."""

import math

import numpy as np
import pytest

import measures as m

INEQ_X = [541, 1463, 2445, 3438, 4437, 5401, 6392, 8304, 11904, 22261]


def test_r_ineq_examples():
    assert m.gini(INEQ_X) == pytest.approx(0.4620911, abs=5e-8)
    assert m.atkinson(INEQ_X, 0.5) == pytest.approx(0.1796591, abs=5e-8)
    assert m.watts(INEQ_X, 2000) == pytest.approx(0.1620141, abs=5e-8)
    assert m.headcount(INEQ_X, 2000) == pytest.approx(0.2, abs=1e-15)


def test_pysal_atkinson():
    y = [10, 20, 30, 40, 50]
    assert m.atkinson(y, 0.5) == pytest.approx(0.06315, abs=1e-5)
    assert m.atkinson(y, 1) == pytest.approx(0.1316096, abs=5e-8)


def test_theil_between_groups_example():
    d = m.ge_decomposition([0, 0, 0, 10, 10, 10], [0, 0, 0, 1, 1, 1], alpha=1)
    assert d.total == pytest.approx(math.log(2), abs=1e-15)
    assert d.between == pytest.approx(math.log(2), abs=1e-15)
    assert d.within == pytest.approx(0.0, abs=1e-15)


def test_mpitbr_toy_example():
    deprivations = [[1, 0, 1, 0], [0, 1, 0, 0], [0, 1, 1, 1], [1, 0, 0, 0], [1, 0, 1, 0]]
    r = m.mpi(deprivations, [0.25] * 4, k=0.5, groups=[1, 1, 2, 2, 2])
    assert pytest.approx((0.35, 0.6), abs=1e-12) == (r.M0, r.H)
    assert pytest.approx([0.583333], abs=5e-7) == [r.A]
    assert list(r.censored.values()) == pytest.approx([0.4, 0.2, 0.6, 0.2], abs=1e-12)
    assert list(r.contribution_share.values()) == pytest.approx(
        [0.285714, 0.142857, 0.428571, 0.142857], abs=5e-7
    )
    assert pytest.approx([0.25, 0.416667], abs=5e-7) == [r.groups[1].M0, r.groups[2].M0]


def test_laeken_eusilc(eusilc, laeken):
    """laeken 0.5.3's printed values (laeken_eusilc.out); more in test_measures_laeken.py."""
    x, w = eusilc["eqIncome"], eusilc["rb050"]
    assert 100 * m.gini(x, w) == pytest.approx(26.48962, abs=5e-6)  # laeken's vignette
    assert 100 * m.gini(x, w) == pytest.approx(laeken["all gini"][0], rel=1e-12)
    threshold = 0.6 * m.median(x, w)  # laeken's arpt: 60 % of the weighted median
    assert threshold == pytest.approx(laeken["all arpt"][0], rel=1e-12)
    assert 100 * m.headcount(x, threshold, w) == pytest.approx(laeken["all arpr"][0], rel=1e-12)
    assert m.quantile_share_ratio(x, w) == pytest.approx(laeken["all qsr"][0], rel=1e-12)


MEASURES = {
    "gini": m.gini,
    "theil": m.theil,
    "mld": m.mld,
    "ge2": lambda x, w=None: m.ge(x, 2, w),
    "atkinson1": lambda x, w=None: m.atkinson(x, 1, w),
    "palma": m.palma,
    "qsr": m.quantile_share_ratio,
    "median": m.median,
    "p10": lambda x, w=None: m.quantile(x, 0.1, w),
    "fgt1": lambda x, w=None: m.fgt(x, 1.5e6, 1, w),
    "watts": lambda x, w=None: m.watts(x, 1.5e6, w),
}


@pytest.mark.parametrize("name", MEASURES)
def test_wbpip_synthetic_frequency_expansion(wbpip, name):
    """PIP's synthetic survey has whole-number weights: weighting must equal repeating rows."""
    x = wbpip["welfare"].to_numpy()
    w = wbpip["weight"].to_numpy()
    expanded = np.repeat(x, w.astype(int))
    f = MEASURES[name]
    assert f(x, w) == pytest.approx(f(expanded), rel=1e-9)
