"""The figures written for people that are worked out from protected counts, read from
reports/derived.yaml: which counts each is made of, and so where it must be hidden."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import polars as pl
import yaml

from reports import suppression
from schemas import catalog

HIDDEN = "__hidden"
_PART = re.compile(r"^(\w+)\.(\w+)(?: by (\w+))?$")


@dataclass(frozen=True)
class Part:
    table: str
    measure: str
    match: str | None  # None, "any", "component" or a column of the figure's row


@cache
def declared() -> dict[str, dict[str, tuple[Part, ...]]]:
    """mart -> figure -> the counts it is made of."""
    raw = yaml.safe_load(files("reports").joinpath("derived.yaml").read_text(encoding="utf-8"))
    out: dict[str, dict[str, tuple[Part, ...]]] = {}
    for mart, figures in raw.items():
        out[mart] = {}
        for figure, parts in figures.items():
            found = []
            for text in parts:
                m = _PART.match(text)
                if m is None or m[2] not in suppression.COUNTS.get(m[1], ()):
                    raise ValueError(f"reports/derived.yaml: {mart}.{figure}: {text!r} is no count")
                found.append(Part(m[1], m[2], m[3]))
            out[mart][figure] = tuple(found)
    return out


def figures(mart: str) -> tuple[str, ...]:
    return tuple(declared().get(mart, {}))


def _component_keys(year_be: int | None) -> pl.DataFrame:
    """indicator code -> the component codes it stands in: itself and its dimension."""
    try:
        indicators = catalog.indicators(year_be)
    except (KeyError, ValueError):
        indicators = catalog.indicators()
    rows = [(i.code, c) for i in indicators for c in (i.code, i.dimension)]
    return pl.DataFrame(rows, schema=["key", "component"], orient="row")


def flag(frame: pl.DataFrame, mart: str, hidden: pl.DataFrame, year_be: int | None = None):
    """``frame`` (rows of ``mart``) with ``<figure>__hidden`` for every figure declared for the
    mart: true where one of its counts is among ``hidden`` (table, area_code, age_band, key,
    measure). A join per count, whatever the number of rows."""
    figs = declared().get(mart, {})
    if not figs:
        return frame
    band = pl.col("age_band") if "age_band" in frame.columns else pl.lit(suppression.ALL_BANDS)
    out = frame.with_columns(band.alias("_band"), pl.int_range(pl.len()).alias("_row"))
    flags: dict[str, pl.Expr] = {f: pl.lit(False) for f in figs}
    parts = {p for ps in figs.values() for p in ps}
    for n, part in enumerate(sorted(parts, key=str)):
        marks = hidden.filter(
            (pl.col("table") == part.table) & (pl.col("measure") == part.measure)
        ).select("area_code", pl.col("age_band").alias("_band"), "key")
        on = ["area_code", "_band"]
        if part.match is None or part.match == "any":
            marks = marks.select(on).unique()
        elif part.match == "component":
            marks = marks.join(_component_keys(year_be), on="key").select(*on, "component")
            marks = marks.unique()
            on = [*on, "component"]
        else:
            marks = marks.rename({"key": part.match}).unique()
            on = [*on, part.match]
            marks = marks.with_columns(pl.col(part.match).cast(frame.schema[part.match]))
        name = f"_p{n}"
        hit = out.select("_row", *on).join(marks.with_columns(pl.lit(True).alias(name)), on=on)
        out = out.join(hit.select("_row", name).unique("_row"), on="_row", how="left")
        for figure, ps in figs.items():
            if part in ps:
                flags[figure] = flags[figure] | pl.col(name).fill_null(False)
    return (
        out.sort("_row")
        .with_columns(*(e.alias(f + HIDDEN) for f, e in flags.items()))
        .drop("_band", "_row", *(c for c in out.columns if c.startswith("_p")))
    )
