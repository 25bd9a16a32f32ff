"""`chipao pull` and the sources' part of `chipao run`, in process, as runs of the code
location's jobs (`pull_sources`, `load_sources`): they show in the UI like any other run."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import dagster as dg
import duckdb

from assets import sources as source_assets
from pipelines.definitions import build_defs
from pipelines.run import RunFailed, execute
from pipelines.settings import Settings
from pipelines.source_jobs import load_sources_job, pull_sources_job
from sources import config
from sources.run import fingerprint


def configured(settings: Settings, names: Sequence[str] = ()) -> list[config.Source]:
    """The sources of the settings' file (all, or those named); ConfigError says what is wrong."""
    found = config.load(settings.sources_file)
    if names:
        unknown = sorted(set(names) - {s.name for s in found})
        if unknown:
            raise config.ConfigError(
                f"no source {', '.join(unknown)} in {settings.sources_file} "
                f"(configured: {', '.join(s.name for s in found) or 'none'})"
            )
    return found


def pull(
    settings: Settings,
    instance: dg.DagsterInstance,
    names: Sequence[str] = (),
    progress: Callable[[str], None] = print,
    log_level: str = "CRITICAL",
) -> dg.ExecuteInProcessResult | None:
    """Fetch the sources (all, or those named) into landing, then load every landed source;
    the result of the load run (None when nothing has landed)."""
    sources = configured(settings, names)
    if not sources:
        raise config.ConfigError(f"no sources configured in {settings.sources_file}")
    defs = build_defs(settings, sources)
    selection = [source_assets.pull_key(s) for s in sources if not names or s.name in names]
    run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    progress(f"pulling {', '.join(k.path[-1] for k in selection)} ...")
    pulled = defs.resolve_job_def(pull_sources_job.name).execute_in_process(
        run_config=run_config, instance=instance, asset_selection=selection, raise_on_error=False
    )
    failures = [
        f"{e.step_key}: {' '.join(str(e.event_specific_data.error.message).split())}"
        for e in pulled.all_events
        if e.is_step_failure and e.event_specific_data and e.event_specific_data.error
    ]
    # what landed loads even when another source failed: landing keeps its last good files
    progress("loading the landed sources ...")
    loaded = load(settings, instance, log_level, force=True)
    if failures:
        raise RunFailed("; ".join(failures))
    return loaded


def load(
    settings: Settings,
    instance: dg.DagsterInstance,
    log_level: str = "CRITICAL",
    force: bool = False,
):
    """Load the landed sources (no network); nothing when none is configured or landed, or
    (unless ``force``) when what loading reads is unchanged since the published load."""
    sources = [s for s in configured(settings) if _has_files(settings, s)]
    if not sources:
        return None
    if not force and _published_fingerprint(settings) == fingerprint(sources, settings.landing):
        return None
    defs = build_defs(settings, sources)
    run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    return execute(defs, run_config, load_sources_job.name, settings, instance, tags={})


def _published_fingerprint(settings: Settings) -> str | None:
    if not settings.published.exists():
        return None
    with duckdb.connect(str(settings.published), read_only=True) as con:
        try:
            rows = con.execute("SELECT max(fingerprint) FROM core.source_input").fetchall()
        except duckdb.CatalogException:  # a snapshot from before the sources
            return None
    return rows[0][0]


def _has_files(settings: Settings, source: config.Source) -> bool:
    from sources.run import landed_files

    return bool(landed_files(source, settings.landing))
