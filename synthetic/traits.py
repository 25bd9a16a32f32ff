"""Fixed traits of households and people, drawn once and kept over the survey years.

Answers of a given year come from comparing these traits with that year's rates and the
person's age then, which keeps each household's story coherent from year to year.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from synthetic import deprivation

INCOME_ITEMS = ("income_main", "income_secondary", "income_other", "income_own_produce")


@dataclass
class HouseholdTraits:
    hardship: np.ndarray  # standard normal; low = poorer
    propensity: np.ndarray  # (households, household indicators) standard normal
    income_shares: np.ndarray  # (households, 4) shares of the four income items

    @staticmethod
    def concat(parts: list[HouseholdTraits]) -> HouseholdTraits:
        return _concat(HouseholdTraits, parts)


@dataclass
class PersonTraits:
    propensity: np.ndarray  # (people, person indicators) standard normal
    disability: np.ndarray  # uniforms compared with age-dependent probabilities
    chronic: np.ndarray
    work_limit: np.ndarray
    care_limit: np.ndarray
    grade9: np.ndarray  # which year (if any) the person completes grade 9
    schooling: np.ndarray  # how far the person goes in school
    occupation: np.ndarray
    no_income: np.ndarray  # a deprived worker with an occupation but no income
    earning_weight: np.ndarray  # share of the household's earnings
    card: np.ndarray
    birth_weight_low: np.ndarray  # grams, used if the child fails indicator 1.1
    birth_weight_high: np.ndarray

    def take(self, index: np.ndarray) -> PersonTraits:
        return PersonTraits(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @staticmethod
    def concat(parts: list[PersonTraits]) -> PersonTraits:
        return _concat(PersonTraits, parts)


def _concat(kind, parts):
    """The parts' rows one after the other, field by field."""
    return kind(
        **{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(kind)}
    )


def draw_household_traits(rng: np.random.Generator, n: int, urban: np.ndarray) -> HouseholdTraits:
    hardship = rng.standard_normal(n)
    propensity = deprivation.latent_propensities(
        rng, hardship, len(deprivation.HOUSEHOLD_INDICATORS)
    )
    # Item shares: main occupation dominates; many households have no secondary occupation;
    # own produce matters in rural areas (mueang districts stand for the urban ones).
    alpha = np.column_stack(
        [
            np.full(n, 6.0),
            np.full(n, 1.2),
            np.full(n, 1.5),
            np.where(urban, 0.6, 2.0),
        ]
    )
    draws = rng.gamma(alpha)
    draws[:, 1] *= rng.random(n) < 0.55
    draws[:, 3] *= rng.random(n) < np.where(urban, 0.4, 0.75)
    shares = draws / draws.sum(axis=1, keepdims=True)
    return HouseholdTraits(hardship=hardship, propensity=propensity, income_shares=shares)


def draw_person_traits(rng: np.random.Generator, hardship: np.ndarray) -> PersonTraits:
    """Traits of people whose households have the given hardship values."""
    n = hardship.size

    def uniform() -> np.ndarray:
        return rng.random(n, dtype=np.float32)

    propensity = deprivation.latent_propensities(rng, hardship, len(deprivation.PERSON_INDICATORS))
    return PersonTraits(
        propensity=propensity,
        disability=uniform(),
        chronic=uniform(),
        work_limit=uniform(),
        care_limit=uniform(),
        grade9=uniform(),
        schooling=uniform(),
        occupation=uniform(),
        no_income=uniform(),
        earning_weight=rng.gamma(2.0, size=n).astype(np.float32),
        card=uniform(),
        # Normal births ~3,150 g; low-weight births ~2,000 g (rounded to 10 g later).
        birth_weight_low=np.clip(2490.0 - rng.gamma(2.0, 250.0, n), 800.0, 2490.0),
        birth_weight_high=np.clip(2500.0 + rng.gamma(4.0, 165.0, n), 2500.0, 5200.0),
    )
