"""The 17 TPMAP indicators as the generator sees them: latent propensities and yearly thresholds.

Each household and person carries a fixed standard-normal propensity per indicator, made of a
shared household hardship and an own part. A unit is deprived in a year when its propensity lies
below the district's threshold Phi^-1(rate) for that year, so the expected rate is exactly the
district's rate, deprivations cluster in the same households, and because the propensity never
changes, year-to-year change is people crossing a moving threshold (real exits), not noise.
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
# household then correlate at 0.5^2 = 0.25 on the latent scale.
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
    """Phi^-1(rate) on the propensity scale (small per-district arrays only)."""
    return _quantile(np.clip(rates, 1e-9, 1.0 - 1e-9)).astype(np.float32)
