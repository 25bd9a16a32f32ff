"""The Dagster code location loads, and its policies hold."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from assets.measure_checks import TABLES as MEASURE_MARTS
from assets.metadata import FRESHNESS, NIGHTLY_GROUPS, OWNERS, table_schema
from assets.publish import PUBLISHED
from assets.sources import PULL_GROUP
from assets.warehouse import SURVEY_YEARS, WRITER_POOL
from pipelines.definitions import ASSETS, YEAR_ASSETS, build_defs, defs
from pipelines.instance import DAGSTER_YAML
from pipelines.jobs import SURVEY_YEAR_ASSETS, nightly_refresh
from pipelines.resources import build_resources
from tests.conftest import settings_for


def test_definitions_load():
    repo = defs.get_repository_def()
    assert repo.get_job("refresh_survey_year").partitions_def.name == "survey_year"
    assert repo.get_job("refresh_reference")
    keys = {key.to_user_string() for key in repo.asset_graph.get_all_asset_keys()}
    assert {
        "core/dim_area",
        "core/fact_person",
        "marts/area_summary",
        "marts/area_indicator",
        "core/quarantine",
        "core/ingest_ledger",
        "exports/area_files",
    } <= keys


def test_every_definition_loads_as_the_webserver_and_the_daemon_load_them():
    """`chipao run` builds a job in process and would run with a clash the UI refuses: loading
    the whole repository (op and graph names unique across jobs, schedules, sensors) is what the
    webserver and the daemon do."""
    repo = defs.get_repository_def()
    repo.load_all_definitions()
    assert {s.name for s in repo.schedule_defs} == {nightly_refresh.name}
    assert {s.name for s in repo.sensor_defs} == {"landing_years", "alert_on_failure"}


def test_dg_check_defs_passes_in_a_fresh_process(tmp_path):
    """The code location as `make dev` and the daemon start it: `dg` reads pyproject's [tool.dg]."""
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path), "CHIPAO_HOME": str(tmp_path / "home")}
    bin_dir = Path(sys.executable).parent
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    done = subprocess.run(
        [str(bin_dir / "dg"), "check", "defs"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "All definitions loaded successfully" in done.stdout + done.stderr


def test_the_ledger_and_the_gx_error_checks_block_and_the_flags_do_not():
    specs = {
        (spec.asset_key.to_user_string(), spec.name): spec
        for asset in ASSETS
        for spec in asset.check_specs
    }
    blocking = {key for key, spec in specs.items() if spec.blocking}
    assert blocking == {
        ("core/ingest_ledger", "rows_reconcile"),
        # every person's row rules in DuckDB (assets/quality.py), no longer a GX sample
        ("core/fact_person", "row_contract"),
        ("marts/area_summary", "gx_contract"),
        ("marts/area_summary", "gx_reconcile"),
        ("marts/area_indicator", "gx_contract"),
        ("marts/area_indicator", "gx_reconcile"),
        ("marts/area_mpi", "measure_invariants"),
        ("marts/area_mpi_component", "measure_invariants"),
        ("marts/area_income_poverty", "measure_invariants"),
        ("marts/area_inequality", "measure_invariants"),
        ("marts/area_theil_decomposition", "measure_invariants"),
        ("marts/area_case", "case_counts_add_up"),
    }
    assert ("marts/area_summary", "gx_yoy_jumps") in specs
    assert ("core/ingest_ledger", "quarantine_share") in specs


def test_publishing_waits_for_every_asset_and_every_blocking_check_of_the_year():
    job = defs.resolve_job_def("refresh_survey_year")
    graph = job.asset_layer.asset_graph
    assert PUBLISHED in graph.get_all_asset_keys()
    upstream = graph.get(PUBLISHED).parent_keys
    assert upstream == {key for asset in YEAR_ASSETS for key in asset.keys}
    # through those, every blocking check runs before it: the step that publishes is the last
    inputs = job.graph.dependencies
    published = next(node for node in inputs if node.name == "published__warehouse")
    blocked_on = {
        dep.output
        for dep_def in inputs[published].values()
        for dep in getattr(dep_def, "asset_check_dependencies", [])
    }
    assert blocked_on == {
        "core__ingest_ledger_rows_reconcile",
        "core__fact_person_row_contract",
        "marts__area_summary_gx_contract",
        "marts__area_summary_gx_reconcile",
        "marts__area_indicator_gx_contract",
        "marts__area_indicator_gx_reconcile",
        *(f"marts__{t}_measure_invariants" for t in MEASURE_MARTS),
        "marts__area_case_case_counts_add_up",
    }


def test_every_survey_year_asset_and_check_is_made_by_the_year_policy():
    """assets/survey_year.py makes them all: partitioned by survey year, in the writer pool,
    with the standard owners, kinds, column schema and freshness; nothing else is partitioned,
    and every other asset or check that opens the warehouse is in the writer pool too."""
    graph = defs.resolve_asset_graph()
    year_keys = SURVEY_YEAR_ASSETS.resolve(graph)
    assert PUBLISHED in year_keys and dg.AssetKey(["core", "fact_person"]) in year_keys
    checked = set()
    for asset in graph.assets_defs:
        keys = set(asset.keys) | {spec.asset_key for spec in asset.check_specs}
        if keys & year_keys:
            assert keys <= year_keys, keys - year_keys
            assert asset.partitions_def == SURVEY_YEARS, asset.node_def.name
            checked |= keys
        else:
            assert asset.partitions_def is None, asset.node_def.name
        if asset.is_executable and PULL_GROUP not in asset.group_names_by_key.values():
            assert asset.op.pool == WRITER_POOL, asset.node_def.name  # pulls write landing only
        for key, spec in asset.specs_by_key.items():
            assert set(OWNERS) <= set(spec.owners) and spec.kinds, key
            if spec.group_name in NIGHTLY_GROUPS:
                assert spec.freshness_policy == FRESHNESS, key
            if table_schema(key) is not None:
                assert spec.metadata["dagster/column_schema"] == table_schema(key), key
    assert checked == year_keys


def test_the_commands_run_the_code_location_that_the_webserver_loads(tmp_path):
    """`chipao run` and `chipao pull` build their Definitions with build_defs, as `defs` is: the
    same assets, checks, jobs, schedules and sensors, only the folders differ."""
    mine = build_defs(settings_for(tmp_path))

    def shape(location: dg.Definitions):
        repo = location.get_repository_def()
        repo.load_all_definitions()
        graph = repo.asset_graph
        return (
            graph.get_all_asset_keys(),
            graph.asset_check_keys,
            {job.name for job in repo.get_all_jobs()},
            {s.name for s in repo.schedule_defs},
            {s.name for s in repo.sensor_defs},
        )

    assert shape(mine) == shape(defs)
    warehouse = mine.resources["warehouse"]
    assert warehouse.path == str(tmp_path / "warehouse.duckdb")


def test_writer_pool_is_limited_to_one_and_telemetry_off():
    assert "default_limit: 1" in DAGSTER_YAML
    assert "enabled: false" in DAGSTER_YAML


def test_nightly_schedule_at_two_in_bangkok():
    assert nightly_refresh.cron_schedule == "0 2 * * *"
    assert nightly_refresh.execution_timezone == "Asia/Bangkok"


def test_nightly_schedule_skips_when_no_year_with_files_is_registered(tmp_path):
    resources = build_resources(settings_for(tmp_path))
    (tmp_path / "landing" / "bmn" / "2599").mkdir(parents=True)  # a folder without files
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("survey_year", ["2599"])  # as older versions left it
        # closed before the instance: the context opens its own on the instance's ref
        with dg.build_schedule_context(instance=instance, resources=resources) as context:
            result = nightly_refresh.evaluate_tick(context)
    assert not result.run_requests
    assert "No survey year with landing files" in result.skip_message
