"""Throughput of long work (files read, rows validated) as log lines of one fixed format.

A `Throughput` is advanced as work gets done and logs, at most once per interval, a line such as

    progress 2566 members: 120000/494336 rows, 15234 rows/s, 25 s left

`parse` reads such a line back, so that a display can draw a bar from the run's log without
knowing who wrote it. Self-contained on purpose: nothing here imports Dagster or the pipeline.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

PREFIX = "progress "
_LINE = re.compile(
    r"^progress (?P<label>.+): (?P<done>\d+)/(?P<total>\d+|\?) (?P<unit>\S+), "
    r"(?P<rate>\d+) (?P=unit)/s, (?P<left>\d+ s|\?) left$"
)


@dataclass(frozen=True)
class Reading:
    """One progress line, parsed."""

    label: str
    done: int
    total: int | None
    unit: str
    per_second: int
    seconds_left: int | None

    def line(self) -> str:
        total = "?" if self.total is None else str(self.total)
        left = "?" if self.seconds_left is None else f"{self.seconds_left} s"
        return (
            f"{PREFIX}{self.label}: {self.done}/{total} {self.unit}, "
            f"{self.per_second} {self.unit}/s, {left} left"
        )


def parse(line: str) -> Reading | None:
    """The reading a progress line holds, or None when the line is something else."""
    match = _LINE.match(line.strip())
    if match is None:
        return None
    total, left = match["total"], match["left"]
    return Reading(
        label=match["label"],
        done=int(match["done"]),
        total=None if total == "?" else int(total),
        unit=match["unit"],
        per_second=int(match["rate"]),
        seconds_left=None if left == "?" else int(left.removesuffix(" s")),
    )


class Throughput:
    """Counts work done against an optional total and logs its rate and the time left.

    ``log`` receives each line (a Dagster context's ``log.info``, ``print``, ...); lines come at
    most every ``interval`` seconds, and always for the last unit of the total and on `finish`.
    ``clock`` is injectable so that the lines can be tested without waiting.
    """

    def __init__(
        self,
        label: str,
        total: int | None,
        log: Callable[[str], None],
        interval: float = 5.0,
        unit: str = "rows",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if " " in unit or not unit:
            raise ValueError(f"unit must be one word, got {unit!r}")
        self.label = label
        self.total = total
        self.unit = unit
        self.done = 0
        self._log = log
        self._interval = interval
        self._clock = clock
        self._started = clock()
        self._logged_at = self._started
        self._logged_done: int | None = None

    def reading(self) -> Reading:
        elapsed = self._clock() - self._started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        left = None
        if self.total is not None and rate > 0:
            left = round(max(self.total - self.done, 0) / rate)
        return Reading(self.label, self.done, self.total, self.unit, round(rate), left)

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = self._clock()
        finished = self.total is not None and self.done >= self.total
        if finished or now - self._logged_at >= self._interval:
            self._emit(now)

    def finish(self) -> None:
        """Log the final count, whatever the interval (once: not again if it was just logged)."""
        if self._logged_done != self.done:
            self._emit(self._clock())

    def _emit(self, now: float) -> None:
        self._logged_at, self._logged_done = now, self.done
        self._log(self.reading().line())
