"""What `chipao run` shows while it works: each step of each year as it starts and ends, and a bar
for the files and rows the ingest reports (ingest/progress.py lines).

It is a logging handler on the in-process runs (run.py passes it to Dagster as a logger), so it
sees the same events the run log stores. On a terminal it draws with rich; otherwise (CI, a pipe,
a file) it prints plain lines, without control characters.
"""

from __future__ import annotations

import logging
import sys
from typing import IO, Any

import dagster as dg
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from ingest.progress import Reading, parse

# A step held back by a failed one comes as this message of the engine, not as an event.
SKIPPED_BY_ENGINE = "Dependencies for step "
ENDS = {
    dg.DagsterEventType.STEP_SUCCESS: "done",
    dg.DagsterEventType.STEP_FAILURE: "failed",
    dg.DagsterEventType.STEP_SKIPPED: "skipped (a step or blocking check before it failed)",
}


def _step(step_key: str | None) -> str:
    """`core__fact_person` -> `core/fact_person`: the asset key the docs and the UI use."""
    return (step_key or "run").replace("__", "/")


class RunDisplay(logging.Handler):
    """Use as a context manager around the runs; `line` prints a line of the run layer."""

    def __init__(self, file: IO[str] | None = None, console: Console | None = None) -> None:
        super().__init__(level=logging.DEBUG)  # Dagster logs its step events at DEBUG
        self.file = file or sys.stdout
        self.console = console or Console(file=self.file, highlight=False)
        self.progress: Progress | None = None
        self.steps: dict[str, TaskID] = {}
        self.bars: dict[tuple[str, str], TaskID] = {}

    def __enter__(self) -> RunDisplay:
        if self.console.is_terminal:
            self.progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.fields[detail]}"),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self.progress.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None

    def line(self, text: str) -> None:
        if self.progress is not None:
            self.progress.console.print(text, markup=False, highlight=False)
        else:
            print(text, file=self.file, flush=True)

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None)  # set by Dagster's log manager
        if not meta:
            return
        partition = (meta.get("job_tags") or {}).get("dagster/partition")
        label = (
            f"{partition} {_step(meta.get('step_key'))}"
            if partition
            else _step(meta.get("step_key"))
        )
        event = meta.get("dagster_event")
        if event is not None:
            self._event(label, event)
            return
        message = meta.get("orig_message") or ""
        reading = parse(message)
        if reading is not None:
            self._reading(label, reading)
        elif message.startswith(SKIPPED_BY_ENGINE):
            self.line(f"{label}: {ENDS[dg.DagsterEventType.STEP_SKIPPED]}")
        elif record.levelno >= logging.WARNING:
            self.line(f"{label}: {message}")

    def _event(self, label: str, event: dg.DagsterEvent) -> None:
        if event.event_type == dg.DagsterEventType.STEP_START:
            if self.progress is not None:
                self.steps[label] = self.progress.add_task(label, total=None, detail="")
            else:
                self.line(f"{label}: started")
        elif event.event_type in ENDS:
            end = ENDS[event.event_type]
            if event.event_type == dg.DagsterEventType.STEP_SUCCESS:
                end = f"done in {event.event_specific_data.duration_ms / 1000:.1f}s"
            self._close(label)
            self.line(f"{label}: {end}")
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            if not evaluation.passed:
                self.line(
                    f"{label}: check {evaluation.asset_key.to_user_string()} "
                    f"{evaluation.check_name} did not pass ({evaluation.severity.value})"
                )

    def _reading(self, label: str, reading: Reading) -> None:
        left = "" if reading.seconds_left is None else f", {reading.seconds_left} s left"
        detail = f"{reading.done:,}/{reading.total or '?'} {reading.unit}, " + (
            f"{reading.per_second:,} {reading.unit}/s{left}"
        )
        if self.progress is None:
            self.line(f"{label}: {reading.label}: {detail}")
            return
        key = (label, reading.label)
        if key not in self.bars:
            self.bars[key] = self.progress.add_task(
                f"  {reading.label}", total=reading.total, detail=detail
            )
        self.progress.update(
            self.bars[key], completed=reading.done, total=reading.total, detail=detail
        )

    def _close(self, label: str) -> None:
        if self.progress is None:
            return
        for key in [k for k in self.bars if k[0] == label]:
            self.progress.remove_task(self.bars.pop(key))
        if label in self.steps:
            self.progress.remove_task(self.steps.pop(label))
