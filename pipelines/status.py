"""What `chipao status` and the end of `chipao run` print: per survey year, what was read,
staged and quarantined, when it was published, whether its files changed since, and how its
last run went (from the Dagster run history under CHIPAO_HOME/dagster); per file on request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import sql
from pipelines.settings import Settings

SURVEY_YEAR_JOB = "refresh_survey_year"  # pipelines/jobs.py; not imported: Dagster is slow to load
OUTCOMES = {"SUCCESS": "succeeded", "FAILURE": "failed", "CANCELED": "cancelled"}


def ledger_lines(con, every_file: bool = False, years: set[int] | None = None) -> list[str]:
    """Per year: files, rows read = staged + quarantined, the rules that held rows; per file
    (``every_file``) the same."""
    rows = con.execute(sql.load("reports/ingest_ledger")).fetchall()
    rules = dict(con.execute(sql.load("reports/year_rules")).fetchall())
    lines = []
    for year in sorted({r[0] for r in rows} & (years or {r[0] for r in rows})):
        files = [r for r in rows if r[0] == year]
        read, staged, held = (sum(r[i] for r in files) for i in (2, 3, 4))
        reasons = f" ({rules[year]})" if rules.get(year) else ""
        lines.append(
            f"{year}: {len(files)} files, {read:,} rows read, {staged:,} staged, "
            f"{held:,} quarantined{reasons}"
        )
        if every_file:
            for _, file, f_read, f_staged, f_held, why in files:
                lines.append(
                    f"  {file}: {f_read:,} read, {f_staged:,} staged, {f_held:,} quarantined"
                    + (f" ({why})" if why else "")
                )
    return lines


def last_runs(settings: Settings, years: list[int]) -> dict[int, str]:
    """Per year, its latest survey-year run: when it started, how it ended, the failed steps."""
    if not (settings.dagster_home / "history").is_dir():
        return {}
    import dagster as dg

    found = {}
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        for year in years:
            records = instance.get_run_records(
                filters=dg.RunsFilter(
                    job_name=SURVEY_YEAR_JOB, tags={"dagster/partition": str(year)}
                ),
                limit=1,
            )
            if not records:
                continue
            record = records[0]
            run = record.dagster_run
            status = run.status.value
            outcome = OUTCOMES.get(
                status, "still running, or killed" if status == "STARTED" else status.lower()
            )
            if status == "FAILURE":
                failed = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
                steps = sorted({e.step_key for e in failed if e.step_key})
                if steps:
                    outcome += f" at {', '.join(steps)}"
            started = record.start_time or record.create_timestamp.timestamp()
            found[year] = (
                f"last run {datetime.fromtimestamp(started):%Y-%m-%d %H:%M} {outcome} "
                f"(run {run.run_id[:8]})"
            )
    return found


def status_lines(
    settings: Settings, every_file: bool = False, connect: Callable | None = None
) -> list[str]:
    """The per-year summary of `chipao status`: published when, inputs changed since, last run,
    then the ingest ledger (per file with ``every_file``)."""
    from assets.storage import LandingZone
    from ingest.landing import has_survey, waiting_cases
    from store.inputs import published_inputs, rules_digest, year_inputs, years_with_files

    landing = LandingZone(root=str(settings.landing))
    published = published_inputs(settings.published)
    years = sorted(set(years_with_files(landing)) | set(published))
    runs = last_runs(settings, years)
    from ingest.pseudonymise import MissingKeyError, load_key

    try:  # the key is part of the fingerprint: without it, changes cannot be told
        rules = rules_digest(load_key(settings.key, settings.key_file))
    except MissingKeyError:
        rules = None
    lines = ["survey years (the next `chipao run` recomputes what changed)"]
    for year in years:
        done = published.get(year)
        if done is None:
            state = "not published yet"
        else:
            if not has_survey(landing.bmn_files(year)):
                change = "its landing files are gone"
            elif rules is None:
                change = "inputs not compared (no pseudonymisation key: CHIPAO_KEY)"
            elif year_inputs(landing, year, rules).fingerprint == done.fingerprint:
                change = "inputs unchanged"
            else:
                change = "inputs changed since"
            state = f"published {done.published_at:%Y-%m-%d %H:%M} ({done.files} files), {change}"
        run = runs.get(year, "no run recorded")
        lines.append(f"{year}: {state}; {run}")
    lines += waiting_cases(settings.landing)
    if connect is not None and settings.published.exists():
        with connect() as con:
            lines += ["", "rows read = staged + quarantined (rules that held rows)"]
            lines += ledger_lines(con, every_file)
        if not every_file:
            lines.append("(`chipao status --files` lists every file)")
    return lines
