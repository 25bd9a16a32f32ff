"""The analysts' snapshot is replaced only by a year that passed everything, atomically; a failed
run, whatever failed, leaves the last good snapshot (and exports) in place.

The publishing story of tests/stories.py is told once (six runs where three separate homes took
eight, and the display's tests read two of them); each test reads what its steps left."""

import pytest

# told once per worker that holds its readers: with the display's tests, on one worker
pytestmark = pytest.mark.xdist_group("publish_story")


def test_a_failed_blocking_check_leaves_the_last_good_snapshot_and_exports(publish_story):
    published, failed = publish_story["published"], publish_story["failed check"]
    assert failed["live income"] == 120000.0  # the marts were rebuilt, then checked
    assert failed["snapshot"] == published["snapshot"]
    assert failed["export"] == published["export"]  # exports wait for the checks too
    assert failed["fingerprint"] == published["fingerprint"]

    fixed = publish_story["fixed"]
    assert fixed["read meanwhile"] == (150000.0,)
    assert fixed["published income"] == 120000.0
    assert fixed["fingerprint"] != published["fingerprint"]
    assert fixed["folder"] == ["warehouse.duckdb"]


def test_a_failed_asset_leaves_the_last_good_snapshot(publish_story):
    assert publish_story["failed asset"]["snapshot"] == publish_story["published"]["snapshot"]


def test_a_year_that_failed_is_not_published_along_with_another(publish_story):
    seen = publish_story["another year"]
    before, after = seen["before"], seen["after"]
    assert sorted(after) == [2565, 2566] and 2565 not in before
    assert seen["live income 2566"] == 120000.0  # the failed rows are in the live file
    assert seen["published income 2566"] == 150000.0  # but not in the snapshot
    assert seen["published income 2565"] == 150000.0
    assert after[2566] == before[2566]
