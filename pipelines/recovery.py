"""Runs that died (kill -9, a power cut) without telling the Dagster instance.

A dead run stays STARTED and keeps its slot of the `duckdb_writer` pool (limit 1): every later run
would wait for that slot forever. Each run `chipao run` launches carries its process id, host and
the process's start time as tags; at the start of the next `chipao run`, a run still in progress
whose process is gone from this host is marked failed and its slots are freed. Runs launched by
the Dagster daemon carry no such tags: the daemon's run monitoring (dagster.yaml) ends those.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import dagster as dg

PID_TAG = "chipao/pid"
HOST_TAG = "chipao/host"
# the process's start time: a pid reused by another process after a crash is not taken for alive
STARTED_TAG = "chipao/process_started"

UNFINISHED = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def _process_started(pid: int) -> str | None:
    """Clock ticks after boot at which ``pid`` started (Linux); None where /proc is absent."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: count from the last ')'
    return stat.rpartition(")")[2].split()[19]


def process_tags() -> dict[str, str]:
    """Tags naming this process, for each run it launches."""
    pid = os.getpid()
    tags = {PID_TAG: str(pid), HOST_TAG: socket.gethostname()}
    started = _process_started(pid)
    if started is not None:
        tags[STARTED_TAG] = started
    return tags


def _alive(tags: dict[str, str]) -> bool:
    pid = int(tags[PID_TAG])
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process, but alive
    started = tags.get(STARTED_TAG)
    return started is None or _process_started(pid) in (started, None)


def dead_runs(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    """Unfinished runs launched from this host by a process that no longer exists."""
    host = socket.gethostname()
    return [
        run
        for run in instance.get_runs(dg.RunsFilter(statuses=UNFINISHED))
        if run.tags.get(HOST_TAG) == host
        and run.tags.get(PID_TAG, "").isdigit()
        and not _alive(run.tags)
    ]


def recover(instance: dg.DagsterInstance) -> list[str]:
    """Mark dead runs failed and free the pool slots held by finished runs; what was done, one
    line each."""
    lines = []
    for run in dead_runs(instance):
        instance.report_run_failed(
            run,
            f"The process of this run (PID {run.tags[PID_TAG]} on {run.tags[HOST_TAG]}) is gone: "
            "it was killed or the machine stopped. Marked failed by the next `chipao run`.",
        )
        year = run.tags.get("dagster/partition")
        lines.append(
            f"run {run.run_id[:8]}"
            + (f" (survey year {year})" if year else "")
            + f" was interrupted (PID {run.tags[PID_TAG]} is gone): marked failed"
        )
    storage = instance.event_log_storage
    if storage.supports_global_concurrency_limits:
        for run_id in sorted(storage.get_concurrency_run_ids()):
            run = instance.get_run_by_id(run_id)
            if run is None or run.is_finished:
                storage.free_concurrency_slots_for_run(run_id)
                lines.append(f"run {run_id[:8]} held a duckdb_writer slot after it ended: freed")
    return lines
