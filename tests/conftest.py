"""Shared fixtures: a pipeline run in a temporary CHIPAO_HOME."""

from __future__ import annotations

import csv
import logging
import os
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


def pytest_configure(config):
    """`chipao` commands the tests call in process or in a child process stage with one process
    too (settings_for says why), unless the caller's environment says otherwise."""
    os.environ.setdefault("CHIPAO_WORKERS", "1")


def pytest_collection_modifyitems(items):
    """Under `make test` (pytest-xdist, --dist loadgroup) a module's tests stay on one worker,
    so that its module fixtures (a pipeline run each, some of them) are built once; modules
    that share a session story say so with their own xdist_group mark."""
    for item in items:
        if not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(item.module.__name__))


def settings_for(home: Path, **env: str) -> Settings:
    """One staging process unless a test asks for more: spawning workers costs seconds per run
    on a busy machine, and parallel staging has tests of its own (tests/test_staging_parts.py).
    The key is in a file beside the home: a key reaches Dagster only through the process
    environment or a file (pipelines/resources.py), and the home itself holds no key, as the
    commands run in it without CHIPAO_KEY expect."""
    key_file = home.parent / f".{home.name}.test-key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(TEST_KEY, encoding="utf-8")
    return load_settings(
        {"CHIPAO_HOME": str(home), "CHIPAO_KEY_FILE": str(key_file), "CHIPAO_WORKERS": "1", **env}
    )


def run_pipeline(
    home: Path,
    years: list[int],
    force: bool = False,
    instance: dg.DagsterInstance | None = None,
    listener: logging.Handler | None = None,
    **env: str,
) -> Settings:
    """Run ``years`` in process, in a fresh ephemeral Dagster instance unless one is given (the
    run history is what tells a year whose last run did not publish); ``listener`` gets every
    log record of the runs, as `chipao run`'s display does."""
    settings = settings_for(home, **env)
    if instance is not None:
        run_years(settings, years, instance, lambda _: None, "WARNING", force, listener)
        return settings
    with dg.DagsterInstance.ephemeral() as ephemeral:
        run_years(settings, years, ephemeral, lambda _: None, "WARNING", force, listener)
    return settings


def materialize_marts(settings: Settings, years: list[int], tables: tuple[str, ...]) -> None:
    """The reference tables, then each of ``years`` in turn, up to the ``tables`` it names
    ("marts.area_summary"), without the Great Expectations checks, the exports, the packs or
    publishing: for tests that compare marts, not the whole run (the session's `run` is that).
    The warehouse, not the snapshot, then holds them."""
    from assets.quality import fact_checks, gx_quality
    from assets.warehouse import SURVEY_YEARS
    from pipelines.definitions import ASSETS
    from pipelines.resources import build_resources

    resources = build_resources(settings)
    wanted = dg.AssetSelection.assets(*(table.split(".") for table in tables))
    # the GX checks read the marts, and are most of a run's time
    gx = dg.AssetSelection.checks(*fact_checks.check_keys, *gx_quality.check_keys)
    selection = (
        wanted.upstream() - dg.AssetSelection.groups("reference")
    ).required_multi_asset_neighbors() - gx
    with dg.instance_for_test() as instance:
        dg.materialize(ASSETS, selection="group:reference", resources=resources, instance=instance)
        instance.add_dynamic_partitions(SURVEY_YEARS.name, [str(y) for y in years])
        for year in years:
            dg.materialize(
                ASSETS, selection=selection, partition_key=str(year), resources=resources,
                instance=instance,
            )  # fmt: skip


@pytest.fixture
def query() -> Callable[[Settings, str], list[tuple]]:
    def run(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(settings.published), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    return run


@pytest.fixture
def live_query() -> Callable[[Settings, str], list[tuple]]:
    """As ``query``, on the live warehouse: for homes built by materialize_marts, which publish
    nothing (a module that reads only those overrides ``query`` with this)."""

    def run(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    return run


TINY_YEARS = [2565, 2566]


def break_one_member(folder: Path) -> None:
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
    break_one_member(home / "landing" / "bmn" / "2566")
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


@pytest.fixture(scope="session")
def publish_story(tmp_path_factory) -> dict:
    """The publishing story of tests/stories.py, told once for the tests that read it."""
    from tests.stories import publish_story as tell

    return tell(tmp_path_factory.mktemp("publish"))
