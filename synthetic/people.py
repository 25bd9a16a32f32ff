"""Household rosters: size, head, spouse and other members with ages, sexes and relations.

Ages are drawn per role so that the district's 60+ share comes out right in expectation while
households keep a plausible shape (an adult head, a spouse of similar age, children and
grandchildren, the head's parents).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic import dates

MAX_AGE = 100
MAX_HOUSEHOLD_SIZE = 20
SPOUSE_SHARE = 0.72  # households of two or more that include the head's spouse
MALE_HEAD_SHARE = 0.60
MALE_OTHER_SHARE = 0.46
# Heads are older than the population: the head's chance to be 60+ is this multiple of the
# district's elderly share (capped so that the other members can still make up the rest).
ELDERLY_HEAD_FACTOR = 1.6

HEAD, SPOUSE, CHILD, PARENT, RELATIVE, OTHER = 1, 2, 3, 4, 5, 6


def _table(ages: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return ages, np.cumsum(weights) / weights.sum()


_elder = np.arange(60, MAX_AGE + 1)
_head = np.arange(18, 60)
_young = np.arange(0, 60)
ELDERLY_AGES = _table(_elder, np.exp(-(_elder - 60) / 9.5))
HEAD_AGES = _table(_head, np.clip((_head - 17) / 20.0, 0.05, 1.0))
# Members other than head and spouse are mostly children and young adults; fewer births in
# recent years thin the youngest ages.
YOUNG_AGES = _table(
    _young,
    np.select([_young < 5, _young < 18, _young < 25, _young < 45], [0.9, 1.2, 1.0, 0.55], 0.4),
)


def _sample(rng: np.random.Generator, table: tuple[np.ndarray, np.ndarray], n: int) -> np.ndarray:
    ages, cdf = table
    return ages[np.minimum(np.searchsorted(cdf, rng.random(n), side="right"), ages.size - 1)]


# --- rosters -------------------------------------------------------------------------------


@dataclass
class Roster:
    """People of the first survey year, ordered by household then member number."""

    household: np.ndarray  # int64 index of the household
    member_no: np.ndarray  # 1 = head, 2 = spouse, then others from the oldest
    sex: np.ndarray  # 1 male, 2 female
    birth: np.ndarray  # yyyymmdd (CE)
    relation: np.ndarray

    def __len__(self) -> int:
        return self.household.size


def build_roster(
    rng: np.random.Generator,
    household_district: np.ndarray,
    mean_size: np.ndarray,
    elderly_share: np.ndarray,
    year_ce: int,
) -> Roster:
    n_households = household_district.size
    n_districts = mean_size.size
    # 1 + Poisson(mean - 1): a head plus others; gives ~16 % one-person households at 2.83.
    sizes = 1 + rng.poisson(np.maximum(mean_size[household_district] - 1.0, 0.02))
    sizes = np.minimum(sizes, MAX_HOUSEHOLD_SIZE)
    household = np.repeat(np.arange(n_households, dtype=np.int64), sizes)
    first = np.repeat(np.cumsum(sizes) - sizes, sizes)
    position = np.arange(household.size) - first
    district = household_district[household]

    has_spouse = (sizes >= 2) & (rng.random(n_households) < SPOUSE_SHARE)
    is_head = position == 0
    is_spouse = (position == 1) & has_spouse[household]
    is_other = ~is_head & ~is_spouse

    people_d = np.bincount(district, minlength=n_districts).astype(float)
    heads_d = np.bincount(household_district, minlength=n_districts).astype(float)
    spouses_d = np.bincount(district[is_spouse], minlength=n_districts).astype(float)
    head_elderly_p = np.minimum.reduce(
        [
            ELDERLY_HEAD_FACTOR * elderly_share,
            0.9 * elderly_share * people_d / np.maximum(heads_d + spouses_d, 1.0),
            np.full(n_districts, 0.85),
        ]
    )

    head_is_elder = rng.random(n_households) < head_elderly_p[household_district]
    head_age = np.where(
        head_is_elder,
        _sample(rng, ELDERLY_AGES, n_households),
        _sample(rng, HEAD_AGES, n_households),
    )
    head_male = rng.random(n_households) < MALE_HEAD_SHARE

    age = np.zeros(household.size, dtype=np.int64)
    sex = np.zeros(household.size, dtype=np.int8)
    age[is_head] = head_age
    sex[is_head] = np.where(head_male, 1, 2)

    spouse_hh = household[is_spouse]
    # Husbands are a few years older than their wives.
    gap = rng.normal(0.0, 4.0, spouse_hh.size) + np.where(head_male[spouse_hh], -2.5, 2.5)
    age[is_spouse] = np.clip(np.rint(head_age[spouse_hh] + gap), 18, MAX_AGE)
    sex[is_spouse] = np.where(head_male[spouse_hh], 2, 1)

    # The other members make up the rest of the district's elderly.
    elderly_so_far = np.bincount(
        district[~is_other], weights=(age[~is_other] >= 60), minlength=n_districts
    )
    others_d = people_d - heads_d - spouses_d
    other_elderly_p = np.clip(
        (elderly_share * people_d - elderly_so_far) / np.maximum(others_d, 1.0), 0.005, 0.95
    )
    n_other = int(is_other.sum())
    other_is_elder = rng.random(n_other) < other_elderly_p[district[is_other]]
    age[is_other] = np.where(
        other_is_elder, _sample(rng, ELDERLY_AGES, n_other), _sample(rng, YOUNG_AGES, n_other)
    )
    male_p = np.where(other_is_elder, 0.38, MALE_OTHER_SHARE)
    sex[is_other] = np.where(rng.random(n_other) < male_p, 1, 2)

    relation = np.full(household.size, RELATIVE, dtype=np.int8)
    relation[is_head] = HEAD
    relation[is_spouse] = SPOUSE
    older_by = head_age[household] - age  # how much older the head is
    relation[is_other & (older_by >= 15) & (older_by <= 45)] = CHILD
    relation[is_other & (older_by <= -15)] = PARENT
    near = is_other & (np.abs(older_by) < 15)
    relation[near & (rng.random(household.size) < 0.15)] = OTHER

    # Member numbers as the survey lists them: head, spouse, then from the oldest.
    role = np.where(is_head, 0, np.where(is_spouse, 1, 2))
    order = np.lexsort((-age, role, household))
    household, age, sex, relation = household[order], age[order], sex[order], relation[order]
    return Roster(
        household=household,
        member_no=(position + 1).astype(np.int16),  # positions are unchanged by the sort
        sex=sex,
        birth=dates.birth_dates_for_age(rng, age, year_ce),
        relation=relation,
    )
