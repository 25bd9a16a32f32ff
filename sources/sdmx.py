"""SDMX sources (NSO's statistics, poverty lines among them), read with sdmx1.

The data message is fetched like any resource (``sources.fetch``: retries, limits, atomic
landing) from the SDMX REST path ``{url}/data/{flow}/{key}``, as SDMX-ML 2.1 generic data or
SDMX-JSON, and parsed by sdmx1 (``sdmx.read_sdmx``, ``sdmx.to_pandas``), which needs no data
structure definition for either. The source's YAML says which dimension is the area, which
the period, and how its codes map to Chipao's areas (``TH``, NSO region ``1``-``5``, DOPA codes)
and measures (schemas/catalog/figures.yaml).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from sources.fetch import Fetcher, Landed
from sources.figures import FIGURE_COLUMNS, QUARANTINE_COLUMNS, measures

ACCEPT = {
    "sdmx-ml": "application/vnd.sdmx.genericdata+xml;version=2.1",
    "sdmx-json": "application/vnd.sdmx.data+json;version=1.0.0",
}
SUFFIX = {"sdmx-ml": ".xml", "sdmx-json": ".json"}


def data_url(spec: Mapping[str, Any]) -> str:
    return f"{spec['url'].rstrip('/')}/data/{spec['flow']}/{spec.get('key', 'all')}"


def message_path(folder: Path, source: str, spec: Mapping[str, Any]) -> Path:
    return folder / f"{source}{SUFFIX[spec.get('format', 'sdmx-ml')]}"


def pull(spec: Mapping[str, Any], folder: Path, fetcher: Fetcher, source: str, previous) -> Landed:
    fmt = spec.get("format", "sdmx-ml")
    url = data_url(spec)
    params = spec.get("params") or {}
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return fetcher.download(
        url, message_path(folder, source, spec), fmt, previous=previous, accept=ACCEPT[fmt]
    )


def observations(path: Path) -> pl.DataFrame:
    """Every observation of the message: one column per dimension and attribute, ``value``."""
    import sdmx

    message = sdmx.read_sdmx(path)
    frames = []
    for dataset in message.data:
        table = sdmx.to_pandas(dataset, attributes="dsgo")
        frames.append(pl.from_pandas(table.reset_index().astype(str)))
    return pl.concat(frames, how="diagonal_relaxed").with_row_index("row_index", offset=1)


def _area_level(code: pl.Expr) -> pl.Expr:
    by_length = {1: "region", 2: "province", 4: "district", 6: "subdistrict"}
    return (
        pl.when(code == "TH")
        .then(pl.lit("country"))
        .otherwise(code.str.len_chars().replace_strict(by_length, default=None))
    )


def read_figures(path: Path, spec: Mapping[str, Any]) -> tuple[pl.DataFrame, pl.DataFrame, int]:
    """Figures (FIGURE_COLUMNS), quarantine (QUARANTINE_COLUMNS) and rows read."""
    obs = observations(path)
    dims = spec.get("dimensions") or {}
    area_dim, year_dim = dims.get("area", "REF_AREA"), dims.get("year", "TIME_PERIOD")
    indicator_dim = dims.get("indicator")
    areas = {str(k): str(v) for k, v in (spec.get("areas") or {}).items()}
    codes = spec.get("measures") or {}
    known = measures()
    frame = obs.with_columns(
        area_code=pl.col(area_dim).replace_strict(areas, default=None, return_dtype=pl.String),
        measure=(
            pl.col(indicator_dim).replace_strict(codes, default=None, return_dtype=pl.String)
            if indicator_dim
            else pl.lit(spec.get("measure"))
        ),
        year_ce=pl.col(year_dim).str.slice(0, 4).cast(pl.Int32, strict=False),
        value=pl.col("value").cast(pl.Float64, strict=False),
    )
    checks = [
        (area_dim, "area_unknown", pl.col("area_code").is_null(),
         "SDMX area code not mapped in the source's `areas`"),
        (indicator_dim or "measure", "indicator_unknown",
         pl.col("measure").is_null() | ~pl.col("measure").is_in(list(known)),
         "not mapped to a measure of figures.yaml in the source's `measures`"),
        (year_dim, "year_invalid", pl.col("year_ce").is_null(), "period is not a year"),
        ("value", "value_not_number", pl.col("value").is_null() | pl.col("value").is_nan(),
         "observation value is not a number"),
    ]  # fmt: skip
    held = pl.concat(
        [
            frame.filter(failed).select(
                "row_index",
                pl.lit(column).alias("column_name"),
                pl.lit(rule).alias("rule"),
                (pl.col(column) if column in frame.columns else pl.lit(None)).cast(pl.String)
                .alias("value"),
                pl.lit(message).alias("message_en"),
            ).cast(QUARANTINE_COLUMNS)
            for column, rule, failed, message in checks
        ]
    )  # fmt: skip
    unit = spec.get("unit")
    good = frame.filter(~pl.col("row_index").is_in(held["row_index"].implode())).select(
        (pl.col("year_ce") + 543).cast(pl.Int32).alias("year_be"),
        _area_level(pl.col("area_code")).alias("level"),
        "area_code",
        "measure",
        pl.lit(None, pl.String).alias("indicator_code"),
        "value",
        pl.lit(unit).cast(pl.String).fill_null(
            pl.col("measure").replace_strict({c: m["unit"] for c, m in known.items()})
        ).alias("unit"),
        pl.lit("CE").alias("year_stated"),
        pl.col("row_index").cast(pl.Int64),
    )  # fmt: skip
    return good.cast(FIGURE_COLUMNS), held, obs.height
