"""State welfare card status (2560 register), correlated with poverty.

Only adults register. Within each district the card goes to MPI-poor adults with the probability
that makes the number of target poor (MPI-poor and verified) equal TPMAP's target-poor share of
the district's people, and to the other adults so that the district's overall registered and
verified shares also match. The status is drawn once, in the first survey year, and kept.

MPI-poor are counted as TPMAP counts them: every member of a household where anyone fails an
indicator. Where a district's sample has too few MPI-poor adults to reach its target (the union
of the indicators is drawn, not fixed per district, and small districts have few adults), the
shortfall is moved to the other districts of the province, in proportion to their targets, so
the province's target-poor count still comes out right.
"""

from __future__ import annotations

import numpy as np

from synthetic.calibration import DistrictTargets

NOT_REGISTERED, REGISTERED, VERIFIED = 0, 1, 2
MAX_SHARE_OF_POOR = 0.95  # keep some MPI-poor adults without the card even in the poorest areas
UNREACHABLE_BOOST = 1e9


def _province_boost(target: np.ndarray, room: np.ndarray) -> float:
    """The factor k >= 1 with sum(min(k * target, room)) = sum(target), as near as room allows."""
    wanted = target.sum()
    if np.minimum(target, room).sum() >= wanted:
        return 1.0
    if room.sum() <= wanted:
        return UNREACHABLE_BOOST  # every district is filled to its room
    low, high = 1.0, 2.0
    while np.minimum(high * target, room).sum() < wanted:
        high *= 2.0
    for _ in range(50):
        mid = (low + high) / 2.0
        low, high = (mid, high) if np.minimum(mid * target, room).sum() < wanted else (low, mid)
    return high


def assign_cards(
    uniform: np.ndarray,
    district: np.ndarray,
    adult: np.ndarray,
    mpi_poor: np.ndarray,
    targets: DistrictTargets,
) -> np.ndarray:
    n_d = targets.codes.size
    people = np.bincount(district, minlength=n_d).astype(float)
    poor = np.bincount(district, weights=adult & mpi_poor, minlength=n_d)
    rest = np.bincount(district, weights=adult & ~mpi_poor, minlength=n_d)

    def ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
        return np.divide(numerator, denominator, out=np.zeros(n_d), where=denominator > 0)

    boost = _province_boost(targets.target_poor_share * people, MAX_SHARE_OF_POOR * poor)
    verified_poor = np.clip(
        ratio(boost * targets.target_poor_share * people, poor), 0.0, MAX_SHARE_OF_POOR
    )
    registered_poor = np.clip(
        ratio(boost * targets.registered_poor_share * people, poor), verified_poor, 1.0
    )
    verified_rest = np.clip(
        ratio(targets.verified_share * people - verified_poor * poor, rest), 0.0, 1.0
    )
    registered_rest = np.clip(
        ratio(targets.registered_share * people - registered_poor * poor, rest),
        verified_rest,
        1.0,
    )
    verified_p = np.where(mpi_poor, verified_poor[district], verified_rest[district])
    registered_p = np.where(mpi_poor, registered_poor[district], registered_rest[district])
    card = np.where(uniform < verified_p, VERIFIED, np.where(uniform < registered_p, REGISTERED, 0))
    return np.where(adult, card, NOT_REGISTERED).astype(np.int8)


# The least card status each target-poor rule of survey_rules.yaml admits, read as
# sql/core/fact_person.sql reads it (card_any: welfare_card >= 1), so the generator's summary
# counts the target poor the warehouse counts.
LEAST_CARD = {"card_verified": VERIFIED, "card_any": REGISTERED, "all_mpi_poor": NOT_REGISTERED}


def target_poor(mpi_poor: np.ndarray, card: np.ndarray, rule: str) -> np.ndarray:
    """The MPI-poor whom ``rule`` (the survey year's, `catalog.target_poor_rule`) counts."""
    if rule not in LEAST_CARD:
        raise ValueError(f"unknown target-poor rule {rule!r}; survey_rules.yaml has {LEAST_CARD}")
    return mpi_poor & (card >= LEAST_CARD[rule])
