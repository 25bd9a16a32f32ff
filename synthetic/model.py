"""Everything about one province that stays fixed over the survey years.

Built from one random generator per (seed, province), split into independent streams per part,
so a province's data does not depend on which other provinces are generated or in what order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from synthetic import (
    dates,
    deprivation,
    geography,
    health,
    ids,
    income,
    panel,
    people,
    traits,
    welfare,
)
from synthetic.calibration import DistrictTargets
from synthetic.catalog import BE_OFFSET

# Streams of SeedSequence([seed, province]).spawn(); appending a stream keeps the others.
STREAMS = (
    "layout",
    "roster",
    "panel",
    "households",
    "people",
    "newborns",
    "trends",
    "income",
    "rounding",
)


@dataclass
class ProvinceModel:
    province: str
    targets: DistrictTargets
    urban: np.ndarray  # per district: the mueang (capital) district
    layout: geography.HouseholdLayout
    house_code: np.ndarray
    population: panel.Population
    citizen_id: np.ndarray
    household_traits: traits.HouseholdTraits
    person_traits: traits.PersonTraits  # aligned with population
    rates: dict[str, np.ndarray]  # indicator -> TPMAP-counted rate, (district, years after first)
    offsets: dict[str, np.ndarray]  # indicator -> uniform, (district, years after the first)
    income_level: np.ndarray  # per household, log scale
    income_growth: np.ndarray  # per district, yearly
    disability_scale: np.ndarray  # per district
    chronic_scale: np.ndarray
    first_year: int
    card: np.ndarray | None = None  # per person, set in the first survey year
    # help that worked (synthetic/cases.py): indicator -> per household, lifted out of
    # deprivation on it in the next survey year answered
    lifted: dict[str, np.ndarray] = field(default_factory=dict)

    def assign_cards(
        self, alive: np.ndarray, district: np.ndarray, adult: np.ndarray, mpi_poor: np.ndarray
    ) -> None:
        card = np.zeros(len(self.population), dtype=np.int8)
        card[alive] = welfare.assign_cards(
            self.person_traits.card[alive], district, adult, mpi_poor, self.targets
        )
        self.card = card


def households_per_district(targets: DistrictTargets, fraction: float) -> np.ndarray:
    """round(households x fraction), at least one so every district appears."""
    return np.maximum(np.floor(targets.households * fraction + 0.5), 1).astype(np.int64)


def build(
    province: str,
    targets: DistrictTargets,
    fraction: float,
    years_be: list[int],
    seed: int,
) -> ProvinceModel:
    streams = dict(
        zip(
            STREAMS,
            (
                np.random.default_rng(s)
                for s in np.random.SeedSequence([seed, int(province)]).spawn(len(STREAMS))
            ),
            strict=True,
        )
    )
    first, last = min(years_be), max(years_be)
    codes = [str(c) for c in targets.codes]
    district_numbers = targets.codes.astype(np.int64)
    urban = np.array([c.endswith("01") for c in codes])

    layout = geography.lay_out_households(
        streams["layout"], codes, households_per_district(targets, fraction)
    )
    n_households = layout.district.size
    roster = people.build_roster(
        streams["roster"],
        layout.district,
        targets.mean_size,
        targets.elderly_share,
        first - BE_OFFSET,
    )
    population = panel.simulate(streams["panel"], roster, n_households, years_be)

    household_traits = traits.draw_household_traits(
        streams["households"], n_households, urban[layout.district]
    )
    # Roster people and newborns draw from separate streams so that the first year does not
    # depend on how many later years are generated.
    hardship = household_traits.hardship
    creation_hh = np.empty(len(population), dtype=np.int64)
    creation_hh[population.creation] = population.household
    person_traits = traits.PersonTraits.concat(
        [
            traits.draw_person_traits(streams["people"], hardship[creation_hh[: len(roster)]]),
            traits.draw_person_traits(streams["newborns"], hardship[creation_hh[len(roster) :]]),
        ]
    ).take(population.creation)

    trends = deprivation.draw_trends(streams["trends"], targets.codes.size)
    n_steps = last - first + 1
    rates = {
        code: deprivation.yearly_rates(targets, trends, code, n_steps)
        for code in deprivation.HOUSEHOLD_INDICATORS + deprivation.PERSON_INDICATORS
    }

    district_level = income.district_levels(streams["income"], targets, urban)
    first_size = np.bincount(roster.household, minlength=n_households)
    income_level = income.household_levels(district_level[layout.district], first_size)

    person_district = layout.district[population.household]
    district_serial = _serial_within_group(person_district, population.creation)
    birth_year_ce = population.birth // 10000
    # Type 1: born since 1984 and registered at birth; type 3: in a house register before.
    type_digit = np.where(birth_year_ce >= 1984, 1, 3)
    citizen_id = ids.citizen_ids(type_digit, district_numbers[person_district], district_serial)
    house_code = ids.house_codes(district_numbers[layout.district], layout.serial)

    base_age = dates.age_on_reference_day(roster.birth, first - BE_OFFSET)
    roster_district = layout.district[roster.household]
    return ProvinceModel(
        province=province,
        targets=targets,
        urban=urban,
        layout=layout,
        house_code=house_code,
        population=population,
        citizen_id=citizen_id,
        household_traits=household_traits,
        person_traits=person_traits,
        rates=rates,
        offsets=_offsets(streams["rounding"], list(rates), targets.codes.size, n_steps),
        income_level=income_level,
        income_growth=trends.income_growth,
        disability_scale=health.share_scale(
            targets.disabled_share, roster_district, health.disability_weight(base_age)
        ),
        chronic_scale=health.share_scale(
            targets.chronic_share, roster_district, health.chronic_weight(base_age)
        ),
        first_year=first,
    )


def _offsets(
    rng: np.random.Generator, codes: list[str], n_districts: int, n_steps: int
) -> dict[str, np.ndarray]:
    """household_thresholds' offsets; drawn year by year so a year's do not depend on how many
    later years are generated."""
    draws = rng.random((n_steps, len(codes), n_districts))
    return {code: draws[:, i, :].T for i, code in enumerate(codes)}


def _serial_within_group(group: np.ndarray, creation: np.ndarray) -> np.ndarray:
    """1.. within each group, in creation order (so newborns follow the first-year roster)."""
    order = np.lexsort((creation, group))
    sorted_group = group[order]
    start = np.r_[True, sorted_group[1:] != sorted_group[:-1]]
    first_index = np.maximum.accumulate(np.where(start, np.arange(order.size), 0))
    serial = np.empty(order.size, dtype=np.int64)
    serial[order] = np.arange(order.size) - first_index + 1
    return serial
