"""The household panel (sql/panel/, assets/panel.py) on hand-built households across three
years: a household whose house code changed is linked by its members, a new household is
counted as unlinked, a household that disappears is counted where it was, a person who moved
is seen moving."""

import duckdb
import polars as pl
import pytest

from assets.panel import panel_frames
from assets.reference import catalog_rows
from schemas import catalog
from store.areas import previous_year
from store.tables import ensure_schema

V1, V2 = "50010101", "50010102"
INDICATORS = [i.column for i in catalog.indicators()]
# year -> (household key, village, [(person key, age, deprived indicator or None)])
HOUSEHOLDS = {
    2565: [(1, V1, [(11, 30, None), (12, 4, "i_1_1")]),   # A: poor (health)
           (2, V1, [(21, 40, "i_1_1"), (22, 10, None)]),  # B: poor (health)
           (4, V2, [(41, 70, None)])],                    # D: gone after 2565
    2566: [(1, V1, [(11, 31, None), (12, 5, None)]),      # A: left poverty
           (2, V1, [(21, 41, "i_1_1"), (22, 11, None)]),  # B: stayed poor
           (3, V2, [(31, 25, None)])],                    # C: new, unlinked
    2567: [(1, V1, [(11, 32, None)]),                     # A: never poor; 12 moved to C
           (22, V1, [(21, 42, "i_1_1"), (22, 12, None)]), # B under a new house code
           (3, V2, [(31, 26, "i_2_1"), (12, 6, None)])],  # C: fell into poverty (living)
}  # fmt: skip


def band(age: int) -> str:
    return next(b.code for b in catalog.age_bands() if b.min_age <= age <= (b.max_age or 999))


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect()
    ensure_schema(con)
    con.register("dims", catalog_rows()[1])
    con.execute("INSERT INTO core.dim_indicator BY NAME FROM dims")
    persons, households = [], []
    for year, rows in HOUSEHOLDS.items():
        for house, village, members in rows:
            households.append({"year": year - 543, "year_be": year, "household_key": house,
                               "village_code": village, "members": len(members),
                               "members_declared": len(members), "income_total": 1e5,
                               "income_per_capita": 1e5 / len(members)})  # fmt: skip
            for n, (person, age, failed) in enumerate(members):
                status = {c: int(c == failed) for c in INDICATORS}
                own = {f"own_{c}": v for c, v in status.items()}
                blank = {f"blank_{c}": 0 for c in INDICATORS}
                persons.append({"year": year - 543, "year_be": year, "person_key": person,
                                "household_key": house, "village_code": village, "sex": 1,
                                "age": age, "age_band": band(age), "disabled": 0,
                                "welfare_card": 0, "income_per_capita": 5e4, **status, **own,
                                **blank, "first_in_household": n == 0, "first_in_band": True,
                                "deprivations": int(failed is not None),
                                "deprivations_own": int(failed is not None),
                                "mpi_poor": failed is not None,
                                "mpi_poor_own": failed is not None,
                                "target_poor": False})  # fmt: skip
    for table, rows in (("fact_person", persons), ("fact_household", households)):
        con.register("rows", pl.DataFrame(rows))
        con.execute(f"INSERT INTO core.{table} BY NAME FROM rows")
        con.unregister("rows")
    return con


def at(frame: pl.DataFrame, level: str = "country", **keys) -> dict:
    found = frame.filter(pl.col("level") == level, *(pl.col(k) == v for k, v in keys.items()))
    assert found.height == 1, keys
    return found.row(0, named=True)


def test_the_previous_year_is_the_latest_before(con):
    assert previous_year(con, 2567) == 2566 and previous_year(con, 2565) is None


def link_rows(con, year_be: int, previous: int) -> pl.DataFrame:
    """The link rows panel_frames leaves in the connection's temporary table."""
    panel_frames(con, year_be, previous)
    return con.sql("FROM household_link").pl()


def test_links_by_house_code_then_by_members(con):
    link = link_rows(con, 2567, 2566)
    links = {r[0]: (r[1], r[2]) for r in link.select("household_key", "prev_household_key",
                                                     "link").iter_rows()}  # fmt: skip
    assert links == {1: (1, "house_code"), 3: (3, "house_code"), 22: (2, "members")}
    first = link_rows(con, 2566, 2565)
    assert dict(first.select("household_key", "link").iter_rows()) == {
        1: "house_code", 2: "house_code", 3: "unlinked"}  # fmt: skip


def test_transitions_across_three_years(con):
    y2566 = panel_frames(con, 2566, 2565)["marts.area_transition"]
    r = at(y2566, age_band="all", dimension="all")
    assert (r["households_left_poverty"], r["households_stayed_poor"],
            r["households_unlinked"], r["households_fell_into_poverty"],
            r["households_never_poor"]) == (1, 1, 1, 0, 0)  # fmt: skip
    assert r["persons_unlinked"] == 1 and r["persons_left_poverty"] == 2
    y2567 = panel_frames(con, 2567, 2566)["marts.area_transition"]
    # B stayed poor under its new house code (health); C fell into poverty (living)
    assert at(y2567, age_band="all", dimension="health")["households_stayed_poor"] == 1
    assert at(y2567, age_band="all", dimension="health")["households_never_poor"] == 2
    living = at(y2567, age_band="all", dimension="living")
    assert living["households_fell_into_poverty"] == 1 and living["persons_fell_into_poverty"] == 2
    r = at(y2567, age_band="all", dimension="all")
    assert (r["households_stayed_poor"], r["households_fell_into_poverty"],
            r["households_never_poor"], r["households_unlinked"]) == (1, 1, 1, 0)  # fmt: skip
    # households counted once per band with a member in it: C has a 6-year-old and a 26-year-old
    assert at(y2567, age_band="6-14", dimension="all")["households_fell_into_poverty"] == 1
    village = at(y2567, "village", area_code=V2, age_band="all", dimension="all")
    assert village["households_fell_into_poverty"] == 1 and village["households_stayed_poor"] == 0


def test_persistent_deprivations_follow_the_changed_house_code(con):
    persistent = panel_frames(con, 2567, 2566)["marts.area_persistent_deprivation"]
    r = at(persistent, indicator_code="1.1")
    assert (r["households_deprived_before"], r["households_deprived"],
            r["households_deprived_both_years"], r["persistence"]) == (1, 1, 1, 1.0)  # fmt: skip
    assert at(persistent, indicator_code="2.1")["households_deprived_both_years"] == 0


def test_movers_and_households_nobody_links_to(con):
    panel = panel_frames(con, 2567, 2566)["marts.area_panel"]
    r = at(panel)
    assert (r["households"], r["households_linked_house_code"], r["households_linked_members"],
            r["households_unlinked"]) == (3, 2, 1, 0)  # fmt: skip
    assert (r["persons_followed"], r["persons_moved_household"], r["persons_moved_village"]) == (
        5, 1, 1)  # fmt: skip
    assert at(panel, "village", area_code=V2)["persons_moved_village"] == 1
    first = panel_frames(con, 2566, 2565)["marts.area_panel"]
    # D left the panel after 2565: counted in its 2565 village, not lost
    assert at(first)["previous_households_not_linked"] == 1
    assert at(first, "village", area_code=V2)["previous_households_not_linked"] == 1
    assert at(first)["households_unlinked"] == 1 and at(first)["prev_year_be"] == 2565
