"""One survey year of one province: every answer of the household and member files.

Answers follow from the fixed traits (traits.py), the person's age that year and the district's
thresholds for that year. Questions outside a person's scope are left blank, as the catalog
marks them optional.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic import catalog, dates, deprivation, health, income, welfare
from synthetic.catalog import BE_OFFSET
from synthetic.model import ProvinceModel
from synthetic.traits import PersonTraits

HOUSEHOLD_COLUMN = {code: i for i, code in enumerate(deprivation.HOUSEHOLD_INDICATORS)}
PERSON_COLUMN = {code: i for i, code in enumerate(deprivation.PERSON_INDICATORS)}

# Occupation codes 1-5 (agriculture, employee, own business, government, other): cumulative
# shares for working-age and elderly workers, rural and urban (mueang) districts.
OCCUPATION_CDF = {
    (False, False): np.cumsum([0.42, 0.30, 0.14, 0.05, 0.09]),
    (True, False): np.cumsum([0.15, 0.42, 0.22, 0.10, 0.11]),
    (False, True): np.cumsum([0.60, 0.10, 0.18, 0.02, 0.10]),
    (True, True): np.cumsum([0.30, 0.15, 0.35, 0.05, 0.15]),
}
OTHER_OCCUPATION = 5
DEPRIVED_WORKER_WITH_OCCUPATION = 0.2  # deprived on 4.1/4.2 by having no income, not no job

# Grade 9 is completed at 14, 15 or 16 by disjoint slices of one uniform, so nobody completes
# it twice; the rest never complete it.
GRADE9_SLICES = {14: (0.00, 0.05), 15: (0.05, 0.85), 16: (0.85, 0.95)}


@dataclass(frozen=True)
class Blankable:
    """An optional answer: `values` where `answered`, blank elsewhere."""

    values: np.ndarray
    answered: np.ndarray


@dataclass
class YearAnswers:
    households: dict[str, np.ndarray]  # household file columns (present households only)
    members: dict[str, np.ndarray | Blankable]  # member file columns
    mpi_poor: np.ndarray  # per member row
    target_poor: np.ndarray  # per member row, by the target-poor rule of the year's TPMAP year
    verified_poor: np.ndarray  # per member row, MPI-poor with a verified card (TPMAP 2561's rule)
    # indicator -> deprived, per present household (index `house` into the model's households):
    # the household indicators and, for the case records, 3.4 and 4.1 of any member
    house: np.ndarray | None = None
    deprived: dict[str, np.ndarray] | None = None


@dataclass
class _Person:
    """Who the living members are in one year (row-aligned arrays, grouped by household)."""

    age: np.ndarray
    district: np.ndarray
    traits: PersonTraits
    rates: dict[str, np.ndarray]  # indicator -> this year's rate per district
    offsets: dict[str, np.ndarray]  # indicator -> this year's household_thresholds offset
    starts: np.ndarray  # first row of each present household
    household_size: np.ndarray  # per present household
    household_district: np.ndarray

    def fails(self, code: str, scope: np.ndarray) -> np.ndarray:
        """Everyone whose propensity lies below the threshold that fails the district's rate of
        the people of households with someone in `scope` (TPMAP's household counting)."""
        propensity = self.traits.propensity[:, PERSON_COLUMN[code]]
        lowest = deprivation.lowest_in_household(propensity, scope, self.starts)
        counted = np.isfinite(lowest)
        threshold = deprivation.household_thresholds(
            lowest[counted],
            self.household_size[counted],
            self.household_district[counted],
            self.rates[code],
            self.offsets[code],
        )
        return propensity < threshold[self.district]

    def between(self, low: int, high: int) -> np.ndarray:
        return (self.age >= low) & (self.age <= high)


def _abilities(model: ProvinceModel, p: _Person) -> dict[str, np.ndarray]:
    age, t = p.age, p.traits
    disabled = t.disability < model.disability_scale[p.district] * health.disability_weight(age)
    chronic = t.chronic < model.chronic_scale[p.district] * health.chronic_weight(age)
    work_limit = np.maximum(
        np.select([age < 60, age < 75], [0.01, 0.08], 0.3), np.where(disabled, 0.6, 0.0)
    )
    care_limit = np.maximum(
        np.select([age < 70, age < 80], [0.003, 0.04], 0.15), np.where(disabled, 0.35, 0.0)
    )
    return {
        "disabled": disabled,
        "chronic_illness": chronic,
        "able_to_work": (age >= 15) & (t.work_limit >= work_limit),
        "self_care": t.care_limit >= care_limit,
    }


def _education(p: _Person) -> dict[str, np.ndarray]:
    """Schooling by age: kindergarten 3-5, compulsory 6-14, grade 9 around 15, then some go on."""
    age, g9, s = p.age, p.traits.grade9, p.traits.schooling
    fails_31, fails_32 = p.fails("3.1", p.between(3, 5)), p.fails("3.2", p.between(6, 14))
    completes = np.zeros(age.size, dtype=bool)
    for at_age, (low, high) in GRADE9_SLICES.items():
        completes |= (age == at_age) & (g9 >= low) & (g9 < high)
    completes &= ~((age == 14) & fails_32)  # not enrolled, cannot complete
    fails_33 = p.fails("3.3", completes)
    completed_before = g9 < np.select([age <= 14, age == 15, age == 16], [0.0, 0.05, 0.85], 0.95)
    continues = ~fails_33
    # Non-continuers (the 3.3 propensity) and a few dropouts are out of school after grade 9.
    stays_in_school = continues & (s < 0.88)
    choices = [
        ((age == 2) & (s < 0.15), 1),
        (p.between(3, 5), np.where(fails_31, 0, 1)),
        (p.between(6, 13), np.where(fails_32, 0, 2)),
        ((age == 14) & ~completes, np.where(fails_32, 0, 2)),
        (completes, np.where(continues, 3, 0)),
        (p.between(15, 17) & completed_before, np.where(stays_in_school, 3, 0)),
        ((age == 15) & (g9 < 0.95), 2),  # completes at 16: still in grade 9
        ((age == 18) & (s < 0.30), 4),
        ((age == 18) & (s < 0.40), 3),
        (p.between(19, 22) & (s < 0.30), 4),
        (p.between(23, 25) & (s < 0.04), 4),
    ]
    schooling = np.select([c for c, _ in choices], [v for _, v in choices], 0)
    return {
        "schooling": schooling,
        "completes": completes,
        "continues": continues,
        "fails_31": p.between(3, 5) & fails_31,
        "fails_32": p.between(6, 14) & (schooling == 0),  # a 14-year-old leaver too
        "fails_33": completes & fails_33,
    }


def _work(p: _Person, urban: np.ndarray, student: np.ndarray, ability: dict) -> dict:
    age = p.age
    # The survey app leaves out of 4.1 only those unable to work AND disabled or chronically ill.
    unable = ~ability["able_to_work"]
    excused = unable & (ability["disabled"] | ability["chronic_illness"])
    in_41 = p.between(15, 59) & ~student & ~excused
    in_42 = (age >= 60) & ability["self_care"]
    works = in_41 | in_42
    deprived = (in_41 & p.fails("4.1", in_41)) | (in_42 & p.fails("4.2", in_42))
    code = np.ones(age.size, dtype=np.int64)
    for (is_urban, is_elderly), cdf in OCCUPATION_CDF.items():
        group = (urban == is_urban) & ((age >= 60) == is_elderly)
        code[group] = 1 + np.searchsorted(cdf, p.traits.occupation[group], side="right")
    # In scope though unable to work: an income, if any, comes without a trade.
    code = np.where(unable & in_41, OTHER_OCCUPATION, np.minimum(code, 5))
    with_job = works & (~deprived | (p.traits.no_income < DEPRIVED_WORKER_WITH_OCCUPATION))
    return {
        "occupation": np.where(with_job, code, 0),
        "earner": works & ~deprived,
        "deprived": deprived,
    }


def _litres(gap: np.ndarray, lowest: float, span: float, passing: float) -> np.ndarray:
    """Litres per person a day, one decimal: below the criterion when the gap is negative."""
    gap = gap.astype(np.float64)
    short = np.floor(10 * (lowest + span * np.exp(np.minimum(gap, 0.0)))) / 10
    enough = np.ceil(10 * passing * (1.0 + 0.45 * np.maximum(gap, 0.0))) / 10
    return np.where(gap < 0, short, np.minimum(enough, 12 * passing))


def answer_year(model: ProvinceModel, year: int, criterion: float) -> YearAnswers:
    pop = model.population
    step = year - model.first_year
    alive = np.flatnonzero(pop.alive(year))
    hh = pop.household[alive]  # grouped: the population is ordered by household
    h_district = model.layout.district
    size = np.bincount(hh, minlength=pop.n_households)
    house = np.flatnonzero(size > 0)
    house_code = model.house_code_in(year)
    rates = {code: values[:, step] for code, values in model.rates.items()}
    offsets = {code: values[:, step] for code, values in model.offsets.items()}
    p = _Person(
        age=dates.age_on_reference_day(pop.birth[alive], year - BE_OFFSET).astype(np.int64),
        district=h_district[hh],
        traits=model.person_traits.take(alive),
        rates=rates,
        offsets=offsets,
        starts=np.cumsum(size[house]) - size[house],
        household_size=size[house],
        household_district=h_district[house],
    )
    age = p.age

    def household_gap(code: str, propensity: np.ndarray | None = None) -> np.ndarray:
        """Propensity minus the threshold that fails the district's rate of the people."""
        if propensity is None:
            propensity = model.household_traits.propensity[:, HOUSEHOLD_COLUMN[code]]
        threshold = deprivation.household_thresholds(
            propensity[house], size[house], h_district[house], rates[code], offsets[code]
        )
        return propensity - threshold[h_district]

    ability = _abilities(model, p)
    education = _education(p)
    work = _work(p, model.urban[p.district], education["schooling"] >= 2, ability)
    has_earner = np.bincount(hh, weights=work["earner"], minlength=pop.n_households) > 0

    gaps = {
        code: household_gap(code)
        for code in deprivation.HOUSEHOLD_INDICATORS
        if code != deprivation.INCOME_INDICATOR
    }
    # Households where nobody earns are the likeliest to be income-poor, and only they can
    # have no income at all.
    income_propensity = income.income_propensity(
        model.household_traits.propensity[:, HOUSEHOLD_COLUMN[deprivation.INCOME_INDICATOR]],
        has_earner,
    )
    gaps[deprivation.INCOME_INDICATOR] = household_gap(
        deprivation.INCOME_INDICATOR, income_propensity
    )
    # help given the year before that worked (synthetic/cases.py): out of deprivation now
    for code, lift in model.lifted.items():
        gaps[code] = np.where(lift & (gaps[code] < 0), 0.05 - 0.1 * gaps[code], gaps[code])
    model.lifted = {}
    household_fails = {code: gap < 0 for code, gap in gaps.items()}

    per_capita = income.per_capita_income(
        income_propensity,
        gaps[deprivation.INCOME_INDICATOR],
        model.income_level,
        (1.0 + model.income_growth[h_district]) ** step,
        criterion,
        has_earner,
    )
    items = income.split_items(per_capita * size, model.household_traits.income_shares, has_earner)
    earned = items["income_main"] + items["income_secondary"]
    income_year = income.personal_incomes(hh, work["earner"], p.traits.earning_weight, earned)

    elderly, disabled = age >= 60, ability["disabled"]
    # One cared_for answer serves both 5.1 and 5.2: disabled people answer by the disability
    # rate (so 5.2 is exact), the other elderly by the elderly rate.
    not_cared = np.where(
        disabled, p.fails("5.2", disabled), elderly & p.fails("5.1", elderly & ~disabled)
    )
    # Birth weight is fixed at birth: judged, person by person, against the rate of the year
    # the child was 0 (TPMAP's figures for it look person-level; one baby a household is usual).
    birth_thresholds = deprivation.thresholds(model.rates["1.1"])
    born_step = np.clip(year - age - model.first_year, 0, birth_thresholds.shape[1] - 1)
    low_birth_weight = (
        p.traits.propensity[:, PERSON_COLUMN["1.1"]] < birth_thresholds[p.district, born_step]
    )
    birth_weight = np.round(
        np.where(low_birth_weight, p.traits.birth_weight_low, p.traits.birth_weight_high), -1
    )
    birth_weight = np.where(low_birth_weight, np.minimum(birth_weight, 2490), birth_weight)
    fails_14 = p.fails("1.4", age >= 6)
    fails_34 = p.fails("3.4", p.between(15, 59))

    # MPI-poor (TPMAP): every member of a household where anyone fails any of the 17.
    person_poor = (
        ((age <= 1) & low_birth_weight)
        | ((age >= 6) & fails_14)
        | education["fails_31"]
        | education["fails_32"]
        | education["fails_33"]
        | (p.between(15, 59) & fails_34)
        | work["deprived"]
        | not_cared
    )
    poor_household = np.logical_or.reduce(list(household_fails.values()))
    poor_household |= np.bincount(hh, weights=person_poor, minlength=pop.n_households) > 0
    mpi_poor = poor_household[hh]
    if model.card is None:
        model.assign_cards(alive, p.district, age >= 18, mpi_poor)
    card = model.card[alive]

    households = {
        "survey_year": np.full(house.size, year),
        "house_code": house_code[house],
        "village_code": model.layout.village_code[house],
        "members_declared": size[house],
        **{name: values[house] for name, values in items.items()},
        "food_safe": ~household_fails["1.2"][house],
        "medicine_safe": ~household_fails["1.3"][house],
        "housing_secure": ~household_fails["2.1"][house],
        # Water amounts follow the propensity's distance from the threshold.
        "drinking_water_lpd": _litres(gaps["2.2"][house], 1.0, 3.9, 5.5),
        "domestic_water_lpd": _litres(gaps["2.3"][house], 10.0, 34.0, 50.0),
        "home_hygienic": ~household_fails["2.4"][house],
    }
    completes = education["completes"]
    members = {
        "survey_year": np.full(alive.size, year),
        "house_code": house_code[hh],
        "member_no": pop.member_no[alive],
        "citizen_id": model.citizen_id[alive],
        "sex": pop.sex[alive],
        "birth_date": pop.birth[alive],
        "relation": pop.relations(year)[alive],
        "birth_weight_g": Blankable(birth_weight, age <= 1),
        "exercise": Blankable(~fails_14, age >= 6),
        "schooling": education["schooling"],
        "grade9_completed": Blankable(completes, p.between(14, 16)),
        "continued_grade10": Blankable(education["continues"], completes),
        "literate": Blankable(~fails_34, p.between(15, 59)),
        "occupation": work["occupation"],
        "income_year": income_year,
        **ability,
        "cared_for": Blankable(~not_cared, elderly | disabled),
        "welfare_card": card,
    }
    return YearAnswers(
        households=households,
        members=members,
        mpi_poor=mpi_poor,
        target_poor=welfare.target_poor(mpi_poor, card, catalog.target_poor_rule(year)),
        verified_poor=welfare.target_poor(mpi_poor, card, "card_verified"),
        house=house,
        deprived={
            **{code: fails[house] for code, fails in household_fails.items()},
            "3.4": _anyone(hh, p.between(15, 59) & fails_34, pop.n_households)[house],
            "4.1": _anyone(hh, work["deprived"], pop.n_households)[house],
        },
    )


def _anyone(household: np.ndarray, flag: np.ndarray, n_households: int) -> np.ndarray:
    """Per household: whether any of its members' ``flag`` is set."""
    return np.bincount(household, weights=flag, minlength=n_households) > 0
