"""Long-format area tables -> published figures: one row per year, area, measure, value.

A table has the columns year, area (a Thai or English name, or a DOPA code), indicator (a
label), value and, optionally, unit and province (which narrows district and subdistrict
names); a source's YAML says which header is which. The year's era is detected per table
(every year from 2400 on: Buddhist Era; 1900-2199: Common Era) and stated in ``year_stated``;
labels map to ``schemas/catalog/figures.yaml`` and the indicator catalog. Every row is either a
figure or quarantined with its reason: ``rows_read = rows_loaded + rows_quarantined``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import geothai
import polars as pl
import yaml

from schemas import catalog
from sources.areas import match_areas

BE_OFFSET = 543
ROLES = ("year", "area", "province", "indicator", "value", "unit")
# Header names read without configuration, English and Thai.
DEFAULT_COLUMNS = {
    "year": ["year", "ปี", "ปีพ.ศ.", "พ.ศ.", "ปี พ.ศ."],
    "area": ["area", "area_code", "พื้นที่", "อำเภอ", "ตำบล", "รหัสพื้นที่"],
    "province": ["province", "จังหวัด"],
    "indicator": ["indicator", "ตัวชี้วัด", "รายการ"],
    "value": ["value", "ค่า", "จำนวน"],
    "unit": ["unit", "หน่วย", "หน่วยนับ"],
}

MESSAGES = {
    "missing_column": "the table has no {column} column (sources.yaml says which header it is)",
    "year_invalid": "year {value!r} is not a year",
    "year_era": "year {value} is not of the table's era ({era}): write every year the same way",
    "value_not_number": "value {value!r} is not a number",
    "indicator_unknown": "label {value!r} is no measure of figures.yaml or indicator",
}


@cache
def figures_catalog() -> dict[str, Any]:
    text = files("schemas").joinpath("catalog/figures.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def measures() -> dict[str, dict[str, Any]]:
    return {m["code"]: m for m in figures_catalog()["measures"]}


@cache
def labels() -> pl.DataFrame:
    """Normalised label -> (measure, indicator_code)."""
    rows = []
    for m in figures_catalog()["measures"]:
        for label in (m["code"], m["name_th"], m["name_en"], *m["labels"]):
            rows.append((geothai.normalize(label), m["code"], None))
    for i in catalog.indicators():
        for label in (i.code, i.name_th, i.name_en, i.column):
            rows.append((geothai.normalize(label), "persons_deprived", i.code))
    return pl.DataFrame(
        rows, schema=["label_key", "measure", "indicator_code"], orient="row"
    ).unique("label_key", keep="first")


@dataclass(frozen=True)
class Figures:
    figures: pl.DataFrame  # see FIGURE_COLUMNS
    quarantine: pl.DataFrame  # row_index, column_name, rule, value, message_en
    rows_read: int
    year_stated: str | None  # BE | CE


FIGURE_COLUMNS = {
    "year_be": pl.Int32,
    "level": pl.String,
    "area_code": pl.String,
    "measure": pl.String,
    "indicator_code": pl.String,
    "value": pl.Float64,
    "unit": pl.String,
    "year_stated": pl.String,
    "row_index": pl.Int64,
}
QUARANTINE_COLUMNS = {
    "row_index": pl.Int64,
    "column_name": pl.String,
    "rule": pl.String,
    "value": pl.String,
    "message_en": pl.String,
}


def resolve_columns(header: list[str], mapping: dict[str, str] | None) -> dict[str, str | None]:
    """Role -> header name, from the source's mapping or the default names."""
    mapping = mapping or {}
    out: dict[str, str | None] = {}
    for role in ROLES:
        if role in mapping:
            out[role] = mapping[role] if mapping[role] in header else None
            continue
        out[role] = next((h for h in DEFAULT_COLUMNS[role] if h in header), None)
    return out


def detect_era(years: pl.Series) -> str | None:
    """BE when most stated years are 2400 or later, CE when most are 1900-2199."""
    valid = years.drop_nulls()
    if valid.is_empty():
        return None
    be = int((valid >= 2400).sum())
    ce = int(((valid >= 1900) & (valid < 2200)).sum())
    return "BE" if be >= ce else "CE"


