"""A changed file replaces the old one's rows in one transaction; a failed write leaves the old
rows whole; the same files again change nothing.

One home goes through the three in turn (the same files again, then a change whose write fails,
then the change written), four runs where three separate homes took six; each test reads what
its step left."""

import duckdb
import pytest

import store.tables
from pipelines.run import RunFailed
from tests.conftest import run_pipeline
from tests.handmade import household, member, write_landing

YEAR = 2566


def _state(settings):
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return {
            "staged": con.execute(
                "SELECT count(*), sum(income_main) FROM staging.household"
            ).fetchone(),
            "facts": con.execute(
                "SELECT count(*), sum(income_total) FROM core.fact_household"
            ).fetchone(),
            "ledger": con.execute(
                "SELECT file, sha256 FROM core.ingest_ledger ORDER BY file"
            ).fetchall(),
        }


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    home = tmp_path_factory.mktemp("idempotent")
    households = [
        household(1, members_declared=1, income_main=100000),
        household(2, members_declared=1, income_main=50000),
    ]
    members = [member(1, 1), member(2, 2)]
    write_landing(home / "landing", YEAR, households, members)
    settings = run_pipeline(home, [YEAR])
    seen = {"loaded": _state(settings)}

    run_pipeline(home, [YEAR], force=True)  # unchanged files are skipped unless forced
    seen["same files again"] = _state(settings)

    households[1]["income_main"] = "70000"
    write_landing(home / "landing", YEAR, households, members)
    calls = []
    original = store.tables._insert

    def insert_then_fail(con, table, rows, year_be):
        calls.append(table)
        if len(calls) == 2:  # households inserted, members not yet: a mix, were it committed
            raise OSError("disk full")
        return original(con, table, rows, year_be)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(store.tables, "_insert", insert_then_fail)
        with pytest.raises(RunFailed, match="disk full"):
            run_pipeline(home, [YEAR])
    seen["failed write"] = _state(settings)

    run_pipeline(home, [YEAR])  # the changed file, its failed run behind it
    seen["changed file"] = _state(settings)
    return seen


def test_a_changed_file_replaces_the_old_rows(story):
    before, after = story["loaded"], story["changed file"]
    assert before["staged"] == (2, 150000.0)
    assert after["staged"] == (2, 170000.0)  # replaced, not added
    assert after["facts"] == (2, 170000.0)
    assert after["ledger"] != before["ledger"]  # the new file's hash


def test_a_failed_write_leaves_the_old_rows(story):
    assert story["failed write"] == story["loaded"]


def test_same_files_again_change_nothing(story):
    assert story["same files again"] == story["loaded"]
