"""Indicator rules and TPMAP's counting on hand-built households, through the whole pipeline.

Ages are counted on 31 March 2023 (survey year 2566); a birth date of 1 January (2566 - A)
BE gives age A exactly. Every expected value below is worked out by hand from the rows here
(docs/domain.md §3, §4, §10): TPMAP counts the household, so a member's deprivation makes every
member of the household deprived on that indicator, except indicators 1.1 and 3.3, which TPMAP
counts by person (indicators.yaml `counted_by`).
"""

import pytest

from ingest.pseudonymise import pseudonyms
from tests.conftest import TEST_KEY, materialize_marts, settings_for
from tests.handmade import citizen_id, house_code, household, member, write_landing

YEAR = 2566  # BMN 2566 feeds TPMAP 2567: target poor = MPI-poor registered for the card
NA = None


def born(age: int) -> str:
    return f"01/01/{YEAR - age}"


# Villages in two districts of Chiang Mai: Wiang Haeng (5020, subdistricts 502001-502003, the
# third without data) and Galyani Vadhana (5025, 502501-502503, all three with data).
VILLAGE = {1: "50200101", 2: "50200201", 3: "50250101", 4: "50250201", 5: "50250301"}


def house(serial: int, **fields) -> dict:
    code = house_code(serial, VILLAGE[serial][:4])  # a house code starts with its district
    return household(serial, village_code=VILLAGE[serial], house_code=code, **fields)


def person(house: int, serial: int, age: int, **answers) -> dict:
    defaults = {"birth_date": born(age), "house_code": house_code(house, VILLAGE[house][:4])}
    # answers asked only of some ages are blank unless the case sets them
    if age < 6:
        defaults.update(exercise="", literate="", occupation=0, income_year=0, able_to_work=0)
    if age >= 60:
        defaults.update(literate="")
    return member(house, serial, **{**defaults, **answers})


def bad_id(serial: int) -> str:
    good = citizen_id(serial)
    return good[:12] + str((int(good[12]) + 1) % 10)


