"""Shared fixtures: a pipeline run in a temporary CHIPAO_HOME."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.run import run_years
from pipelines.settings import Settings, load_settings
from synthetic import generate
from synthetic.generator import GenerationSummary

TEST_KEY = "test-key-" + "0123456789abcdef" * 3


def settings_for(home: Path, **env: str) -> Settings:
    """Settings of a test home, the key in a file beside it: a key reaches Dagster only through
    the process environment or a file (pipelines/resources.py), and the home itself holds no
    key, as the commands run in it without CHIPAO_KEY expect."""
    key_file = home.parent / f".{home.name}.test-key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(TEST_KEY, encoding="utf-8")
    return load_settings({"CHIPAO_HOME": str(home), "CHIPAO_KEY_FILE": str(key_file), **env})


def run_pipeline(
    home: Path,
    years: list[int],
    force: bool = False,
    instance: dg.DagsterInstance | None = None,
    **env: str,
) -> Settings:
    """Run ``years`` in process, in a fresh ephemeral Dagster instance unless one is given (the
    run history is what tells a year whose last run did not publish)."""
    settings = settings_for(home, **env)
    if instance is not None:
        run_years(settings, years, instance, lambda _: None, "WARNING", force=force)
        return settings
    with dg.DagsterInstance.ephemeral() as ephemeral:
        run_years(settings, years, ephemeral, lambda _: None, "WARNING", force=force)
    return settings


@pytest.fixture
def query() -> Callable[[Settings, str], list[tuple]]:
    def run(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(settings.published), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    return run


TINY_YEARS = [2565, 2566]


def _break_one_member(folder: Path) -> None:
    """One member's ID gets a wrong check digit: that row must land in quarantine, not vanish,
    and its household stays (the count declared still matches the rows delivered)."""
    path = next((folder / "members").glob("*.csv"))
    rows = list(csv.reader(path.open(encoding="utf-8")))
    column = rows[0].index("citizen_id")
    good = rows[1][column]
    rows[1][column] = good[:12] + str((int(good[12]) + 1) % 10)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


@pytest.fixture(scope="session")
def tiny_generated(tmp_path_factory) -> GenerationSummary:
    """The generator's summary of the sample `run` puts through the pipeline."""
    home = tmp_path_factory.mktemp("tiny")
    return generate("tiny", TINY_YEARS, seed=7, out=home / "landing")


@pytest.fixture(scope="session")
def run(tiny_generated) -> Settings:
    """The tiny generated sample (one province, two years) through the whole pipeline."""
    home = tiny_generated.out.parent
    _break_one_member(home / "landing" / "bmn" / "2566")
    write_targets(home / "landing")
    return run_pipeline(home, TINY_YEARS)


def write_targets(landing: Path) -> Path:
    """The national centre's targets (measures/targets.py): halve the target poor by 2570,
    nobody MPI-poor by 2566."""
    folder = landing / "targets"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "TH.yaml"
    path.write_text(
        'centre: "TH"\nbaseline_year_be: 2565\ntargets:\n'
        "  - {measure: target_poor_persons, reduce_by: 0.5, by_year_be: 2570}\n"
        "  - {measure: mpi_poor_rate, value: 0, by_year_be: 2566}\n",
        encoding="utf-8",
    )
    return path
