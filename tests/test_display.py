"""The display of `chipao run`: every step of the year as it starts and ends, the ingest's progress
lines, failures and what they held back; plain lines when the output is not a terminal. It
replays the log records of two runs (a good one, one whose blocking check fails) into it."""

import io

import pytest
from rich.console import Console

from pipelines.display import RunDisplay

pytestmark = pytest.mark.xdist_group("publish_story")  # with tests/test_publish.py

STEPS = [
    "staging_bmn",
    "core/fact_household",
    "core/fact_person",
    "fact_checks",
    "measure_marts",
    "gx_quality",
    "exports/area_files",
    "published/warehouse",
]


def replay(records, display: RunDisplay) -> None:
    with display:
        for record in records:
            display.handle(record)


@pytest.fixture(scope="module")
def recorded(publish_story):
    """The log records of one good run of 2566 and of one whose reconciliation check fails: two
    runs of the publishing story (tests/stories.py), told once for both modules."""
    return publish_story["good records"], publish_story["bad records"]


def test_plain_lines_name_each_step_of_the_year_in_order(recorded):
    out = io.StringIO()
    replay(recorded[0], RunDisplay(file=out))
    lines = out.getvalue().splitlines()
    assert "\x1b" not in out.getvalue()  # no terminal control characters in a pipe
    for step in STEPS:
        started, done = f"2566 {step}: started", f"2566 {step}: done in "
        assert started in lines
        assert any(line.startswith(done) for line in lines), step
        ends = [i for i, line in enumerate(lines) if line.startswith(done)]
        assert lines.index(started) < ends[0]
    assert lines[-1].startswith("2566 published/warehouse: done in ")
    assert "reference_tables: started" in lines  # the reference run, which has no year
    # the ingest's own throughput lines: files against the total, rows read per second
    assert any(line.startswith("2566 staging_bmn: files: 2/2 files, ") for line in lines)
    assert any(line.startswith("2566 staging_bmn: rows: 4/? rows, ") for line in lines)


def test_a_failed_check_shows_what_it_held_back(recorded):
    out = io.StringIO()
    replay(recorded[1], RunDisplay(file=out))
    lines = out.getvalue().splitlines()
    assert "2566 gx_quality: check marts/area_summary gx_reconcile did not pass (ERROR)" in lines
    assert "2566 gx_quality: failed" in lines
    for step in ("exports/area_files", "published/warehouse"):
        assert f"2566 {step}: skipped (a step or blocking check before it failed)" in lines
        assert f"2566 {step}: started" not in lines


def test_on_a_terminal_it_draws_and_still_prints_each_step_once_ended(recorded):
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    replay(recorded[0], RunDisplay(console=console))
    text = out.getvalue()
    assert "\x1b" in text  # drawn
    for step in STEPS:
        assert f"2566 {step}: done in " in text
