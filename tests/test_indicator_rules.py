"""Indicator rules on hand-built households, through the whole pipeline.

Ages are counted on 31 March 2023 (survey year 2566); a birth date of 1 January (2566 - A)
BE gives age A exactly.
"""

import pytest

from ingest.pseudonymise import pseudonyms
from tests.conftest import TEST_KEY, run_pipeline
from tests.handmade import citizen_id, household, member, write_landing

YEAR = 2566
NA = None


def born(age: int) -> str:
    return f"01/01/{YEAR - age}"


def person(house: int, serial: int, age: int, **answers) -> dict:
    defaults = {"birth_date": born(age)}
    # answers asked only of some ages are blank unless the case sets them
    if age < 6:
        defaults.update(exercise="", literate="", occupation=0, income_year=0, able_to_work=0)
    if age >= 60:
        defaults.update(literate="")
    return member(house, serial, **{**defaults, **answers})


HOUSEHOLDS = [
    household(1, members_declared=9, income_main=900000),
    # fails all 7 household indicators: income 60,000 for 2 members = 30,000 per person
    household(
        2,
        members_declared=2,
        income_main=60000,
        food_safe=0,
        medicine_safe=0,
        housing_secure=0,
        drinking_water_lpd=4.9,
        domestic_water_lpd=44,
        home_hygienic=0,
    ),
    # exactly on every threshold: not deprived (deprived means strictly below)
    household(
        3, members_declared=1, income_main=38000, drinking_water_lpd=5, domestic_water_lpd=45
    ),
]
MEMBERS = [
    person(1, 1, 40),
    person(1, 2, 0, birth_weight_g=2400, relation=3),
    person(1, 3, 1, relation=3),  # no birth weight recorded
    person(1, 4, 4, schooling=0, relation=3),
    person(1, 5, 10, schooling=2, exercise=0, relation=3),
    person(
        1,
        6,
        15,
        schooling=0,
        grade9_completed=1,
        continued_grade10=0,
        occupation=0,
        income_year=0,
        relation=3,
    ),
    person(1, 7, 70, occupation=0, income_year=0, cared_for=0, relation=4),
    person(
        1, 8, 30, disabled=1, cared_for=1, able_to_work=0, occupation=0, income_year=0, relation=5
    ),
    person(1, 9, 20, schooling=4, occupation=0, income_year=0, relation=3),
    person(2, 10, 50, welfare_card=2),
    person(2, 11, 45, welfare_card=1, relation=2),
    person(3, 12, 35),
]

HOUSEHOLD_COLUMNS = ["i_1_2", "i_1_3", "i_2_1", "i_2_2", "i_2_3", "i_2_4", "i_4_3"]
# serial -> expected person-level statuses; columns not named are not applicable (NULL)
EXPECTED = {
    1: {"i_1_4": 0, "i_3_4": 0, "i_4_1": 0},
    2: {"i_1_1": 1},
    3: {},
    4: {"i_3_1": 1},
    5: {"i_1_4": 1, "i_3_2": 0},
    6: {"i_1_4": 0, "i_3_3": 1, "i_3_4": 0, "i_4_1": 1},
    7: {"i_1_4": 0, "i_4_2": 1, "i_5_1": 1},
    8: {"i_1_4": 0, "i_3_4": 0, "i_5_2": 0},
    9: {"i_1_4": 0, "i_3_4": 0},
    10: {"i_1_4": 0, "i_3_4": 0, "i_4_1": 0},
    11: {"i_1_4": 0, "i_3_4": 0, "i_4_1": 0},
    12: {"i_1_4": 0, "i_3_4": 0, "i_4_1": 0},
}
HOUSE_OF = {m: h for h, ms in {1: range(1, 10), 2: (10, 11), 3: (12,)}.items() for m in ms}
PERSON_COLUMNS = [
    "i_1_1",
    "i_1_4",
    "i_3_1",
    "i_3_2",
    "i_3_3",
    "i_3_4",
    "i_4_1",
    "i_4_2",
    "i_5_1",
    "i_5_2",
]


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    home = tmp_path_factory.mktemp("rules")
    write_landing(home / "landing", YEAR, HOUSEHOLDS, MEMBERS)
    return run_pipeline(home, [YEAR])


def _facts(warehouse, query) -> dict[int, dict]:
    import polars as pl

    keys = pseudonyms(pl.Series([citizen_id(s) for s in EXPECTED]), TEST_KEY.encode(), "person")
    serial_of = dict(zip(keys.to_list(), EXPECTED, strict=True))
    columns = HOUSEHOLD_COLUMNS + PERSON_COLUMNS + ["deprivations", "mpi_poor", "target_poor"]
    rows = query(warehouse, f"SELECT person_key, {', '.join(columns)} FROM core.fact_person")
    return {serial_of[r[0]]: dict(zip(columns, r[1:], strict=True)) for r in rows}


def test_every_person_reaches_the_facts(warehouse, query):
    assert set(_facts(warehouse, query)) == set(EXPECTED)
    assert query(warehouse, "SELECT count(*) FROM core.quarantine") == [(0,)]


@pytest.mark.parametrize("serial", sorted(EXPECTED))
def test_person_level_statuses(warehouse, query, serial):
    got = _facts(warehouse, query)[serial]
    expected = {c: EXPECTED[serial].get(c, NA) for c in PERSON_COLUMNS}
    assert {c: got[c] for c in PERSON_COLUMNS} == expected


def test_household_indicators_count_every_member(warehouse, query):
    facts = _facts(warehouse, query)
    for serial, house in HOUSE_OF.items():
        expected = 1 if house == 2 else 0
        assert [facts[serial][c] for c in HOUSEHOLD_COLUMNS] == [expected] * 7, serial


def test_union_rule_and_target_poor(warehouse, query):
    facts = _facts(warehouse, query)
    for row in facts.values():
        person_fails = sum(v for c, v in row.items() if c.startswith("i_") and v)
        assert row["deprivations"] == person_fails
        assert row["mpi_poor"] == (person_fails > 0)
    assert facts[10]["target_poor"] is True  # MPI-poor and a verified card registrant
    assert facts[11]["mpi_poor"] is True and facts[11]["target_poor"] is False  # not verified
    assert facts[12]["mpi_poor"] is False  # exactly on every threshold


def test_indicator_mart_counts_scope_and_households(warehouse, query):
    rows = dict(
        ((code), (scope, deprived, households))
        for code, scope, deprived, households in query(
            warehouse,
            "SELECT indicator_code, persons_in_scope, persons_deprived, households_deprived "
            "FROM marts.area_indicator WHERE level = 'country' AND age_band = 'all'",
        )
    )
    assert rows["1.1"] == (1, 1, 1)  # one newborn weighed, one with no weight: not applicable
    assert rows["1.2"] == (12, 2, 1)  # household indicator: 2 members of 1 household
    assert rows["3.1"] == (1, 1, 1)
    assert rows["4.1"] == (5, 1, 1)  # 40, 15, 50, 45, 35: the student and the disabled are out
    assert rows["5.2"] == (1, 0, 0)