HOUSEHOLDS = [
    house(1, members_declared=9, income_main=900000),
    # fails all 7 household indicators: income 60,000 for 2 members = 30,000 per person
    house(
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
    house(
        3,
        members_declared=1,
        income_main=38000,
        drinking_water_lpd=5,
        domestic_water_lpd=45,
    ),
    house(4, members_declared=3, income_main=180000),
    # 70,000 for the 2 members delivered = 35,000 per person: below 38,000. One member row is
    # quarantined (a wrong check digit); divided by the one member staged it would be 70,000.
    house(5, members_declared=2, income_main=70000),
]
MEMBERS = [
    person(1, 1, 40, welfare_card=2),  # deprived on nothing themselves; the household is
    person(1, 2, 0, birth_weight_g=2400, relation=3),
    person(1, 3, 1, relation=3),  # no birth weight recorded: in scope, answer missing
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
    person(1, 7, 70, occupation=0, income_year=0, cared_for=0, relation=4, welfare_card=2),
    # unable to work and disabled: out of 4.1's scope
    person(
        1, 8, 30, disabled=1, cared_for=1, able_to_work=0, occupation=0, income_year=0, relation=5
    ),
    person(1, 9, 20, schooling=4, occupation=0, income_year=0, relation=3),  # a student
    person(2, 10, 50, welfare_card=2),
    person(2, 11, 45, welfare_card=1, relation=2),
    person(3, 12, 35, welfare_card=2),
    # unable to work, neither disabled nor chronically ill, no occupation: in 4.1's scope
    person(4, 13, 35, able_to_work=0, occupation=0, income_year=0),
    # unable to work and chronically ill: out of 4.1's scope
    person(4, 14, 50, able_to_work=0, chronic_illness=1, occupation=0, income_year=0),
    person(4, 15, 25, literate=""),  # literacy not answered: in scope, answer missing
    person(5, 16, 40),
    {**person(5, 17, 38), "citizen_id": bad_id(17)},
]

HOUSEHOLD_COLUMNS = ["i_1_2", "i_1_3", "i_2_1", "i_2_2", "i_2_3", "i_2_4", "i_4_3"]
PERSON_COLUMNS = [
    "i_1_1", "i_1_4", "i_3_1", "i_3_2", "i_3_3", "i_3_4", "i_4_1", "i_4_2", "i_5_1", "i_5_2",
]  # fmt: skip
OWN = {c: f"own_{c}" for c in HOUSEHOLD_COLUMNS + PERSON_COLUMNS}
HOUSE_OF = {
    m: h
    for h, ms in {1: range(1, 10), 2: (10, 11), 3: (12,), 4: (13, 14, 15), 5: (16,)}.items()
    for m in ms
}
# serial -> the person's own statuses on the person indicators; columns not named: NULL
OWN_STATUSES = {
    1: {"i_1_4": 0, "i_3_4": 0, "i_4_1": 0},
    2: {"i_1_1": 1},
    3: {"i_1_1": 0},  # blank birth weight: in scope, not deprived
    4: {"i_3_1": 1},
    5: {"i_1_4": 1, "i_3_2": 0},
    6: {"i_1_4": 0, "i_3_3": 1, "i_3_4": 0, "i_4_1": 1},
    7: {"i_1_4": 0, "i_4_2": 1, "i_5_1": 1},
    8: {"i_1_4": 0, "i_3_4": 0, "i_5_2": 0},
    9: {"i_1_4": 0, "i_3_4": 0},
    10: {"i_1_4": 0, "i_3_4": 0, "i_4_1": 0},
    11: {"i_1_4": 0, "i_3_4": 0, "i_4_1": 0},
    12: {"i_1_4": 0, "i_3_4": 0, "i_4_1": 0},
    13: {"i_1_4": 0, "i_3_4": 0, "i_4_1": 1},
    14: {"i_1_4": 0, "i_3_4": 0},
    15: {"i_1_4": 0, "i_3_4": 0, "i_4_1": 0},  # blank literacy: in scope, not deprived
    16: {"i_1_4": 0, "i_3_4": 0, "i_4_1": 0},
}
# house -> its statuses on the person indicators: 1 if a member is deprived, 0 if a member is
# in scope and none is, NULL if nobody is in scope (the maximum of the members' own statuses)
HOUSE_STATUSES = {
    1: {"i_1_1": 1, "i_1_4": 1, "i_3_1": 1, "i_3_2": 0, "i_3_3": 1, "i_3_4": 0, "i_4_1": 1,
        "i_4_2": 1, "i_5_1": 1, "i_5_2": 0},
    2: {"i_1_4": 0, "i_3_4": 0, "i_4_1": 0},
    3: {"i_1_4": 0, "i_3_4": 0, "i_4_1": 0},
    4: {"i_1_4": 0, "i_3_4": 0, "i_4_1": 1},
    5: {"i_1_4": 0, "i_3_4": 0, "i_4_1": 0},
}  # fmt: skip
HOUSE_FAILS = {1: 0, 2: 1, 3: 0, 4: 0, 5: 0}  # house -> 1.2-2.4 deprived
INCOME_FAILS = {1: 0, 2: 1, 3: 0, 4: 0, 5: 1}  # house -> 4.3 deprived


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """The year's facts and marts of the hand-built households; the rules are what is tested
    here, so no checks of Great Expectations, exports or publishing (the session run's)."""
    home = tmp_path_factory.mktemp("rules")
    write_landing(home / "landing", YEAR, HOUSEHOLDS, MEMBERS)
    settings = settings_for(home)
    materialize_marts(settings, [YEAR], ("marts.area_summary", "marts.area_indicator",
                                         "marts.area_mpi", "core.quarantine"))  # fmt: skip
    return settings


@pytest.fixture
def query(live_query):
    return live_query


def _facts(warehouse, query) -> dict[int, dict]:
    import polars as pl

    keys = pseudonyms(pl.Series([citizen_id(s) for s in HOUSE_OF]), TEST_KEY.encode(), "person")
    serial_of = dict(zip(keys.to_list(), HOUSE_OF, strict=True))
    columns = [
        *HOUSEHOLD_COLUMNS, *PERSON_COLUMNS, *OWN.values(), "blank_i_1_1", "blank_i_3_4",
        "deprivations", "mpi_poor", "deprivations_own", "mpi_poor_own", "target_poor",
        "income_per_capita",
    ]  # fmt: skip
    rows = query(warehouse, f"SELECT person_key, {', '.join(columns)} FROM core.fact_person")
    return {serial_of[r[0]]: dict(zip(columns, r[1:], strict=True)) for r in rows}


def _house_expected(house: int) -> dict[str, int | None]:
    statuses = {c: HOUSE_STATUSES[house].get(c, NA) for c in PERSON_COLUMNS}
    statuses |= {c: HOUSE_FAILS[house] for c in HOUSEHOLD_COLUMNS if c != "i_4_3"}
    return statuses | {"i_4_3": INCOME_FAILS[house]}


def test_every_person_reaches_the_facts_or_quarantine(warehouse, query):
    assert set(_facts(warehouse, query)) == set(HOUSE_OF)
    held = query(warehouse, "SELECT source, rule FROM core.quarantine")
    assert held == [("bmn_member", "citizen_id_check_digit")]


@pytest.mark.parametrize("serial", sorted(OWN_STATUSES))
def test_own_statuses(warehouse, query, serial):
    got = _facts(warehouse, query)[serial]
    expected = {OWN[c]: OWN_STATUSES[serial].get(c, NA) for c in PERSON_COLUMNS}
    assert {OWN[c]: got[OWN[c]] for c in PERSON_COLUMNS} == expected


@pytest.mark.parametrize("serial", sorted(HOUSE_OF))
def test_every_member_carries_the_household_status(warehouse, query, serial):
    got = _facts(warehouse, query)[serial]
    expected = _house_expected(HOUSE_OF[serial])
    assert {c: got[c] for c in expected} == expected


def test_indicator_4_1_excludes_only_the_unable_to_work_who_are_disabled_or_ill(warehouse, query):
    facts = _facts(warehouse, query)
    assert facts[13]["own_i_4_1"] == 1  # unable to work alone: in scope, deprived
    assert facts[14]["own_i_4_1"] is None  # unable to work and chronically ill
    assert facts[8]["own_i_4_1"] is None  # unable to work and disabled


def test_blank_answers_are_in_scope_not_deprived_and_flagged(warehouse, query):
    facts = _facts(warehouse, query)
    assert (facts[3]["own_i_1_1"], facts[3]["blank_i_1_1"]) == (0, 1)
    assert (facts[15]["own_i_3_4"], facts[15]["blank_i_3_4"]) == (0, 1)
    assert facts[2]["blank_i_1_1"] == 0 and facts[1]["blank_i_3_4"] == 0


def test_income_per_head_divides_by_the_members_delivered(warehouse, query):
    facts = _facts(warehouse, query)
    assert facts[16]["income_per_capita"] == 35000  # 70,000 / 2 delivered, 1 quarantined
    assert facts[16]["i_4_3"] == 1 and facts[16]["mpi_poor"] is True
    (row,) = query(warehouse, "SELECT members, members_declared FROM core.fact_household "
                   "WHERE income_total = 70000")  # fmt: skip
    assert row == (1, 2)


def test_union_rule_is_the_household_and_target_poor_follows_tpmap_2567(warehouse, query):
    facts = _facts(warehouse, query)
    for serial, row in facts.items():
        fails = sum(v for v in _house_expected(HOUSE_OF[serial]).values() if v)
        assert row["deprivations"] == fails, serial
        assert row["mpi_poor"] == (fails > 0), serial
        own = [row[OWN[c]] for c in OWN if row[OWN[c]]]
        assert row["mpi_poor_own"] == bool(own), serial
    # member 1 fails nothing themselves, but lives in a household that fails 7 indicators
    assert facts[1]["mpi_poor_own"] is False and facts[1]["mpi_poor"] is True
    assert facts[14]["mpi_poor_own"] is False and facts[14]["mpi_poor"] is True
    assert facts[12]["mpi_poor"] is False  # exactly on every threshold
    # TPMAP 2567 (BMN 2566) counts the MPI-poor registered for the card, verified or not
    target = {s for s, row in facts.items() if row["target_poor"]}
    assert target == {1, 7, 10, 11}  # 12 holds a verified card but is not MPI-poor


def test_summary_counts_persons_of_poor_households(warehouse, query):
    (row,) = query(
        warehouse,
        "SELECT households, persons, mpi_poor_persons, mpi_poor_persons_own, target_poor_persons,"
        " tpmap_year_be FROM marts.area_summary WHERE level = 'country' AND age_band = 'all'",
    )
    # poor households 1, 2, 4, 5: 9 + 2 + 3 + 1 members; deprived themselves: 2, 4, 5, 6, 7
    # of house 1, both of house 2 (household indicators), 13, and 16 (4.3)
    assert row == (5, 16, 15, 9, 4, 2567)
    (band,) = query(
        warehouse,
        "SELECT households, persons, mpi_poor_persons FROM marts.area_summary "
        "WHERE level = 'country' AND age_band = '22-59'",
    )
    assert band == (5, 9, 8)  # members 1, 8 | 10, 11 | 12 | 13, 14, 15 | 16; 12 is not poor


def _indicator_rows(warehouse, query, band: str) -> dict[str, tuple]:
    rows = query(
        warehouse,
        "SELECT indicator_code, counted_by, persons_in_scope, persons_deprived, "
        "households_deprived, answers_missing FROM marts.area_indicator "
        "WHERE level = 'country' AND age_band = ?",
        [band],
    )
    return {code: tuple(rest) for code, *rest in rows}


def test_indicator_mart_counts_as_tpmap(warehouse, query):
    rows = _indicator_rows(warehouse, query, "all")
    # counted by person: the two children aged 1 or less, one underweight, one not weighed
    assert rows["1.1"] == ("person", 2, 1, 1, 1)
    assert rows["3.3"] == ("person", 1, 1, 1, 0)  # the one grade-9 leaver
    # counted by household: every member of the households where it applies / fails
    assert rows["1.2"] == ("household", 16, 2, 1, 0)
    assert rows["1.4"] == ("household", 16, 9, 1, 0)  # everyone lives with someone aged 6+
    assert rows["3.1"] == ("household", 9, 9, 1, 0)
    assert rows["3.2"] == ("household", 9, 0, 0, 0)
    assert rows["3.4"] == ("household", 16, 0, 0, 1)  # member 15 did not answer
    assert rows["4.1"] == ("household", 16, 12, 2, 0)  # houses 1 (member 6) and 4 (member 13)
    assert rows["4.2"] == ("household", 9, 9, 1, 0)
    assert rows["4.3"] == ("household", 16, 3, 2, 0)  # houses 2 and 5
    assert rows["5.1"] == ("household", 9, 9, 1, 0)
    assert rows["5.2"] == ("household", 9, 0, 0, 0)


def test_indicator_mart_counts_households_per_age_band(warehouse, query):
    working = _indicator_rows(warehouse, query, "22-59")
    # members aged 22-59 of the houses with someone in 4.1's scope: 1, 8 | 10, 11 | 12 |
    # 13, 14, 15 | 16; deprived: those of houses 1 and 4
    assert working["4.1"] == ("household", 9, 5, 2, 0)
    assert working["1.1"] == ("person", 0, 0, 0, 0)
    assert working["3.4"] == ("household", 9, 0, 0, 1)
    young = _indicator_rows(warehouse, query, "0-5")
    assert young["1.1"] == ("person", 2, 1, 1, 1)
    assert young["4.1"] == ("household", 3, 3, 1, 0)  # members 2, 3 and 4 of house 1
    youth = _indicator_rows(warehouse, query, "15-21")
    assert youth["4.1"] == ("household", 2, 2, 1, 0)  # members 6 and 9 of house 1


def test_rollups_say_which_child_areas_are_missing(warehouse, query):
    rows = {
        (level, code): rest
        for level, code, *rest in query(
            warehouse,
            "SELECT level, area_code, child_areas, child_areas_expected, rollup_incomplete "
            "FROM marts.area_summary WHERE age_band = 'all'",
        )
    }
    assert rows[("district", "5020")] == [2, 3, True]  # 502003 delivered nothing
    assert rows[("district", "5025")] == [3, 3, False]
    assert rows[("subdistrict", "502001")] == [1, None, None]  # villages are not in dim_area
    assert rows[("country", "TH")] == [1, 4, True]  # four regions surveyed (not Bangkok)
    incomplete = query(
        warehouse,
        "SELECT DISTINCT level, area_code FROM marts.area_indicator "
        "WHERE rollup_incomplete AND level = 'district'",
    )
    assert incomplete == [("district", "5020")]
    for mart, everyone in [
        ("area_mpi", "age_band = 'all'"),
        ("area_income_poverty", "age_band = 'all'"),
        ("area_inequality", "true"),
    ]:
        flags = query(
            warehouse,
            f"SELECT area_code, child_areas, child_areas_expected, rollup_incomplete "
            f"FROM marts.{mart} WHERE level = 'district' AND {everyone}",
        )
        assert set(flags) == {("5020", 2, 3, True), ("5025", 3, 3, False)}, mart
    # an age band with nobody of a village in it does not flag a complete district
    bands = query(
        warehouse,
        "SELECT DISTINCT rollup_incomplete FROM marts.area_mpi WHERE area_code = '5025'",
    )
    assert bands == [(False,)]


def test_mpi_mart_union_rule_counts_the_household(warehouse, query):
    (row,) = query(
        warehouse,
        "SELECT persons, poor_persons FROM marts.area_mpi "
        "WHERE level = 'country' AND age_band = 'all' AND rule = 'tpmap_union'",
    )
    assert row == (16, 15)
