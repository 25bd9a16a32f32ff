"""Run the pipeline in process: the reference tables, then each survey year that needs it.

The runs are those of the code location's jobs (`refresh_reference`, `refresh_survey_year`), so
they show in the UI as the schedule's do. Before anything, runs killed earlier are cleaned up
(pipelines/recovery.py); a year whose inputs are unchanged since it was published is skipped
(pipelines/plan.py) unless ``force``.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

import sql
from assets.storage import LandingZone
from assets.warehouse import SURVEY_YEARS
from ingest.landing import ce_folder_hint, has_survey
from ingest.pseudonymise import load_key
from pipelines.alerts import root_cause
from pipelines.definitions import LISTENER, build_defs
from pipelines.jobs import reference_job, survey_year_job
from pipelines.plan import plan_years
from pipelines.recovery import process_tags, recover
from pipelines.settings import Settings


class RunFailed(RuntimeError):
    pass


class NoLandingFiles(ValueError):
    """Asked for survey years that have no landing files: nothing was run."""


_HOLDER = re.compile(r"held in (\S+) \(PID (\d+)\)")


def explain(message: str, settings: Settings) -> str:
    """A failure's message on one line, and the one users cause themselves in their terms."""
    if "Could not set lock on file" in message and str(settings.warehouse) in message:
        holder = _HOLDER.search(message)
        holder = f" ({Path(holder[1]).name}, PID {holder[2]})" if holder else ""
        return (
            f"the live warehouse {settings.warehouse} is open in another program{holder}: close "
            f"it and run again; analysts read the published snapshot {settings.published} "
            "(`chipao sql`, notebooks), which a run never locks"
        )
    return " ".join(message.split())


_BLOCKED = re.compile(r"blocking asset checks? failed with \w+ severity: (?P<checks>.+)$")


def blocked_year(message: str, warehouse: Path, year_be: int) -> str:
    """A year stopped by a blocking check, in one line: which check, which file most likely
    caused it (the ingest ledger of the year: held whole, or most rows quarantined) and what
    to send instead; not Dagster's exception class. Other failures pass as they are."""
    found = _BLOCKED.search(message)
    if found is None:
        return message
    checks = found["checks"].strip().replace(": ", " ")
    line = f"survey year {year_be} was not published: the blocking check {checks} failed"
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            held = con.execute(sql.load("staging/held_files"), {"year_be": year_be}).fetchall()
    except duckdb.Error:
        held = []
    if not held:
        return f"{line}; no delivered file was held (`chipao status --files`, the quality page)"
    file, error, rows_read, quarantined, _, advice = held[0]
    whole = error is not None and quarantined >= rows_read
    said = advice is not None and error is not None and error in advice  # the message quotes it
    what = (
        ("held whole" if said else f"held whole ({error})")
        if whole
        else f"{quarantined:,} of {rows_read:,} rows quarantined"
    )
    others = f" (and {len(held) - 1} more: `chipao status --files`)" if len(held) > 1 else ""
    return f"{line}, because {file} was {what}; {advice or 'send a corrected file'}{others}"


@contextmanager
def _run_config(log_level: str, listener: logging.Handler | None) -> Iterator[dict]:
    """The run config of the console's level and, with a ``listener``, the listener logger of
    the code location, which passes every record to it while the runs last."""
    config: dict = {"console": {"config": {"log_level": log_level}}}
    if listener is None:
        yield {"loggers": config}
        return
    logger = logging.getLogger(LISTENER)
    logger.addHandler(listener)
    try:
        yield {"loggers": {**config, "listener": {}}}
    finally:
        logger.removeHandler(listener)


def execute(
    defs, run_config, job_name, settings, instance, tags, partition_key=None
) -> dg.ExecuteInProcessResult:
    """Run one job of ``defs`` in this process; RunFailed names each failed step's root cause
    in one line (the sources' load in pipelines/pull.py runs its job the same way)."""
    result = defs.resolve_job_def(job_name).execute_in_process(
        run_config=run_config,
        instance=instance,
        partition_key=partition_key,
        tags=tags,
        raise_on_error=False,
    )
    if not result.success:
        failures = [
            f"{e.step_key}: {explain(root_cause(e.event_specific_data.error), settings)}"
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
    force: bool = False,
    listener: logging.Handler | None = None,
) -> dict[int, dg.ExecuteInProcessResult]:
    """Materialize the reference tables, then each survey year that changed (every one when
    ``force``); the results of the years run. ``progress`` gets one line per stage; ``listener``
    every log record of the runs (for a display)."""
    started = time.perf_counter()
    for line in recover(instance):  # before anything waits for a slot a dead run holds
        progress(line)
    landing = LandingZone(root=str(settings.landing))
    missing = [y for y in years if not has_survey(landing.bmn_files(y))]
    if missing:
        folder = settings.landing / "bmn" / str(missing[0])
        hints = [h for y in missing if (h := ce_folder_hint(settings.landing, y))]
        raise NoLandingFiles(
            f"no landing files for survey year {', '.join(map(str, missing))}: expected CSV, "
            f"XLSX or Parquet files in {folder}/households/ and members/ (docs/input.md, "
            "'Input layout'); nothing was run" + "".join(f"; {h}" for h in hints)
        )
    plans = plan_years(
        instance, landing, settings.published, years, load_key(settings.key, settings.key_file)
    )
    todo = [p for p in plans if force or p.changed]
    for plan in plans:
        if plan not in todo:
            progress(f"{plan.year_be}: {plan.reason}, skipped")
    results: dict[int, dg.ExecuteInProcessResult] = {}
    if todo:
        defs = build_defs(settings)
        tags = process_tags()
        with _run_config(log_level, listener) as run_config:
            progress("reference tables: areas, abolished codes, catalogs ...")
            execute(defs, run_config, reference_job.name, settings, instance, tags)
            instance.add_dynamic_partitions(SURVEY_YEARS.name, [str(p.year_be) for p in todo])
            for n, plan in enumerate(todo, start=1):
                t0 = time.perf_counter()
                why = "--force" if force and not plan.changed else plan.reason
                progress(
                    f"survey year {plan.year_be} ({n}/{len(todo)}, {why}): ingest, facts, marts, "
                    "checks, exports, publish ..."
                )
                try:
                    results[plan.year_be] = execute(
                        defs,
                        run_config,
                        survey_year_job.name,
                        settings,
                        instance,
                        {**tags, **plan.tags},
                        partition_key=str(plan.year_be),
                    )
                except RunFailed as err:
                    raise RunFailed(
                        blocked_year(str(err), settings.warehouse, plan.year_be)
                    ) from None
                progress(f"survey year {plan.year_be} done in {time.perf_counter() - t0:.1f}s")
    progress(f"all done in {time.perf_counter() - started:.1f}s")
    return results


def run_reference(
    settings: Settings,
    instance: dg.DagsterInstance,
    progress: Callable[[str], None] = print,
    log_level: str = "WARNING",
) -> dg.ExecuteInProcessResult:
    """Only the reference tables (areas, abolished codes, catalogs), as a run of their job."""
    for line in recover(instance):  # a dead run's writer slot would hold this one for ever
        progress(line)
    with _run_config(log_level, None) as run_config:
        return execute(
            build_defs(settings), run_config, reference_job.name, settings, instance,
            process_tags(),
        )  # fmt: skip
