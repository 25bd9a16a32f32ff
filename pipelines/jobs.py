"""Jobs, the nightly schedule, and the sensor that registers new survey years."""

import dagster as dg

from assets.storage import LandingZone
from assets.warehouse import SURVEY_YEARS

REFERENCE = dg.AssetSelection.groups("reference")
SURVEY_YEAR_ASSETS = dg.AssetSelection.groups("bmn", "core", "marts", "exports", "publish")

reference_job = dg.define_asset_job(
    "refresh_reference", selection=REFERENCE, description="Area hierarchy and catalogs."
)
survey_year_job = dg.define_asset_job(
    "refresh_survey_year",
    selection=SURVEY_YEAR_ASSETS,
    partitions_def=SURVEY_YEARS,
    description="Ingest, facts, marts, exports and the published snapshot of one survey year (BE).",
)


@dg.schedule(
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Bangkok",
    job=survey_year_job,
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every night at 02:00 Bangkok time, refresh the latest survey year.",
)
def nightly_refresh(context: dg.ScheduleEvaluationContext):
    years = context.instance.get_dynamic_partitions(SURVEY_YEARS.name)
    if not years:
        return dg.SkipReason(
            "No survey year registered yet: run `chipao run` or add landing files."
        )
    latest = max(years, key=int)
    return dg.RunRequest(partition_key=latest)


@dg.sensor(
    minimum_interval_seconds=300,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Registers a survey year as a partition when its landing folder appears.",
)
def landing_years(context: dg.SensorEvaluationContext, landing: LandingZone):
    known = set(context.instance.get_dynamic_partitions(SURVEY_YEARS.name))
    new = [str(y) for y in landing.years() if str(y) not in known]
    if not new:
        return dg.SkipReason("no new survey year in the landing folder")
    return dg.SensorResult(dynamic_partitions_requests=[SURVEY_YEARS.build_add_request(new)])
