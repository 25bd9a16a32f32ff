"""Case records through the pipeline (the tiny generated sample, whose generator helps some
poor households and makes the help work on some problems), and the fingerprint of case files."""

from pathlib import Path

from assets.storage import LandingZone
from ingest.landing import refused_for, waiting_cases
from measures.cases import OUTCOME_LEVELS
from pipelines.cli import main
from pipelines.status import status_lines
from store.inputs import year_inputs, years_with_files
from tests.conftest import TEST_KEY, TINY_YEARS, settings_for
from tests.handmade import household, member, write_landing

LEVELS = {"country", "region", "province", "district", "subdistrict", "village"}


def test_every_case_row_is_in_fact_case_or_in_quarantine(run, query):
    ((read, staged, held),) = query(run, """
        SELECT sum(rows_read), sum(rows_staged), sum(rows_quarantined)
        FROM core.ingest_ledger WHERE source = 'case_record'""")  # fmt: skip
    assert read > 0 and read == staged + held
    ((facts,),) = query(run, "SELECT count(*) FROM core.fact_case")
    assert facts == staged


def test_the_cases_mart_has_every_level_and_adds_up(run, query):
    rows = query(run, "SELECT DISTINCT year_be, level FROM marts.area_case")
    assert set(rows) == {(y, lvl) for y in TINY_YEARS for lvl in LEVELS}
    # every current household-problem once in the country's row
    for year in TINY_YEARS:
        ((current,),) = query(
            run, "SELECT count(*) FROM core.fact_case WHERE current = 1 AND year_be = ?", [year]
        )
        ((raised, statuses, resolved, helped_solved),) = query(run, """
            SELECT problems_raised, target + helped + solved_by_household + in_progress
                + unreachable, resolved, helped + solved_by_household
            FROM marts.area_case WHERE level = 'country' AND year_be = ?
              AND dimension = 'all' AND indicator_code = 'all'""", [year])  # fmt: skip
        assert raised == current == statuses and 0 < resolved <= helped_solved
    # a province's problems are its districts'
    ((province, districts),) = query(run, """
        SELECT (SELECT sum(problems_raised) FROM marts.area_case WHERE level = 'province'
                  AND dimension = 'all' AND indicator_code = 'all'),
               (SELECT sum(problems_raised) FROM marts.area_case WHERE level = 'district'
                  AND dimension = 'all' AND indicator_code = 'all')""")  # fmt: skip
    assert province == districts


def test_the_outcome_finds_the_effect_the_generator_put_in(run, query):
    rows = query(run, """
        SELECT level, dimension, cases_year_be, helped_households, helped_unlinked,
               helped_followed, difference, ci_low
        FROM marts.area_case_outcome WHERE year_be = 2566""")  # fmt: skip
    assert {r[0] for r in rows} == set(OUTCOME_LEVELS)
    by = {(r[0], r[1]): r for r in rows}
    assert all(r[2] == 2565 for r in rows)
    assert all(r[3] == r[4] + r[5] for r in rows)  # unlinked counted, not dropped
    # synthetic/cases.py: help on health problems works (EFFECT 0.4-0.5), on literacy not at all
    assert by[("country", "health")][7] > 0
    assert by[("country", "health")][6] > by[("country", "education")][6]
    assert not query(run, "SELECT 1 FROM marts.area_case_outcome WHERE year_be = 2565")


def test_a_case_file_changes_its_year_and_the_next_only(tmp_path: Path):
    landing = tmp_path / "landing"
    for year in (2565, 2566, 2567):
        write_landing(landing, year, [household(1)], [member(1, 1)])
    zone = LandingZone(root=str(landing))
    before = {y: year_inputs(zone, y, "rules").fingerprint for y in (2565, 2566, 2567)}
    (landing / "cases" / "2565").mkdir(parents=True)
    (landing / "cases" / "2565" / "50_cases.csv").write_text("house_code\n", encoding="utf-8")
    after = {y: year_inputs(zone, y, "rules").fingerprint for y in (2565, 2566, 2567)}
    assert [before[y] != after[y] for y in (2565, 2566, 2567)] == [True, True, False]
    assert any(f[0] == "cases/2565/50_cases.csv" for f in year_inputs(zone, 2565, "r").files)


def test_case_files_without_their_survey_year_wait_for_it_and_are_not_run(
    tmp_path, monkeypatch, capsys
):
    """cases/2566/ beside an empty bmn/2566/, and cases/2567/ with no bmn/2567/ at all: neither
    is a survey year. They are not run (staging would find no BMN file), `chipao run --years`
    refuses them in one line before anything runs, and the ledger of the years run lists the
    case files as case_outside_layout: waiting for their survey year."""
    monkeypatch.setenv("CHIPAO_HOME", str(tmp_path))
    monkeypatch.setenv("CHIPAO_KEY", TEST_KEY)
    settings = settings_for(tmp_path)
    landing = settings.landing
    write_landing(landing, 2565, [household(1)], [member(1, 1)])
    (landing / "bmn" / "2566" / "households").mkdir(parents=True)  # a folder, but no file
    for year in (2566, 2567):
        (landing / "cases" / str(year)).mkdir(parents=True)
        (landing / "cases" / str(year) / "50_cases.csv").write_text("house_code\n", "utf-8")
    assert years_with_files(LandingZone(root=str(landing))) == [2565]
    listed = {r.file: r for r in refused_for(landing, 2565)}
    for year in (2566, 2567):
        refused = listed[f"cases/{year}/50_cases.csv"]
        assert refused.rule == "case_outside_layout" and refused.source == "case_record"
        assert f"waits for its survey year: bmn/{year}/ has no BMN files" in refused.reason
    waiting = waiting_cases(landing)
    assert [line.split(":")[0] for line in waiting] == [
        str(landing / "cases" / "2566"), str(landing / "cases" / "2567"),
    ]  # fmt: skip
    assert all("not a survey year" in line for line in waiting)
    assert set(waiting) <= set(status_lines(settings))
    assert main(["run", "--years", "2566"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[:2] == waiting
    assert len(err) == 3 and "no landing files for survey year 2566" in err[2]
    assert "nothing was run" in err[2] and not settings.warehouse.exists()
