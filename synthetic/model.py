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
    "moves",
    "founded",
    "recodes",
)
RECODE_RATE = 0.01  # a year, of the households: re-registered under a new house code


@dataclass
class ProvinceModel:
    province: str
    targets: DistrictTargets
    urban: np.ndarray  # per district: the mueang (capital) district
    layout: geography.HouseholdLayout
    house_codes: np.ndarray  # (household, years after the first): the code in the year
    population: panel.Population
    citizen_id: np.ndarray  # aligned with population
    household_traits: traits.HouseholdTraits
    person_traits: traits.PersonTraits  # aligned with population
    rates: dict[str, np.ndarray]  # indicator -> TPMAP-counted rate, (district, years after first)
    offsets: dict[str, np.ndarray]  # indicator -> uniform, (district, years after the first)
    income_level: np.ndarray  # per household, log scale
    income_growth: np.ndarray  # per district, yearly
    disability_scale: np.ndarray  # per district
    chronic_scale: np.ndarray
    first_year: int
    card: np.ndarray | None = None  # per population row, set in the first survey year
    # help that worked (synthetic/cases.py): indicator -> per household, lifted out of
    # deprivation on it in the next survey year answered
    lifted: dict[str, np.ndarray] = field(default_factory=dict)

    def house_code_in(self, year_be: int) -> np.ndarray:
        """Each household's house code in the survey year (0: not founded yet)."""
        return self.house_codes[:, year_be - self.first_year]

    def assign_cards(
        self, alive: np.ndarray, district: np.ndarray, adult: np.ndarray, mpi_poor: np.ndarray
    ) -> None:
        person = self.population.person
        card = np.zeros(int(person.max()) + 1, dtype=np.int8)
        card[person[alive]] = welfare.assign_cards(
            self.person_traits.card[alive], district, adult, mpi_poor, self.targets
        )
        self.card = card[person]  # a mover keeps their card


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
    n_steps = last - first + 1
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
    population = panel.simulate(
        streams["panel"], roster, n_households, years_be, moves=streams["moves"]
    )
    # Households founded during the panel are laid out after the first year's, each in the
    # village of the household it was founded beside (and so of a first-year household).
    beside = population.founded_in()
    layout = geography.HouseholdLayout(
        district=np.concatenate([layout.district, layout.district[beside]]),
        village_code=np.concatenate([layout.village_code, layout.village_code[beside]]),
        serial=layout.serial,  # of the first year's households; house_codes numbers the rest
    )
    urban_household = urban[layout.district]
    household_traits = traits.HouseholdTraits.concat([
        traits.draw_household_traits(streams["households"], n_households,
                                     urban_household[:n_households]),
        traits.draw_household_traits(streams["founded"], beside.size,
                                     urban_household[n_households:]),
    ])  # fmt: skip
    # Roster people and newborns draw from separate streams so that the first year does not
    # depend on how many later years are generated. A mover keeps their traits.
    hardship = household_traits.hardship
    born = ~population.moved_in
    first_hh = np.empty(int(population.person.max()) + 1, dtype=np.int64)
    first_hh[population.person[born]] = population.household[born]
    person_traits = traits.PersonTraits.concat(
        [
            traits.draw_person_traits(streams["people"], hardship[first_hh[: len(roster)]]),
            traits.draw_person_traits(streams["newborns"], hardship[first_hh[len(roster) :]]),
        ]
    ).take(population.person)

    trends = deprivation.draw_trends(streams["trends"], targets.codes.size)
    rates = {
        code: deprivation.yearly_rates(targets, trends, code, n_steps)
        for code in deprivation.HOUSEHOLD_INDICATORS + deprivation.PERSON_INDICATORS
    }

    district_level = income.district_levels(streams["income"], targets, urban)
    first_size = np.bincount(roster.household, minlength=layout.district.size)
    first_size[n_households:] = 1  # founded by one mover
    income_level = income.household_levels(district_level[layout.district], first_size)

    # A citizen ID is the person's, from the district of the household they were born into
    # the panel in, whichever household they live in later.
    person_district = layout.district[first_hh]
    district_serial = _serial_within_group(person_district, np.arange(first_hh.size))
    birth_year_ce = np.empty(first_hh.size, dtype=np.int64)
    birth_year_ce[population.person] = population.birth // 10000
    # Type 1: born since 1984 and registered at birth; type 3: in a house register before.
    type_digit = np.where(birth_year_ce >= 1984, 1, 3)
    person_id = ids.citizen_ids(type_digit, district_numbers[person_district], district_serial)
    citizen_id = person_id[population.person]
    house_codes = _house_codes(
        streams["recodes"], layout, district_numbers, population.founded_year - first, n_steps
    )

    base_age = dates.age_on_reference_day(roster.birth, first - BE_OFFSET)
    roster_district = layout.district[roster.household]
    return ProvinceModel(
        province=province,
        targets=targets,
        urban=urban,
        layout=layout,
        house_codes=house_codes,
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


def _house_codes(
    rng: np.random.Generator,
    layout: geography.HouseholdLayout,
    district_numbers: np.ndarray,
    founded_step: np.ndarray,
    n_steps: int,
) -> np.ndarray:
    """Each household's house code in each year, (household, step). The first year's
    households have their layout serial; a household founded later, or re-registered (a new
    house book), takes the next free serial of its district from that year on."""
    n_first = layout.serial.size
    n = layout.district.size
    serial = np.zeros((n, n_steps), dtype=np.int64)
    serial[:n_first, 0] = layout.serial
    next_serial = np.bincount(layout.district[:n_first], minlength=district_numbers.size) + 1
    founded = np.full(n, 0, dtype=np.int64)
    founded[n_first:] = founded_step
    for step in range(1, n_steps):
        serial[:, step] = serial[:, step - 1]
        # drawn year by year, so a year does not depend on how many later years are generated
        recoded = (rng.random(n) < RECODE_RATE) & (founded < step)
        new = np.flatnonzero(recoded | (founded == step))
        district = layout.district[new]
        order = np.argsort(district, kind="stable")
        new, district = new[order], district[order]
        start = np.r_[True, district[1:] != district[:-1]]
        rank = np.arange(new.size) - np.maximum.accumulate(np.where(start, np.arange(new.size), 0))
        serial[new, step] = next_serial[district] + rank
        np.add.at(next_serial, district, 1)
    codes = ids.house_codes(
        np.repeat(district_numbers[layout.district], n_steps), serial.reshape(-1)
    ).reshape(n, n_steps)
    return np.where(serial > 0, codes, 0)  # 0: not yet founded


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
