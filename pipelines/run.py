"""Materialize the assets in process: reference tables once, then each survey year in turn."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import dagster as dg

from assets.warehouse import SURVEY_YEARS
from pipelines.definitions import ASSETS
from pipelines.jobs import REFERENCE, SURVEY_YEAR_ASSETS
from pipelines.resources import build_resources
from pipelines.settings import Settings


class RunFailed(RuntimeError):
    pass


def _root_cause(error) -> str:
    """Dagster wraps the asset's exception; the user needs the innermost message."""
    while error.cause is not None:
        error = error.cause
    return error.message.strip()


def _materialize(
    selection, settings, instance, partition_key=None, log_level="INFO"
) -> dg.ExecuteInProcessResult:
    result = dg.materialize(
        ASSETS,
        selection=selection,
        partition_key=partition_key,
        resources=build_resources(settings),
        instance=instance,
        raise_on_error=False,
        # Dagster's step events are DEBUG: the console shows the assets' own progress lines
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
    )
    if not result.success:
        failures = [
            f"{e.step_key}: {_root_cause(e.event_specific_data.error)}"
            for e in result.all_events
            if e.is_step_failure and e.event_specific_data and e.event_specific_data.error
        ]
        raise RunFailed("; ".join(failures) or "the run failed; see the log above")
    return result


def run_years(
    settings: Settings,
    years: Sequence[int],
    instance: dg.DagsterInstance,
    progress: Callable[[str], None] = print,
    log_level: str = "INFO",
) -> dict[int, dg.ExecuteInProcessResult]:
    """Materialize the reference tables, then each survey year; the results by year."""
    started = time.perf_counter()
    results = {}
    progress("reference tables: areas, abolished codes, catalogs ...")
    _materialize(REFERENCE, settings, instance, log_level=log_level)
    instance.add_dynamic_partitions(SURVEY_YEARS.name, [str(y) for y in years])
    for n, year in enumerate(years, start=1):
        t0 = time.perf_counter()
        progress(f"survey year {year} ({n}/{len(years)}): ingest, facts, marts, exports ...")
        results[year] = _materialize(
            SURVEY_YEAR_ASSETS, settings, instance, partition_key=str(year), log_level=log_level
        )
        progress(f"survey year {year} done in {time.perf_counter() - t0:.1f}s")
    progress(f"all done in {time.perf_counter() - started:.1f}s")
    return results
