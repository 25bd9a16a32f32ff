"""A changed file replaces the old one's rows in one transaction; a failed write leaves the old
rows whole; the same files again change nothing."""

import duckdb
import pytest

import assets.warehouse
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


@pytest.fixture
def loaded(tmp_path):
    households = [
        household(1, members_declared=1, income_main=100000),
        household(2, members_declared=1, income_main=50000),
    ]
    members = [member(1, 1), member(2, 2)]
    write_landing(tmp_path / "landing", YEAR, households, members)
    return run_pipeline(tmp_path, [YEAR]), households, members


def test_a_changed_file_replaces_the_old_rows(loaded, tmp_path):
    settings, households, members = loaded
    before = _state(settings)
    assert before["staged"] == (2, 150000.0)
    households[1]["income_main"] = "70000"
    write_landing(tmp_path / "landing", YEAR, households, members)
    run_pipeline(tmp_path, [YEAR])
    after = _state(settings)
    assert after["staged"] == (2, 170000.0)  # replaced, not added
    assert after["facts"] == (2, 170000.0)
    assert after["ledger"] != before["ledger"]  # the new file's hash


def test_a_failed_write_leaves_the_old_rows(loaded, tmp_path, monkeypatch):
    settings, households, members = loaded
    before = _state(settings)
    households[1]["income_main"] = "70000"
    write_landing(tmp_path / "landing", YEAR, households, members)
    calls = []

    def insert_then_fail(con, table, rows, year_be):
        calls.append(table)
        if len(calls) == 2:  # households inserted, members not yet: a mix, were it committed
            raise OSError("disk full")
        return original(con, table, rows, year_be)

    original = assets.warehouse._insert
    monkeypatch.setattr(assets.warehouse, "_insert", insert_then_fail)
    with pytest.raises(RunFailed, match="disk full"):
        run_pipeline(tmp_path, [YEAR])
    assert _state(settings) == before


def test_same_files_again_change_nothing(loaded, tmp_path):
    settings, _, _ = loaded
    before = _state(settings)
    run_pipeline(tmp_path, [YEAR], force=True)  # unchanged files are skipped unless forced
    assert _state(settings) == before
