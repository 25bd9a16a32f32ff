"""Published figures beside the survey's: large disagreements and far-apart poverty rankings."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

import sql
from sources.config import Source
from sources.plausibility import disagreements, rank_gaps, totals_gaps


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute(sql.load("schema"))
    yield con
    con.close()


def _summary(con, rows: list[tuple]) -> None:
    """(level, area_code, households, persons, mpi_poor) of survey year 2566, age band all."""
    frame = pl.DataFrame(rows, schema=["level", "area_code", "households", "persons", "mpi_poor"],
                         orient="row")  # fmt: skip
    con.register("s", frame)
    con.execute(
        "INSERT INTO marts.area_summary SELECT 2023, 2566, level, area_code, area_code, "
        "area_code, NULL, 'all', households, persons, mpi_poor, 0, 0, 0, 0, 1, 1, mpi_poor, "
        "2567, NULL, NULL FROM s"
    )


def _published(con, rows: list[tuple], source: str = "portal") -> None:
    """(level, area_code, measure, value) of 2566."""
    frame = pl.DataFrame(rows, schema=["level", "area_code", "measure", "value"], orient="row")
    con.register("p", frame)
    con.execute(
        "INSERT INTO marts.published_figure (year, year_be, level, area_code, name_th, measure, "
        "value, rolled_up, source) SELECT 2023, 2566, level, area_code, 'ชื่อ ' || area_code, "
        "measure, value, false, ? FROM p",
        [source],
    )


def test_large_disagreements_are_flagged_with_both_values_and_the_source(con):
    _summary(con, [("district", "3001", 1000, 3000, 300), ("district", "3002", 500, 1500, 100)])
    _published(
        con,
        [
            ("district", "3001", "households", 1050.0),  # 5 % apart: fine
            ("district", "3002", "households", 1000.0),  # the survey has half: flagged
            ("district", "3002", "persons", 1500.0),  # equal
            ("district", "3003", "households", 10.0),  # no survey figure: not compared
        ],
    )
    found = disagreements(con)
    assert found.select("area_code", "measure", "source", "published_value", "survey_value"
                        ).rows() == [("3002", "households", "portal", 1000.0, 500.0)]  # fmt: skip
    assert found["relative_gap"][0] == pytest.approx(-0.5)


def test_provinces_ranking_far_from_the_published_poverty_ranking_are_listed(con):
    codes = [str(c) for c in range(30, 50)]  # 20 provinces
    # the survey's MPI-poor rate falls with the code; the published rate does too, except for
    # province 30, the poorest in the survey and the least poor in the published ranking
    _summary(con, [("province", c, 100, 1000, 500 - 10 * i) for i, c in enumerate(codes)])
    published = [("province", c, "poverty_rate", 40.0 - i) for i, c in enumerate(codes)]
    published[0] = ("province", "30", "poverty_rate", 1.0)
    _published(con, published, source="nso_poverty")
    listed = rank_gaps(con)
    assert listed.select("area_code", "mpi_poor_rank", "published_rank", "provinces").rows() == [
        ("30", 1, 20, 20)
    ]
    assert listed["source"][0] == "nso_poverty" and listed["name_th"][0] == "ชื่อ 30"


def test_national_totals_are_checked_at_the_country_and_every_level(con):
    _published(
        con,
        [("district", "3001", "persons", 60.0), ("district", "5001", "persons", 40.0),
         ("province", "30", "persons", 60.0), ("province", "50", "persons", 40.0),
         ("country", "TH", "persons", 100.0)],
        source="tpmap",
    )  # fmt: skip
    right = Source("tpmap", "tpmap", {"survey_year_be": 2566, "totals": {"persons": 100}})
    assert totals_gaps(con, [right]) == []
    wrong = Source("tpmap", "tpmap", {"survey_year_be": 2566, "totals": {"persons": 101}})
    gaps = totals_gaps(con, [wrong])
    assert "tpmap persons: country 100.0 != 101" in gaps
    assert "tpmap persons: district sums to 100.0, not 101" in gaps


def test_the_measure_marts_take_the_lines_of_the_named_source(con, monkeypatch):
    from schemas import catalog
    from store import areas

    assert areas.published_lines(con) is None  # survey_rules.yaml: the typed lines
    rows = [("country", "TH", "poverty_line_monthly", 3000.0),
            ("region", "4", "poverty_line_monthly", 2500.0)]  # fmt: skip
    _published(con, rows, source="nso_poverty_line")
    monkeypatch.setattr(catalog, "poverty_line_source", lambda: "nso_poverty_line")
    section = areas.published_lines(con)
    assert section == {"national": {2566: 3000.0}, "regional_year": 2566,
                       "national_in_regional_year": 3000.0, "regional": {"4": 2500.0}}  # fmt: skip
    assert catalog.poverty_line(2566, "4", section) == 12 * 2500.0
