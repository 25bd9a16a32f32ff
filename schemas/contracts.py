"""Pandera (Polars) contracts generated from the field catalog; never inferred from data."""

from __future__ import annotations

from functools import cache

import pandera.polars as pa
import polars as pl

from schemas.catalog import Field, Source, sources

POLARS_TYPES: dict[str, type[pl.DataType]] = {"str": pl.Utf8, "int": pl.Int64, "float": pl.Float64}


def polars_type(field: Field) -> type[pl.DataType]:
    return POLARS_TYPES[field.type]


def _checks(field: Field) -> list[pa.Check]:
    checks = []
    if field.min is not None or field.max is not None:
        low = field.min if field.min is not None else float("-inf")
        high = field.max if field.max is not None else float("inf")
        checks.append(pa.Check.in_range(low, high, name="range"))
    if field.allowed is not None:
        checks.append(pa.Check.isin(sorted(field.allowed), name="allowed"))
    if field.digits is not None:
        checks.append(pa.Check.str_matches(rf"^\d{{{field.digits}}}$", name="digits"))
    return checks


def build_contract(source: Source) -> pa.DataFrameSchema:
    columns = {
        f.name: pa.Column(polars_type(f), checks=_checks(f), nullable=not f.required)
        for f in source.fields
    }
    return pa.DataFrameSchema(columns, name=source.name, strict=False, coerce=False)


@cache
def contract(source_name: str) -> pa.DataFrameSchema:
    return build_contract(sources()[source_name])
