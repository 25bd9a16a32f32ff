"""Scenarios that several test modules read, told once per session (tests/conftest.py).

The publishing story: one home and one Dagster instance; 2566 published; re-delivered, its
run fails in an asset, then in a blocking check, then in another; 2565 is published
meanwhile; then 2566, fixed, is run again without --force."""

import hashlib
import logging
from pathlib import Path

import dagster as dg
import duckdb
import pytest

import assets.measure_marts
import assets.quality
from pipelines.run import RunFailed
from store.inputs import published_inputs
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


class Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def publish_story(home: Path) -> dict:
    """What each step of the publishing story left (tests/test_publish.py), and the log
    records of its first, good run and of its run whose reconciliation check fails
    (tests/test_display.py)."""
    seen = {"good records": Recorder(), "bad records": Recorder()}
    deliver(home, 2566)
    # the instance is kept: its run history says which year's last run did not publish
    with dg.instance_for_test() as instance, pytest.MonkeyPatch.context() as patch:
        settings = run_pipeline(home, [2566], instance=instance, listener=seen["good records"])
        export = settings.exports / "2566" / "area_summary_village_2566.csv"
        seen["published"] = {
            "snapshot": digest(settings.published),
            "export": digest(export),
            "fingerprint": published_inputs(settings.published)[2566].fingerprint,
        }
        deliver(home, 2566, income=70000)

        def broken(*args, **kwargs):
            raise ValueError("measure failed")

        patch.setattr(assets.measure_marts.areas, "mpi_marts", broken)
        with pytest.raises(RunFailed, match="measure failed"):
            run_pipeline(home, [2566], instance=instance)
        seen["failed asset"] = {"snapshot": digest(settings.published)}
        patch.undo()

        patch.setattr(assets.quality, "run_checks", failing(assets.quality.RECONCILE))
        with pytest.raises(RunFailed, match="gx_reconcile"):
            run_pipeline(home, [2566], instance=instance, listener=seen["bad records"])
        seen["failed check"] = {
            "live income": income(settings.warehouse, 2566),
            "snapshot": digest(settings.published),
            "export": digest(export),
            "fingerprint": published_inputs(settings.published)[2566].fingerprint,
        }
        patch.undo()

        patch.setattr(assets.quality, "run_checks", failing(assets.quality.CONTRACT))
        with pytest.raises(RunFailed, match="gx_contract"):
            run_pipeline(home, [2566], instance=instance)
        patch.undo()
        before = published_inputs(settings.published)
        deliver(home, 2565)
        run_pipeline(home, [2565], instance=instance)
        seen["another year"] = {
            "before": before,
            "after": published_inputs(settings.published),
            "live income 2566": income(settings.warehouse, 2566),
            "published income 2566": income(settings.published, 2566),
            "published income 2565": income(settings.published, 2565),
        }

        # Fixed: the same files run again without --force, because their last run did not
        # publish. An analyst reading the old snapshot meanwhile is not disturbed.
        reader = duckdb.connect(str(settings.published), read_only=True)
        try:
            run_pipeline(home, [2566], instance=instance)
            read_meanwhile = reader.execute(INCOME, [2566]).fetchone()
        finally:
            reader.close()
        # (only now: DuckDB shares one open database per file within a process)
        seen["fixed"] = {
            "read meanwhile": read_meanwhile,
            "published income": income(settings.published, 2566),
            "fingerprint": published_inputs(settings.published)[2566].fingerprint,
            "folder": [p.name for p in settings.published.parent.iterdir()],
        }
    seen["good records"] = seen["good records"].records
    seen["bad records"] = seen["bad records"].records
    return seen
