"""The tiny generated sample over three survey years through the pipeline's assets: the progress,
targeting, target and panel marts hold every level, and the generator's panel (households
re-registered under a new house code, founded or gone, people who move) exercises every kind of
link, with every household of a year either linked or counted unlinked."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from synthetic import generate
from tests.conftest import materialize_marts, settings_for

ROOT = Path(__file__).parents[1]

YEARS = [2565, 2566, 2567]
LEVELS = {"country", "region", "province", "district", "subdistrict", "village"}
ASSETS_READ = (
    "marts.area_progress",
    "marts.area_targeting",
    "marts.area_transition",
    "marts.area_persistent_deprivation",
    "marts.area_panel",
    "core.household_link",
)


@pytest.fixture(scope="module")
def three(tmp_path_factory):
    home = tmp_path_factory.mktemp("three")
    landing = home / "landing"
    generate("tiny", YEARS, seed=7, out=landing)
    # the demo's targets (make demo): one at every level, down to a village
    (landing / "targets").mkdir()
    shutil.copy(ROOT / "synthetic" / "demo_targets.yaml", landing / "targets" / "TH.yaml")
    settings = settings_for(home)
    # each year in turn up to the marts read here (area_progress writes area_change_factor and
    # area_target too); checks, exports and publishing are the session run's to test
    materialize_marts(settings, YEARS, ASSETS_READ)
    return settings


@pytest.fixture
def query(live_query):
    """This module's marts are in the live warehouse: nothing here is published."""
    return live_query


TABLES = ["area_progress", "area_change_factor", "area_targeting", "area_target",
          "area_transition", "area_persistent_deprivation", "area_panel"]  # fmt: skip


@pytest.mark.parametrize("table", TABLES)
def test_every_level_every_year_after_the_first(three, query, table):
    rows = query(three, f"SELECT year_be, level FROM marts.{table} GROUP BY ALL")
    first = 2565 if table == "area_targeting" else 2566  # the others compare with a year before
    for year in YEARS:
        levels = {level for y, level in rows if y == year}
        assert levels == (LEVELS if year >= first else set()), (table, year)


def test_every_kind_of_link_and_mover_and_the_link_reconciles(three, query):
    rows = query(
        three,
        """
        SELECT p.year_be, p.households, p.households_linked_house_code,
               p.households_linked_members, p.households_unlinked,
               p.previous_households_not_linked, p.persons_moved_household,
               p.persons_moved_village,
               (SELECT count(*) FROM core.fact_household AS h WHERE h.year_be = p.year_be),
               (SELECT count(*) FROM core.household_link AS l WHERE l.year_be = p.year_be)
        FROM marts.area_panel AS p WHERE p.level = 'country' ORDER BY p.year_be""",
    )
    assert [r[0] for r in rows] == [2566, 2567]
    for year, total, code, members, unlinked, gone, moved, moved_village, facts, links in rows:
        assert code > 0 and members > 0 and unlinked > 0 and gone > 0, year
        assert moved > 0 and moved_village > 0, year
        assert total == code + members + unlinked == facts == links, year
        assert members + unlinked < 0.05 * total, year  # a small share, as in life


def test_transitions_add_up_to_the_linked_households(three, query):
    rows = query(
        three,
        """
        SELECT t.year_be, t.dimension,
               t.households_stayed_poor + t.households_left_poverty
                   + t.households_fell_into_poverty + t.households_never_poor,
               t.households_unlinked,
               p.households_linked_house_code + p.households_linked_members,
               p.households_unlinked
        FROM marts.area_transition AS t
        JOIN marts.area_panel AS p USING (year_be, level, area_code)
        WHERE t.age_band = 'all'""",
    )
    assert rows
    assert all(r[2] == r[4] and r[3] == r[5] for r in rows)
