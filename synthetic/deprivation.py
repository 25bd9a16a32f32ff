"""The 17 TPMAP indicators as the generator sees them: latent propensities and yearly thresholds.

Each household and person carries a fixed standard-normal propensity per indicator, made of a
shared household hardship and an own part. A unit is deprived in a year when its propensity lies
below the district's threshold for that year. Deprivations cluster in the same households, and
because the propensity never changes, year-to-year change is people crossing a moving threshold
(real exits), not noise.

TPMAP counts every indicator by household (docs/domain.md §3): a household fails when any member
in scope fails, and the rate is the share of the people of the households in scope that live in
failing households. Per-person draws compound within a household (three children at rate p fail
their household at about 1 - (1 - p)^3), so the threshold is not Phi^-1(rate) but is solved on
the year's own households: `household_thresholds` puts it where the households whose lowest
in-scope propensity lies below it hold the district's rate of the people in scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from synthetic import catalog
from synthetic.calibration import DistrictTargets

HOUSEHOLD_INDICATORS = ("1.2", "1.3", "2.1", "2.2", "2.3", "2.4", "4.3")
PERSON_INDICATORS = ("1.1", "1.4", "3.1", "3.2", "3.3", "3.4", "4.1", "4.2", "5.1", "5.2")
INCOME_INDICATOR = "4.3"

# Weight of the shared household hardship in every propensity: two indicators of the same
# household then correlate at SHARED_HARDSHIP^2 on the latent scale. It sets how much the
# indicators overlap, hence the union (MPI-poor) share, against TPMAP 2561's 12.0 %.
SHARED_HARDSHIP = 0.5

# Yearly relative fall of a district's deprivation rates: mean, spread and bounds. Some
# districts draw a negative value and get worse.
IMPROVEMENT_MEAN, IMPROVEMENT_SD = 0.06, 0.05
IMPROVEMENT_BOUNDS = (-0.06, 0.18)
INDICATOR_IMPROVEMENT_SD = 0.02
# Yearly growth of incomes above the criterion.
INCOME_GROWTH_MEAN, INCOME_GROWTH_SD = 0.03, 0.02
INCOME_GROWTH_BOUNDS = (-0.02, 0.08)


def check_catalog() -> None:
    """Fail loudly if indicators.yaml no longer lists the indicators this module answers."""
    units = {ind.code: ind.unit for ind in catalog.indicators()}
    expected = {code: "household" for code in HOUSEHOLD_INDICATORS}
    expected |= {code: "person" for code in PERSON_INDICATORS}
    if units != expected:
        raise ValueError(f"indicators.yaml lists {units}, the generator answers {expected}")


def latent_propensities(
    rng: np.random.Generator, hardship: np.ndarray, n_indicators: int
) -> np.ndarray:
    own = rng.standard_normal((hardship.size, n_indicators), dtype=np.float32)
    shared = hardship.astype(np.float32)[:, None] * np.float32(SHARED_HARDSHIP)
    return shared + own * np.float32(np.sqrt(1.0 - SHARED_HARDSHIP**2))


@dataclass(frozen=True)
class DistrictTrends:
    improvement: dict[str, np.ndarray]  # indicator code -> yearly relative fall per district
    income_growth: np.ndarray


def draw_trends(rng: np.random.Generator, n_districts: int) -> DistrictTrends:
    low, high = IMPROVEMENT_BOUNDS
    district = rng.normal(IMPROVEMENT_MEAN, IMPROVEMENT_SD, n_districts)
    improvement = {
        code: np.clip(district + rng.normal(0.0, INDICATOR_IMPROVEMENT_SD, n_districts), low, high)
        for code in HOUSEHOLD_INDICATORS + PERSON_INDICATORS
    }
    growth = np.clip(
        rng.normal(INCOME_GROWTH_MEAN, INCOME_GROWTH_SD, n_districts), *INCOME_GROWTH_BOUNDS
    )
    return DistrictTrends(improvement=improvement, income_growth=growth)


_quantile = np.vectorize(NormalDist().inv_cdf, otypes=[np.float64])


def yearly_rates(
    targets: DistrictTargets, trends: DistrictTrends, code: str, n_steps: int
) -> np.ndarray:
    """Deprivation rate per district (rows) and years after the first (columns)."""
    steps = np.arange(n_steps)
    factor = (1.0 - trends.improvement[code])[:, None] ** steps[None, :]
    return np.clip(targets.deprivation[code][:, None] * factor, 0.0, 1.0)


def thresholds(rates: np.ndarray) -> np.ndarray:
    """Phi^-1(rate) on the propensity scale (small per-district arrays only): the per-person
    threshold of an indicator that is judged once per person (birth weight)."""
    return _quantile(np.clip(rates, 1e-9, 1.0 - 1e-9)).astype(np.float32)


def household_thresholds(
    lowest: np.ndarray,
    weight: np.ndarray,
    district: np.ndarray,
    rate: np.ndarray,
    offset: np.ndarray,
) -> np.ndarray:
    """Per-district threshold t: the households with `lowest` < t hold `rate` of the weight.

    `lowest`, `weight` and `district` are per household in scope (its lowest in-scope propensity,
    its members, its district); `rate` and `offset` (uniform in [0, 1)) are per district. Ordered
    by `lowest`, a household fails when the point `offset` of the way through its slice of the
    district's cumulative weight lies below rate x total. The household on the boundary thus
    fails with the chance that its overlap gives: the expected rate is the district's, to within
    one household in any one draw (rounding to the nearest household would bias rare
    indicators in small districts towards zero).
    """
    n_districts = rate.size
    if lowest.size == 0:
        return np.full(n_districts, -np.inf)
    # One sort by district, then by propensity: each district's slot is wider than the spread.
    span = 2.0 * float(np.abs(lowest).max()) + 1.0
    order = np.argsort(district * span + lowest)
    d, m = district[order], lowest[order].astype(np.float64)
    w = weight[order].astype(np.float64)
    n_units = np.bincount(d, minlength=n_districts)
    start = np.cumsum(n_units) - n_units
    total = np.bincount(d, weights=w, minlength=n_districts)
    cumulative = np.cumsum(w)
    before = cumulative - w - (cumulative[start + n_units - 1] - total)[d]
    fails = before + w * offset[d] < (rate * total)[d]
    n_fail = np.bincount(d[fails], minlength=n_districts)
    # Failing households are a prefix of each district's run: the threshold lies between the
    # last failing and the first passing one.
    last = m.size - 1
    any_fail, any_pass = n_fail > 0, n_fail < n_units
    last_fail = m[np.clip(start + n_fail - 1, 0, last)]
    first_pass = m[np.clip(start + n_fail, 0, last)]
    return np.where(
        any_fail & any_pass,
        (last_fail + first_pass) / 2,
        np.where(any_fail, np.inf, -np.inf),
    )


def lowest_in_household(
    propensity: np.ndarray, scope: np.ndarray, starts: np.ndarray
) -> np.ndarray:
    """Per present household (rows grouped by household, `starts` the first row of each): the
    lowest propensity of its members in scope, +inf where nobody is in scope."""
    values = np.where(scope, propensity.astype(np.float64), np.inf)
    return np.minimum.reduceat(values, starts)
