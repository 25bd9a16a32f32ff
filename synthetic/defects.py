"""Realistic defects in a share of the generated rows, so that a demo shows the
validation at work: some are repaired on the way in, the rest are quarantined with a rule.

Each defect names the rule it should meet (None: normalisation repairs it, the row is staged).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np
import polars as pl

from synthetic.writer import YearFrames

THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def _thai(values: pl.Series) -> pl.Series:
    return values.map_elements(lambda v: v.translate(THAI_DIGITS), return_dtype=pl.Utf8)


def _wrong_check_digit(values: pl.Series) -> pl.Series:
    return values.str.slice(0, 12) + ((values.str.slice(12, 1).cast(pl.Int32) + 1) % 10).cast(
        pl.Utf8
    )


# table -> defect -> (column, change, rule expected)
Change = Callable[[pl.Series], pl.Series]
DEFECTS: dict[str, dict[str, tuple[str, Change, str | None]]] = {
    "households": {
        "thai_digit_village": ("village_code", _thai, None),
        "zero_width_space": ("village_code", lambda s: s + "\u200b", None),
        "negative_income": ("income_main", lambda s: -s - 1, "range"),
        "member_count_off": ("members_declared", lambda s: s + 1, "member_count_mismatch"),
    },
    "members": {
        "thai_digit_birth_date": ("birth_date", _thai, None),
        "impossible_date": ("birth_date", lambda s: pl.Series(["31/02/2530"] * len(s)), "date"),
        "check_digit": ("citizen_id", _wrong_check_digit, "citizen_id_check_digit"),
        "sex_code": ("sex", lambda s: s * 0 + 9, "allowed"),
    },
}


def inject(frames: YearFrames, rate: float, rng: np.random.Generator) -> tuple[YearFrames, Counter]:
    """Give about ``rate`` of each table's rows one defect; count them by kind."""
    counts: Counter = Counter()
    tables = {"households": frames.households, "members": frames.members}
    for table, defects in DEFECTS.items():
        frame = tables[table]
        hit = rng.random(frame.height) < rate
        kinds = rng.integers(0, len(defects), frame.height)
        for number, (kind, (column, change, _)) in enumerate(defects.items()):
            rows = np.flatnonzero(hit & (kinds == number))
            if rows.size == 0:
                continue
            changed = change(frame[column].gather(rows)).cast(frame.schema[column])
            frame = frame.with_columns(frame[column].scatter(rows, changed))
            counts[kind] += int(rows.size)
        tables[table] = frame
    return YearFrames(frames.year, frames.province, tables["households"], tables["members"]), counts
