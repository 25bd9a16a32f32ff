"""Row rules beyond the column contract. Each has a name listed in catalog/rules.yaml."""

from __future__ import annotations

from datetime import date
from functools import cache
from importlib.resources import files

import polars as pl
import yaml

MAX_AGE = 120


@cache
def rule_messages() -> dict[str, dict[str, str]]:
    text = files("schemas").joinpath("catalog/rules.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)["rules"]


def message(rule: str, column: str, value: str | None, lang: str) -> str:
    return rule_messages()[rule][lang].format(column=column, value="" if value is None else value)


def check_digit_holds(expr: pl.Expr) -> pl.Expr:
    """The check digit of IDs already known to be 13 digits, by integer arithmetic on the ID as
    one number: no slicing of the text into 13 strings per row (a 13-digit number fits Int64)."""
    number = expr.cast(pl.Int64, strict=False)
    weighted = pl.sum_horizontal((number // 10 ** (12 - i)) % 10 * (13 - i) for i in range(12))
    return (11 - weighted % 11) % 10 == number % 10


def age_on(birth: pl.Expr, reference: date) -> pl.Expr:
    """Completed years of age on the reference day."""
    before_birthday = (birth.dt.month() > reference.month) | (
        (birth.dt.month() == reference.month) & (birth.dt.day() > reference.day)
    )
    return (reference.year - birth.dt.year() - before_birthday.cast(pl.Int32)).cast(pl.Int32)


def failures_where(frame: pl.DataFrame, bad: pl.Expr, column: str, rule: str) -> pl.DataFrame:
    """The rows of ``frame`` where ``bad`` holds, as quarantine failures on ``column``."""
    # lazy, so that only the columns the rule reads are touched
    return (
        frame.lazy()
        .filter(bad.fill_null(False))
        .select(
            pl.col("row_index"),
            pl.lit(column).alias("column"),
            pl.lit(rule).alias("rule"),
            pl.col(column).cast(pl.Utf8).alias("value"),
        )
        .collect()
    )
