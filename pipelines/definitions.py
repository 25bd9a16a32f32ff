"""The one entry point of the Dagster code location: every asset, job, schedule and resource.

``defs`` is what the webserver, the daemon and `dg check defs` load, built from the environment's
settings; `chipao run` and `chipao pull` build the same location with ``build_defs`` for their
settings and resolve their jobs from it, so that a command runs exactly the jobs the UI shows and
a location that does not load fails the commands too.
"""

import logging

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
from pipelines.settings import Settings, load_settings
from pipelines.source_jobs import SOURCE_JOBS
from sources import config as sources_config
from sources.config import Source

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
    *with_standard_metadata([reference.reference_tables]),
    *YEAR_ASSETS,
    publish.build_publish(YEAR_ASSETS),
    quality.fact_checks,
    quality.gx_quality,
    measure_checks,
]
JOBS = [reference_job, survey_year_job]

# The Python logger a run's events also go to when its run config names the "listener" logger:
# `chipao run` hangs its progress display on it. Without a handler (the webserver's and the
# daemon's runs do not name it) it says nothing.
LISTENER = "chipao.run"
_listener = logging.getLogger(LISTENER)
_listener.setLevel(logging.DEBUG)  # step events are DEBUG
_listener.propagate = False  # the display's, not the root logger's


def build_defs(settings: Settings, sources: list[Source] | None = None) -> dg.Definitions:
    """The code location with the resources of ``settings``; ``sources``: those of the
    settings' sources file (sources.yaml), unless given (`chipao pull` loads the landed ones)."""
    if sources is None:
        sources = sources_config.load(settings.sources_file)
    # the configured sources (sources.yaml): a pull asset each, the figures loaded from landing
    figures, checks = source_assets.build(sources)
    return dg.Definitions(
        assets=[*ASSETS, *with_standard_metadata(figures), *checks],
        jobs=[*JOBS, *SOURCE_JOBS],
        schedules=[nightly_refresh],
        sensors=[landing_years, alert_on_failure],
        resources=build_resources(settings),
        loggers={
            "console": dg.colored_console_logger,
            "listener": dg.LoggerDefinition(
                lambda _: _listener, description="the progress display of `chipao run`"
            ),
        },
    )


defs = build_defs(load_settings())
