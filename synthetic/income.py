"""Household income: per-capita level, the indicator-4.3 criterion, the four items, and the
personal incomes of the earners.

A household fails indicator 4.3 when its income propensity lies below the district's threshold
for the year (so the failure rate is the district's TPMAP rate). Failing households get a
per-capita income below the criterion, the deeper below the threshold the lower, down to zero
for some households without an earner and to a few hundred baht for the rest, as real files
have; the others the criterion plus a log-normal amount whose median depends on the district,
which gives the long upper tail behind a Gini near 0.38.
"""

from __future__ import annotations

import numpy as np

from synthetic import catalog
from synthetic.calibration import DistrictTargets

# log of the median of the amount above the criterion for an average district (baht/person/yr)
BASE_LOG_LEVEL = float(np.log(20_000.0))
SPREAD = 1.35  # sd of the log amount within a district
POVERTY_SLOPE = 0.12  # log-level change per sd of the district's (log) MPI-poor share
URBAN_PREMIUM = 0.30  # mueang districts
# NSO regions (regions.yaml): incomes are higher in the Central region and the South than in
# the North and Northeast (SES; the regional poverty lines in survey_rules.yaml agree).
# Region, not TPMAP's MPI-poor share, sets most of the level, because some areas with few
# MPI-poor are monetarily poor (e.g. Nong Bua Lam Phu in 2561).
REGION_PREMIUM = {"2": 0.12, "3": -0.12, "4": -0.12, "5": 0.03}
DISTRICT_NOISE_SD = 0.10
SIZE_SLOPE = 0.06  # larger households have less per head
MIN_MARGIN = 100.0  # baht above the criterion for households that pass
# Below the criterion: per-capita income = criterion x max(BELOW_SCALE x exp(-BELOW_DECAY x
# depth) - BELOW_SHIFT, floor), depth ~ Exp(1) for the failing households of a district. About
# 8 % of them (depth > 2.55) reach zero (no earner) or the floor (an earner: 380 baht a year).
BELOW_SCALE, BELOW_DECAY, BELOW_SHIFT = 1.25, 0.5, 0.35
EARNER_FLOOR = 0.01
NO_EARNER_SHIFT = 1.5  # lower income propensity of households where nobody earns


def district_levels(
    rng: np.random.Generator, targets: DistrictTargets, urban: np.ndarray
) -> np.ndarray:
    region = np.array(
        [REGION_PREMIUM.get(catalog.region_of_province(str(p)), 0.0) for p in targets.province]
    )
    return (
        BASE_LOG_LEVEL
        + region
        - POVERTY_SLOPE * targets.poverty_score
        + URBAN_PREMIUM * urban
        + rng.normal(0.0, DISTRICT_NOISE_SD, targets.codes.size)
    )


def household_levels(district_level: np.ndarray, first_size: np.ndarray) -> np.ndarray:
    return district_level - SIZE_SLOPE * (np.minimum(first_size, 10) - 3)


def income_propensity(propensity: np.ndarray, has_earner: np.ndarray) -> np.ndarray:
    """The household's income propensity in a year: lower while nobody in it earns."""
    return propensity.astype(np.float64) - NO_EARNER_SHIFT * ~has_earner


def per_capita_income(
    propensity: np.ndarray,
    gap: np.ndarray,
    level: np.ndarray,
    growth: np.ndarray,
    criterion: float,
    has_earner: np.ndarray,
) -> np.ndarray:
    """`gap`: the income propensity minus the district's 4.3 threshold (negative: fails)."""
    threshold = propensity.astype(np.float64) - gap
    # Scaled by the threshold, the shortfall of a normal tail below it is about Exp(1).
    depth = -np.minimum(gap, 0.0) * np.clip(-threshold, 1.0, 10.0)
    share = BELOW_SCALE * np.exp(-BELOW_DECAY * depth) - BELOW_SHIFT
    below = criterion * np.maximum(share, np.where(has_earner, EARNER_FLOOR, 0.0))
    # A shrinking economy must not push a passing household below the criterion.
    above = np.maximum(
        (criterion + MIN_MARGIN + np.exp(level + SPREAD * propensity)) * growth,
        criterion + MIN_MARGIN,
    )
    return np.where(gap < 0, below, above)


def split_items(
    total: np.ndarray, shares: np.ndarray, has_earner: np.ndarray
) -> dict[str, np.ndarray]:
    """Whole baht per item; rounding down keeps failing households below the criterion."""
    items = np.floor(total[:, None] * shares)
    # Without an earner the occupational income is transfers or pensions.
    earned = items[:, 0] + items[:, 1]
    items[:, 2] += np.where(has_earner, 0.0, earned)
    items[:, 0] *= has_earner
    items[:, 1] *= has_earner
    return {
        "income_main": items[:, 0],
        "income_secondary": items[:, 1],
        "income_other": items[:, 2],
        "income_own_produce": items[:, 3],
    }


def personal_incomes(
    household: np.ndarray, earner: np.ndarray, weight: np.ndarray, earned: np.ndarray
) -> np.ndarray:
    """Each earner's share of the household's main + secondary income (at least 1 baht)."""
    w = np.where(earner, weight.astype(np.float64), 0.0)
    total_w = np.bincount(household, weights=w, minlength=earned.size)
    share = np.divide(w, total_w[household], out=np.zeros_like(w), where=w > 0)
    return np.where(earner, np.maximum(np.floor(earned[household] * share), 1.0), 0.0)
