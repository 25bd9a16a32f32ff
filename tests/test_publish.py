"""The analysts' snapshot is replaced only by a year that passed everything, atomically; a failed
run, whatever failed, leaves the last good snapshot (and exports) in place."""

import hashlib

import dagster as dg
import duckdb
import pytest

import assets.measure_marts
import assets.quality
from assets.inputs import published_inputs
from pipelines.run import RunFailed
from tests.conftest import run_pipeline
from tests.handmade import household, member, write_landing

INCOME = "SELECT sum(income_main) FROM staging.household WHERE year_be = ?"


def deliver(settings_home, year, income=100000):
    households = [
        household(1, survey_year=year, income_main=income),
        household(2, survey_year=year, income_main=50000),
    ]
    members = [member(1, 1, survey_year=year), member(2, 2, survey_year=year)]
    write_landing(settings_home / "landing", year, households, members)


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def income(path, year) -> float:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(INCOME, [year]).fetchone()[0]


@pytest.fixture
def published(tmp_path):
    """2566 run and published; the instance is kept: its run history says which year's last run
    did not publish."""
    deliver(tmp_path, 2566)
    with dg.instance_for_test() as instance:
        yield run_pipeline(tmp_path, [2566], instance=instance), instance


def failing(check_name):
    """run_checks, with ``check_name`` failing whatever the data."""
    original = assets.quality.run_checks

    def run_checks(*args, **kwargs):
        return [
            dg.AssetCheckResult(
                check_name=r.check_name,
                asset_key=r.asset_key,
                passed=r.passed and r.check_name != check_name,
                severity=r.severity,
                metadata=r.metadata,
            )
            for r in original(*args, **kwargs)
        ]

    return run_checks


def test_a_failed_blocking_check_leaves_the_last_good_snapshot_and_exports(published, monkeypatch):
    settings, instance = published
    snapshot = digest(settings.published)
    export = settings.exports / "2566" / "area_summary_village_2566.csv"
    exported = digest(export)
    fingerprint = published_inputs(settings.published)[2566].fingerprint
    deliver(settings.home, 2566, income=70000)
    monkeypatch.setattr(assets.quality, "run_checks", failing(assets.quality.RECONCILE))
    with pytest.raises(RunFailed, match="gx_reconcile"):
        run_pipeline(settings.home, [2566], instance=instance)
    assert income(settings.warehouse, 2566) == 120000.0  # the marts were rebuilt, then checked
    assert digest(settings.published) == snapshot
    assert digest(export) == exported  # exports wait for the checks too
    assert published_inputs(settings.published)[2566].fingerprint == fingerprint

    # Fixed: the same files run again without --force, because their last run did not publish.
    # An analyst reading the old snapshot meanwhile is not disturbed.
    monkeypatch.undo()
    reader = duckdb.connect(str(settings.published), read_only=True)
    try:
        run_pipeline(settings.home, [2566], instance=instance)
        assert reader.execute(INCOME, [2566]).fetchone() == (150000.0,)
    finally:
        reader.close()
    # (only now: DuckDB shares one open database per file within a process)
    assert income(settings.published, 2566) == 120000.0
    assert published_inputs(settings.published)[2566].fingerprint != fingerprint
    assert [p.name for p in settings.published.parent.iterdir()] == ["warehouse.duckdb"]


def test_a_failed_asset_leaves_the_last_good_snapshot(published, monkeypatch):
    settings, instance = published
    snapshot = digest(settings.published)
    deliver(settings.home, 2566, income=70000)

    def broken(*args, **kwargs):
        raise ValueError("measure failed")

    monkeypatch.setattr(assets.measure_marts.areas, "mpi_marts", broken)
    with pytest.raises(RunFailed, match="measure failed"):
        run_pipeline(settings.home, [2566], instance=instance)
    assert digest(settings.published) == snapshot


def test_a_year_that_failed_is_not_published_along_with_another(published, monkeypatch):
    settings, instance = published
    deliver(settings.home, 2566, income=70000)
    monkeypatch.setattr(assets.quality, "run_checks", failing(assets.quality.CONTRACT))
    with pytest.raises(RunFailed, match="gx_contract"):
        run_pipeline(settings.home, [2566], instance=instance)
    monkeypatch.undo()
    before = published_inputs(settings.published)
    deliver(settings.home, 2565)
    run_pipeline(settings.home, [2565], instance=instance)
    after = published_inputs(settings.published)
    assert sorted(after) == [2565, 2566] and 2565 not in before
    assert income(settings.warehouse, 2566) == 120000.0  # the failed rows are in the live file
    assert income(settings.published, 2566) == 150000.0  # but not in the snapshot
    assert income(settings.published, 2565) == 150000.0
    assert after[2566] == before[2566]