def read_figures(
    table: pl.DataFrame, mapping: dict[str, str] | None = None, level: str | None = None
) -> Figures:
    """``table``: all-text columns and ``row_index`` (ingest.readers' TextTable.frame)."""
    columns = resolve_columns(table.columns, mapping)
    missing = [r for r in ("year", "area", "indicator", "value") if columns[r] is None]
    if missing:
        held = pl.DataFrame(
            {
                "row_index": table["row_index"],
                "column_name": (mapping or {}).get(missing[0], missing[0]),
                "rule": "missing_column",
                "value": None,
                "message_en": MESSAGES["missing_column"].format(column=missing[0]),
            },
            schema=QUARANTINE_COLUMNS,
        )
        return Figures(pl.DataFrame(schema=FIGURE_COLUMNS), held, table.height, None)
    col = {role: pl.col(name) for role, name in columns.items() if name}
    frame = table.select(
        "row_index",
        col["year"].str.strip_chars().alias("year_raw"),
        col["year"].str.strip_chars().str.replace(r"\.0$", "").cast(pl.Int32, strict=False)
        .alias("year"),
        col["area"].alias("area"),
        (col["province"] if "province" in col else pl.lit(None, pl.String)).alias("province"),
        col["indicator"].alias("indicator_raw"),
        col["value"].str.strip_chars().alias("value_raw"),
        (col["unit"] if "unit" in col else pl.lit(None, pl.String)).alias("unit"),
    )  # fmt: skip
    era = detect_era(frame["year"])
    in_era = (
        (pl.col("year") >= 2400) & (pl.col("year") < 2800)
        if era == "BE"
        else (pl.col("year") >= 1900) & (pl.col("year") < 2200)
    )
    frame = frame.with_columns(
        year_be=pl.when(in_era).then(pl.col("year") + (0 if era == "BE" else BE_OFFSET)),
        value=pl.col("value_raw").str.replace_all(r"[,\s]", "").cast(pl.Float64, strict=False),
        label_key=_label_keys(frame["indicator_raw"]),
    ).join(labels(), on="label_key", how="left")
    frame = match_areas(frame, "area", "province" if "province" in col else None, level)
    checks = [
        ("year_invalid", columns["year"], "year_raw", pl.col("year").is_null()),
        (
            "year_era",
            columns["year"],
            "year_raw",
            pl.col("year").is_not_null() & pl.col("year_be").is_null(),
        ),
        ("value_not_number", columns["value"], "value_raw", pl.col("value").is_null()),
        ("indicator_unknown", columns["indicator"], "indicator_raw", pl.col("measure").is_null()),
    ]
    held = [
        frame.filter(failed).select(
            "row_index",
            pl.lit(column).alias("column_name"),
            pl.lit(rule).alias("rule"),
            pl.col(source).alias("value"),
            _message(rule, source, era),
        )
        for rule, column, source, failed in checks
    ]
    held.append(
        frame.filter(pl.col("area_code").is_null()).select(
            "row_index",
            pl.lit(columns["area"]).alias("column_name"),
            pl.col("rule"),
            pl.col("area").alias("value"),
            pl.col("reason").alias("message_en"),
        )
    )
    quarantine = pl.concat(
        [h.cast(QUARANTINE_COLUMNS) for h in held if h.height], how="vertical"
    ) if any(h.height for h in held) else pl.DataFrame(schema=QUARANTINE_COLUMNS)  # fmt: skip
    bad = quarantine["row_index"].unique().implode()
    default_unit = {code: m["unit"] for code, m in measures().items()}
    good = frame.filter(~pl.col("row_index").is_in(bad)).select(
        pl.col("year_be").cast(pl.Int32),
        "level",
        "area_code",
        "measure",
        "indicator_code",
        "value",
        pl.coalesce("unit", pl.col("measure").replace_strict(default_unit, default=None)).alias(
            "unit"
        ),
        pl.lit(era).alias("year_stated"),
        "row_index",
    )
    return Figures(good.cast(FIGURE_COLUMNS), quarantine, table.height, era)


def _label_keys(values: pl.Series) -> pl.Series:
    distinct = values.unique().drop_nulls().to_list()
    mapping = {v: geothai.normalize(v) for v in distinct}
    return values.replace_strict(mapping, default=None, return_dtype=pl.String)


def _message(rule: str, source: str, era: str | None) -> pl.Expr:
    template = MESSAGES[rule]
    before, _, after = template.partition("{value!r}" if "{value!r}" in template else "{value}")
    quote = "'" if "{value!r}" in template else ""
    return pl.concat_str(
        pl.lit(before.replace("{era}", era or "?") + quote),
        pl.col(source).fill_null(""),
        pl.lit(quote + after.replace("{era}", era or "?")),
    ).alias("message_en")


def rollup(figures: pl.DataFrame) -> pl.DataFrame:
    """The additive figures of districts (and subdistricts) summed up to their province, region
    and the country, as rows with ``rolled_up`` true; a level the source gave itself is not
    replaced. Non-additive figures (rates, lines) are never summed."""
    additive = [code for code, m in measures().items() if m["additive"]]
    keys = ["year_be", "measure", "indicator_code", "unit", "year_stated"]
    base = figures.filter(pl.col("measure").is_in(additive))
    given = set(figures["level"].unique().to_list())
    provinces = base["area_code"].str.slice(0, 2).unique().to_list()
    region = {p: catalog.region_of(p).code for p in provinces}
    parents = {
        "district": pl.col("area_code").str.slice(0, 4),
        "province": pl.col("area_code").str.slice(0, 2),
        "region": pl.col("area_code").str.slice(0, 2).replace_strict(region),
        "country": pl.lit("TH"),
    }
    out = []
    for finest in ("subdistrict", "district"):
        rows = base.filter(pl.col("level") == finest)
        if rows.is_empty():
            continue
        for level, parent in parents.items():
            if level in given or level == finest or (finest == "district" and level == "district"):
                continue
            out.append(
                rows.group_by([*keys, parent.alias("area_code")], maintain_order=True)
                .agg(pl.col("value").sum())
                .with_columns(level=pl.lit(level))
            )
        break  # the finest level given is the one summed
    if not out:
        return figures.with_columns(rolled_up=pl.lit(False))
    rolled = pl.concat(out, how="diagonal_relaxed").with_columns(
        rolled_up=pl.lit(True), row_index=pl.lit(None, pl.Int64)
    )
    return pl.concat(
        [figures.with_columns(rolled_up=pl.lit(False)), rolled], how="diagonal_relaxed"
    )
