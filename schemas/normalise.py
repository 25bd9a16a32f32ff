"""Normalisation of text cells before validation (DOMAIN.md §7): what real files look like."""

from __future__ import annotations

import polars as pl

from schemas.catalog import Source

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
ARABIC_DIGITS = "0123456789"
# Zero-width space, zero-width non-joiner/joiner, word joiner, BOM, no-break space.
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00a0"]
BE_OFFSET = 543


def clean_text(expr: pl.Expr) -> pl.Expr:
    """Thai digits to Arabic, invisible characters dropped, blanks stripped; empty is null."""
    out = expr.str.replace_many(list(THAI_DIGITS), list(ARABIC_DIGITS))
    out = out.str.replace_many(INVISIBLE, [""] * len(INVISIBLE)).str.strip_chars()
    return pl.when(out == "").then(None).otherwise(out)


def whole_code(expr: pl.Expr) -> pl.Expr:
    """A code that Excel turned into a number ('50010101.0') gets its digits back."""
    return expr.str.replace(r"^(\d+)\.0+$", "${1}")


def pad_code(expr: pl.Expr, digits: int) -> pl.Expr:
    """Restore leading zeros that Excel dropped, for codes that may start with 0."""
    whole = whole_code(expr)
    return (
        pl.when(whole.str.contains(r"^\d+$") & (whole.str.len_chars() < digits))
        .then(whole.str.zfill(digits))
        .otherwise(whole)
    )


def be_date_to_ce(expr: pl.Expr) -> pl.Expr:
    """'dd/mm/yyyy' in the Buddhist Era to a CE date; anything else, or no such day, is null."""
    parts = expr.str.extract_groups(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
    year_ce = parts.struct.field("3").cast(pl.Int32, strict=False) - BE_OFFSET
    iso = pl.format(
        "{}-{}-{}",
        year_ce.cast(pl.Utf8).str.zfill(4),
        parts.struct.field("2").str.zfill(2),
        parts.struct.field("1").str.zfill(2),
    )
    return iso.str.to_date("%Y-%m-%d", strict=False)


def normalise(text: pl.DataFrame, source: Source) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Clean and type a frame of text cells.

    Returns the typed frame (same rows, same order, cells that did not parse set to null) and
    the cells that did not parse, as (row_index, column, rule, value) with rule ``type``.
    """
    cleaned = text.with_columns(
        clean_text(pl.col(f.name)).alias(f.name) for f in source.fields if f.name in text.columns
    )
    cleaned = cleaned.with_columns(
        (pad_code(pl.col(f.name), f.digits) if f.pad_zeros else whole_code(pl.col(f.name))).alias(
            f.name
        )
        for f in source.fields
        if f.digits is not None and f.name in cleaned.columns
    )
    typed_exprs = []
    for f in source.fields:
        if f.name not in cleaned.columns or f.type == "str":
            continue
        as_number = pl.col(f.name).str.replace_all(",", "").cast(pl.Float64, strict=False)
        if f.type == "int":
            whole = pl.when(as_number == as_number.round(0)).then(as_number)
            typed_exprs.append(whole.cast(pl.Int64, strict=False).alias(f.name))
        else:
            typed_exprs.append(as_number.alias(f.name))
    typed = cleaned.with_columns(typed_exprs)

    failures = [
        cleaned.select(
            pl.col("row_index"),
            pl.lit(name).alias("column"),
            pl.lit("type").alias("rule"),
            pl.col(name).alias("value"),
        ).filter(pl.col("value").is_not_null() & typed[name].is_null())
        for name in (f.name for f in source.fields if f.type != "str" and f.name in text.columns)
    ]
    failure_frame = pl.concat(failures) if failures else _empty_failures()
    return typed, failure_frame


def _empty_failures() -> pl.DataFrame:
    return pl.DataFrame(
        schema={"row_index": pl.UInt32, "column": pl.Utf8, "rule": pl.Utf8, "value": pl.Utf8}
    )
