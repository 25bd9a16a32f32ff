"""Jobs, the nightly schedule, the sensor that runs the survey years whose files changed, and
the sensor that alerts when a run fails."""

from pathlib import Path

import dagster as dg

from assets.storage import LandingZone, PseudonymKey
from assets.warehouse import SURVEY_YEARS, Warehouse
from pipelines.alerts import Alert, notify, root_cause
from pipelines.plan import plan_years, years_in_progress
from pipelines.recovery import recover
from pipelines.settings import load_settings
from store.inputs import years_with_files

# read when the code location loads: the daemon's environment (CHIPAO_SENSOR_SECONDS)
SENSOR_SECONDS = load_settings().sensor_seconds

REFERENCE = dg.AssetSelection.groups("reference")
SURVEY_YEAR_ASSETS = dg.AssetSelection.groups("bmn", "core", "marts", "exports", "publish")

# The daemon's runs execute their steps in one process, as `chipao run` (execute_in_process) and
# the bench do: the writer pool runs the steps one at a time anyway, and a process per step
# costs a fresh import of the code location each (5-10 s a step on two busy cores, minutes a
# run), and a memory profile nobody measured.
reference_job = dg.define_asset_job(
    "refresh_reference",
    selection=REFERENCE,
    description="Area hierarchy and catalogs.",
    executor_def=dg.in_process_executor,
)
survey_year_job = dg.define_asset_job(
    "refresh_survey_year",
    selection=SURVEY_YEAR_ASSETS,
    partitions_def=SURVEY_YEARS,
    executor_def=dg.in_process_executor,
    description="Ingest, facts, marts, exports and the published snapshot of one survey year (BE).",
)


def _changed(
    context, landing: LandingZone, warehouse: Warehouse, key: PseudonymKey, years: list[int]
):
    """The plans of ``years`` that need a run and have none under way (a killed `chipao run`
    is not under way: it is failed first, as the next `chipao run` would)."""
    for line in recover(context.instance):
        context.log.info(line)
    busy = years_in_progress(context.instance)
    plans = plan_years(
        context.instance, landing, Path(warehouse.published_path), years, key.secret()
    )
    return [p for p in plans if p.changed and p.year_be not in busy]


@dg.schedule(
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Bangkok",
    job=survey_year_job,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every night at 02:00 Bangkok time, run the survey years whose landing files "
    "(or rules) changed since they were published; years without files are never picked.",
)
def nightly_refresh(
    context: dg.ScheduleEvaluationContext,
    landing: LandingZone,
    warehouse: Warehouse,
    pseudonym_key: PseudonymKey,
):
    registered = set(context.instance.get_dynamic_partitions(SURVEY_YEARS.name))
    years = [y for y in years_with_files(landing) if str(y) in registered]
    if not years:
        return dg.SkipReason(
            "No survey year with landing files registered yet: run `chipao run` or add landing "
            "files (the landing_years sensor registers them)."
        )
    plans = _changed(context, landing, warehouse, pseudonym_key, years)
    if not plans:
        return dg.SkipReason(f"inputs of {years} unchanged since they were published")
    return [dg.RunRequest(partition_key=str(p.year_be), tags=p.tags) for p in plans]


@dg.sensor(
    job=survey_year_job,
    minimum_interval_seconds=SENSOR_SECONDS,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Registers a survey year as a partition when its landing folder gets files, and "
    "runs each year whose files changed since it was published.",
)
def landing_years(
    context: dg.SensorEvaluationContext,
    landing: LandingZone,
    warehouse: Warehouse,
    pseudonym_key: PseudonymKey,
):
    years = years_with_files(landing)
    known = set(context.instance.get_dynamic_partitions(SURVEY_YEARS.name))
    new = [str(y) for y in years if str(y) not in known]
    plans = _changed(context, landing, warehouse, pseudonym_key, years)
    if not new and not plans:
        return dg.SkipReason("no landing file changed since its year was published")
    return dg.SensorResult(
        # one run per set of inputs: a year whose run failed is not launched again every five
        # minutes for the same files (the nightly schedule retries it)
        run_requests=[
            dg.RunRequest(
                partition_key=str(p.year_be),
                run_key=f"{p.year_be}:{p.inputs.fingerprint}",
                tags=p.tags,
            )
            for p in plans
        ],
        dynamic_partitions_requests=[SURVEY_YEARS.build_add_request(new)] if new else [],
    )


def failed_blocking_checks(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """'asset: check' of each blocking check that failed in the run, in the order they ran."""
    events = instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
    failed = []
    for entry in events:
        check = entry.dagster_event.event_specific_data
        if check.blocking and not check.passed and check.severity == dg.AssetCheckSeverity.ERROR:
            failed.append(f"{check.asset_key.to_user_string()}: {check.check_name}")
    return failed


@dg.run_failure_sensor(
    name="alert_on_failure",
    minimum_interval_seconds=min(30, SENSOR_SECONDS),
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="When a run fails (a blocking check failed, a step raised, a run was killed): "
    "a line in CHIPAO_HOME/logs/alerts.log and an e-mail to CHIPAO_ALERT_TO.",
)
def alert_on_failure(context: dg.RunFailureSensorContext):
    run = context.dagster_run
    steps = tuple(
        f"{event.step_key}: {root_cause(event.event_specific_data.error)}"
        for event in context.get_step_failure_events()
        if event.event_specific_data and event.event_specific_data.error
    )
    settings = load_settings()
    alert = Alert(
        run_id=run.run_id,
        job=run.job_name,
        year=run.tags.get("dagster/partition"),
        reason=context.failure_event.message or "the run failed",
        steps=steps,
        checks=tuple(failed_blocking_checks(context.instance, run.run_id)),
        url=settings.ui_url,
    )
    for line in notify(settings, alert):
        context.log.info(line)
