"""The one entry point of the Dagster code location: every asset, job, schedule and resource."""

import dagster as dg

from assets import bmn, exports, facts, marts, measure_marts, panel, publish, quality, reference
from assets import progress as progress_marts
from assets import reports as report_assets
from assets import sources as source_assets
from assets.cases import case_marts
from assets.measure_checks import measure_checks
from assets.metadata import with_standard_metadata
from pipelines.jobs import (
    alert_on_failure,
    landing_years,
    nightly_refresh,
    reference_job,
    survey_year_job,
)
from pipelines.resources import build_resources
from pipelines.settings import load_settings
from pipelines.source_jobs import SOURCE_JOBS
from sources import config as sources_config

# Everything a survey year computes; its snapshot is published after all of them.
YEAR_ASSETS = [
    bmn.staging_bmn,
    facts.fact_household,
    facts.fact_person,
    marts.area_summary,
    marts.area_indicator,
    measure_marts.measure_marts,
    exports.suppressed_cells,
    exports.area_files,
    progress_marts.area_targeting,
    progress_marts.area_progress,
    panel.household_panel,
    report_assets.report_packs,
    case_marts,
]
ASSETS = [
    *with_standard_metadata(
        [reference.reference_tables, *YEAR_ASSETS, publish.build_publish(YEAR_ASSETS)]
    ),
    quality.fact_checks,
    quality.gx_quality,
    measure_checks,
]
# The configured sources (sources.yaml): a pull asset each, the figures loaded from landing.
SOURCE_ASSETS, SOURCE_CHECKS = source_assets.build(
    sources_config.load(load_settings().sources_file)
)
SOURCE_ASSETS = with_standard_metadata(SOURCE_ASSETS)
JOBS = [reference_job, survey_year_job]

defs = dg.Definitions(
    assets=[*ASSETS, *SOURCE_ASSETS, *SOURCE_CHECKS],
    jobs=[*JOBS, *SOURCE_JOBS],
    schedules=[nightly_refresh],
    sensors=[landing_years, alert_on_failure],
    resources=build_resources(load_settings()),
)
