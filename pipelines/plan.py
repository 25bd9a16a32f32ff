"""Which survey years need a run: the one decision `chipao run`, the schedule and the sensor share.

A year needs a run when its input fingerprint (store/inputs.py) is not the one published with
the snapshot, or when its latest run did not publish it (a failed check, a crash): the live
warehouse may then hold rows of it that never passed. Otherwise it is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from assets.publish import INPUTS_TAG, PARTITION_TAG, unpublished_years
from pipelines.recovery import UNFINISHED
from store.inputs import (
    Landing,
    Published,
    YearInputs,
    published_inputs,
    rules_digest,
    year_inputs,
)


@dataclass(frozen=True)
class YearPlan:
    year_be: int
    inputs: YearInputs
    published: Published | None
    unpublished: bool  # its latest run did not publish it

    @property
    def changed(self) -> bool:
        return (
            self.unpublished
            or self.published is None
            or self.published.fingerprint != self.inputs.fingerprint
        )

    @property
    def reason(self) -> str:
        if self.published is None:
            return "not published yet"
        since = f"{self.published.published_at:%Y-%m-%d %H:%M}"
        if self.unpublished:
            return f"its last run did not publish (last published {since})"
        if self.changed:
            return f"inputs changed since {since}"
        return f"inputs unchanged since {since}"

    @property
    def tags(self) -> dict[str, str]:
        """Tags of the run that computes the year: the inputs it was asked for."""
        return {INPUTS_TAG: self.inputs.fingerprint}


def plan_years(
    instance: dg.DagsterInstance,
    landing: Landing,
    snapshot: Path,
    years: Iterable[int],
    key: bytes,
) -> list[YearPlan]:
    published = published_inputs(snapshot)
    unpublished = unpublished_years(instance)
    rules = rules_digest(key)
    return [
        YearPlan(year, year_inputs(landing, year, rules), published.get(year), year in unpublished)
        for year in years
    ]


def years_in_progress(instance: dg.DagsterInstance) -> set[int]:
    """Years with a run queued or under way: asking for another would only queue behind it."""
    runs = instance.get_runs(dg.RunsFilter(statuses=UNFINISHED))
    return {int(r.tags[PARTITION_TAG]) for r in runs if r.tags.get(PARTITION_TAG, "").isdigit()}
