"""What the Dagster UI shows: the code location's name, standard metadata on every asset (row
counts, column schemas with descriptions, kinds, owners), checks on the measure marts,
freshness policies, no pop-up, and `chipao status` reading the run history."""

import uuid
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._core.definitions.freshness import TimeWindowFreshnessPolicy

from assets.measure_checks import TABLES, invariant_results
from assets.metadata import ROW_COUNT, descriptions
from pipelines.definitions import defs
from pipelines.instance import prepare_dagster_home
from pipelines.status import SURVEY_YEAR_JOB, last_runs
from tests.conftest import settings_for

ROOT = Path(__file__).parents[1]
# Tables whose every column columns.yaml describes
DESCRIBED = {
    "dim_area", "area_successor", "dim_age_band", "dim_indicator", "landing_file", "household",
    "member", "quarantine", "ingest_ledger", "fact_household", "fact_person", "area_summary",
    "area_indicator", "area_mpi", "area_mpi_component", "area_income_poverty", "area_inequality",
    "area_theil_decomposition", "source_file", "published_figure", "fact_case", "area_case",
    "area_case_outcome",
    # progress and panel (README "Progress marts", "Household panel")
    "area_targeting", "area_progress", "area_change_factor", "area_target", "household_link",
    "area_transition", "area_persistent_deprivation", "area_panel",
}  # fmt: skip


def _specs():
    graph = defs.get_repository_def().asset_graph
    return {key: graph.get(key) for key in graph.get_all_asset_keys()}


def _schema(node) -> dg.TableSchema:
    value = node.metadata["dagster/column_schema"]
    return getattr(value, "schema", value)


def test_dg_names_the_code_location_chipao():
    from dagster_dg_core.context import DgContext

    context = DgContext.for_project_environment(ROOT, {})
    assert context.code_location_name == "chipao"


def test_every_asset_has_kinds_owners_and_warehouse_tables_a_described_schema():
    specs = _specs()
    assert len(specs) >= 20
    for key, node in specs.items():
        assert node.kinds, key
        assert node.owners == ["team:chipao"], key
        if key.path[0] in ("raw", "staging", "core", "marts"):
            schema = _schema(node)
            names = [c.name for c in schema.columns]
            assert names, key
            assert all(c.type for c in schema.columns), key
            if key.path[1] in DESCRIBED:
                assert all(c.description for c in schema.columns), key
            assert all(c.type for c in schema.columns), key
    summary = specs[dg.AssetKey(["marts", "area_summary"])]
    assert summary.kinds == {"duckdb", "great_expectations"}
    columns = {c.name: c for c in _schema(summary).columns}
    assert columns["persons"].type == "bigint"
    assert "union rule" in columns["mpi_poor_persons"].description
    assert {"polars", "pandera"} <= specs[dg.AssetKey(["staging", "member"])].kinds
    # input columns take their label from fields.yaml, statuses from indicators.yaml
    assert descriptions()["citizen_id"].startswith("Citizen ID")
    assert descriptions()["i_1_2"].startswith("Indicator 1.2")


def test_the_nightly_marts_have_a_freshness_policy_and_the_reference_tables_none():
    specs = _specs()
    for key, node in specs.items():
        policy = node.freshness_policy
        if node.group_name in ("marts", "exports", "publish"):  # what the nightly run keeps
            assert isinstance(policy, TimeWindowFreshnessPolicy), key
            assert policy.warn_window.to_timedelta().days == 400
            # 25 months: the UI shows "2 years", distinct from the warning's "a year"
            assert policy.fail_window.to_timedelta().days == 760
        else:  # reference tables, the ingest, the sources: refreshed when they change
            assert policy is None, key
    assert isinstance(specs[dg.AssetKey(["marts", "area_mpi"])].freshness_policy,
                      TimeWindowFreshnessPolicy)  # fmt: skip


def test_each_measure_mart_has_a_blocking_check():
    graph = defs.get_repository_def().asset_graph
    checks = {k.asset_key.path[1]: graph.get_check_spec(k) for k in graph.asset_check_keys
              if k.name == "measure_invariants"}  # fmt: skip
    assert sorted(checks) == sorted(TABLES)
    assert all(spec.blocking for spec in checks.values())


def test_materializations_report_dagsters_row_count(tmp_path):
    from assets.reference import reference_tables
    from pipelines.resources import build_resources

    settings = settings_for(tmp_path)
    result = dg.materialize([reference_tables], resources=build_resources(settings))
    counts = {
        m.asset_key.to_user_string(): m.metadata[ROW_COUNT].value
        for m in result.asset_materializations_for_node("reference_tables")
    }
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        bands = con.execute("SELECT count(*) FROM core.dim_age_band").fetchone()[0]
        areas = con.execute("SELECT count(*) FROM core.dim_area").fetchone()[0]
    assert counts["core/dim_age_band"] == bands == 5
    assert counts["core/dim_area"] == areas > 7000


def test_measure_checks_pass_on_the_tiny_run_and_fail_on_a_broken_mart(run, tmp_path):
    copy = tmp_path / "w.duckdb"
    copy.write_bytes(run.published.read_bytes())
    with duckdb.connect(str(copy)) as con:
        assert all(r.passed for r in invariant_results(con, 2566))
        con.execute(
            "UPDATE marts.area_mpi SET m0 = m0 + 0.01 WHERE year_be = 2566 AND level = 'district'"
        )
        con.execute("UPDATE marts.area_theil_decomposition SET within = within + 0.001")
        results = {r.asset_key.path[1]: r for r in invariant_results(con, 2566)}
    assert not results["area_mpi"].passed
    assert "M0 = H x A" in results["area_mpi"].metadata["broken"].value
    assert "district:" in results["area_mpi"].metadata["broken"].value
    assert not results["area_mpi_component"].passed  # its parts no longer add up to M0
    assert not results["area_theil_decomposition"].passed
    assert results["area_inequality"].passed and results["area_income_poverty"].passed


def test_a_local_instance_shows_no_pop_up(tmp_path):
    home = prepare_dagster_home(tmp_path / "dagster")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert instance.nux_enabled is False
        assert instance.telemetry_enabled is False


@pytest.mark.parametrize(
    ("status", "said"),
    [(dg.DagsterRunStatus.SUCCESS, "succeeded"), (dg.DagsterRunStatus.FAILURE, "failed")],
)
def test_status_reports_the_last_run_of_each_year(tmp_path, status, said):
    settings = settings_for(tmp_path)
    home = prepare_dagster_home(settings.dagster_home)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        for year, run_status in ((2565, dg.DagsterRunStatus.SUCCESS), (2566, status)):
            instance.add_run(
                dg.DagsterRun(
                    job_name=SURVEY_YEAR_JOB,
                    run_id=str(uuid.uuid4()),
                    status=run_status,
                    tags={"dagster/partition": str(year)},
                )
            )
    runs = last_runs(settings, [2565, 2566, 2567])
    assert " succeeded (run " in runs[2565]
    assert f" {said} (run " in runs[2566] and runs[2566].startswith("last run 20")
    assert 2567 not in runs
