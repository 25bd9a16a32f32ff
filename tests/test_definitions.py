"""The Dagster code location loads, and its policies hold."""

import dagster as dg

from assets.warehouse import WRITER_POOL
from pipelines.definitions import ASSETS, defs
from pipelines.instance import DAGSTER_YAML
from pipelines.jobs import nightly_refresh


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


def test_every_asset_that_writes_duckdb_is_in_the_single_writer_pool():
    for asset in ASSETS:
        for spec in asset.specs:
            assert asset.op.pool == WRITER_POOL, spec.key


def test_writer_pool_is_limited_to_one_and_telemetry_off():
    assert "default_limit: 1" in DAGSTER_YAML
    assert "enabled: false" in DAGSTER_YAML


def test_nightly_schedule_at_two_in_bangkok_refreshes_latest_year():
    assert nightly_refresh.cron_schedule == "0 2 * * *"
    assert nightly_refresh.execution_timezone == "Asia/Bangkok"
    with dg.instance_for_test() as instance:
        instance.add_dynamic_partitions("survey_year", ["2565", "2567", "2566"])
        context = dg.build_schedule_context(
            instance=instance, repository_def=defs.get_repository_def()
        )
        request = nightly_refresh.evaluate_tick(context).run_requests[0]
        assert request.partition_key == "2567"


def test_nightly_schedule_skips_when_no_year_is_registered():
    with dg.instance_for_test() as instance:
        result = nightly_refresh.evaluate_tick(dg.build_schedule_context(instance=instance))
        assert not result.run_requests
        assert "No survey year" in result.skip_message
