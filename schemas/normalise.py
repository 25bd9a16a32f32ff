"""Normalisation of text cells before validation (docs/domain.md §7): what real files look like."""

from __future__ import annotations

import polars as pl

from schemas.catalog import Source

THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
ARABIC_DIGITS = "0123456789"
# Zero-width space, zero-width non-joiner/joiner, word joiner, BOM, no-break space.
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00a0"]
BE_OFFSET = 543
# An ISO date from a date cell whose year is at least this is a BE year typed as CE.
ISO_YEAR_IS_BE = 2400
# Repairs a column may need: Thai digits or invisible characters, blanks at the ends or empty
# cells, thousands separators in numbers, decimals in counts and codes ('2.0', '50010101.0').
ALL_REPAIRS = frozenset({"thai", "edges", "comma", "dot"})


def clean_text(expr: pl.Expr, *, needs: frozenset[str] = frozenset({"thai", "edges"})) -> pl.Expr:
    """Thai digits to Arabic, invisible characters dropped, blanks stripped; empty is null.

    ``needs`` names the repairs a column needs ('thai': non-ASCII text, 'edges': blanks at
    either end or empty cells); most columns of most files need none, and skipping them is
    most of normalisation's speed.
    """
    out = expr
    if "thai" in needs:
        out = out.str.replace_many(list(THAI_DIGITS), list(ARABIC_DIGITS))
        out = out.str.replace_many(INVISIBLE, [""] * len(INVISIBLE))
    if needs:
        out = out.str.strip_chars()
        out = pl.when(out == "").then(None).otherwise(out)
    return out


def repairs_needed(
    text: pl.DataFrame, source: Source, possible: frozenset[str] = ALL_REPAIRS
) -> dict[str, frozenset[str]]:
    """One lazy scan of the frame: which of the ``possible`` repairs each column needs."""
    probes = []
    for f in (f for f in source.fields if f.name in text.columns):
        column = pl.col(f.name)
        checks = {
            "thai": column.str.len_bytes() != column.str.len_chars(),
            # an ASCII blank or control character at either end, or an empty cell ("" <= " ")
            "edges": (column.str.head(1) <= " ") | (column.str.tail(1) <= " "),
        }
        if f.type != "str":
            checks["comma"] = column.str.contains(",", literal=True)
        if f.type == "int" or f.digits:
            checks["dot"] = column.str.contains(".", literal=True)
        probes += [
            check.any().alias(f"{f.name}\x00{repair}")
            for repair, check in checks.items()
            if repair in possible
        ]
    found = text.lazy().select(probes).collect().row(0, named=True) if probes else {}
    needs: dict[str, set[str]] = {f.name: set() for f in source.fields if f.name in text.columns}
    for label, present in found.items():
        name, repair = label.split("\x00")
        if present:
            needs[name].add(repair)
    # Thai digits can hide anywhere, and invisible characters sit at the ends: strip too.
    return {n: frozenset(r | ({"edges"} if "thai" in r else set())) for n, r in needs.items()}


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
    """'dd/mm/yyyy' in the Buddhist Era to a CE date; anything else, or no such day, is null.

    The year changes era before parsing: 29/02/2531 BE is 29 Feb 1988, a leap day that a
    parser reading 2531 as the year would refuse.
    """
    parts = expr.str.split_exact("/", 2)
    year_ce = parts.struct.field("field_2").cast(pl.Int32, strict=False) - BE_OFFSET
    iso = pl.concat_str(
        year_ce.cast(pl.Utf8).str.zfill(4),
        parts.struct.field("field_1").str.zfill(2),
        parts.struct.field("field_0").str.zfill(2),
        separator="-",
    )
    well_formed = expr.str.count_matches("/", literal=True) == 2
    # a date cell of Excel or a date column of Parquet arrives as ISO 'yyyy-mm-dd[ time]':
    # a real date, so CE, unless its year is a BE year a person typed into a Gregorian sheet
    typed_year = expr.str.slice(0, 4).cast(pl.Int32, strict=False)
    typed_ce = (
        pl.when(typed_year >= ISO_YEAR_IS_BE).then(typed_year - BE_OFFSET).otherwise(typed_year)
    )
    typed = pl.concat_str(typed_ce.cast(pl.Utf8).str.zfill(4), expr.str.slice(4, 6))
    is_typed = expr.str.contains(r"^\d{4}-\d{2}-\d{2}(?:[ T][\d:.]+)?$")
    return (
        pl.when(well_formed)
        .then(iso.str.to_date("%Y-%m-%d", strict=False))
        .when(is_typed)
        .then(typed.str.to_date("%Y-%m-%d", strict=False))
    )


def normalise(
    text: pl.DataFrame, source: Source, possible: frozenset[str] = ALL_REPAIRS
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Clean and type a frame of text cells.

    Returns the typed frame (same rows, same order, cells that did not parse set to null) and
    the cells that did not parse, as (row_index, column, rule, value) with rule ``type``.
    """
    fields = [f for f in source.fields if f.name in text.columns]
    needs = repairs_needed(text, source, possible)
    text_repairs = {"thai", "edges"}
    cleaned = (
        text.lazy()
        .with_columns(
            clean_text(pl.col(f.name), needs=needs[f.name] & text_repairs).alias(f.name)
            for f in fields
            if needs[f.name] & text_repairs
        )
        .with_columns(
            (
                pad_code(pl.col(f.name), f.digits) if f.pad_zeros else whole_code(pl.col(f.name))
            ).alias(f.name)
            for f in fields
            if f.digits is not None and (f.pad_zeros or "dot" in needs[f.name])
        )
        .collect()
    )
    cleaned = cleaned.with_columns(
        _text_code(pl.col(f.name), f.allowed).alias(f.name)
        for f in fields
        if f.type == "str" and f.allowed
    )
    numeric = [f for f in fields if f.type != "str"]
    typed_exprs = []
    for f in numeric:
        digits = pl.col(f.name)
        if "comma" in needs[f.name]:  # thousands separators: 120,000
            digits = digits.str.replace_all(",", "")
        if f.type == "int" and "dot" not in needs[f.name]:
            typed_exprs.append(digits.cast(pl.Int64, strict=False).alias(f.name))
            continue
        as_number = digits.cast(pl.Float64, strict=False)
        if f.type == "int":  # '2.0' is 2, '2.5' is no count
            whole = pl.when(as_number == as_number.round(0)).then(as_number)
            typed_exprs.append(whole.cast(pl.Int64, strict=False).alias(f.name))
        else:  # 'NaN', 'inf' and '-inf' parse as floats but are no amount: a type failure
            typed_exprs.append(pl.when(as_number.is_finite()).then(as_number).alias(f.name))
    typed = cleaned.lazy().with_columns(typed_exprs).collect()

    # A cell is a type failure when it had text and has no number now; null counts are free,
    # so only columns that lost values are searched.
    lost = [f.name for f in numeric if typed[f.name].null_count() > cleaned[f.name].null_count()]
    failures = [
        cleaned.select(
            "row_index",
            pl.lit(name).alias("column"),
            pl.lit("type").alias("rule"),
            pl.col(name).alias("value"),
        ).filter(typed[name].is_null() & pl.col("value").is_not_null())
        for name in lost
    ]
    return typed, pl.concat([_empty_failures(), *failures]).cast(_empty_failures().schema)


def _code_key(expr: pl.Expr) -> pl.Expr:
    """As header_key, in Polars: 'In progress', 'in_progress' and 'IN PROGRESS' are one."""
    return expr.str.to_lowercase().str.replace_all(r"[\s_]", "")


def _text_code(expr: pl.Expr, allowed: dict) -> pl.Expr:
    """A text code written as its code, its Thai or its English label (any case, spaces or
    underscores) becomes the code; anything else stays as sent, for the `allowed` rule."""
    names = {}
    for code, label in allowed.items():
        thai, english = (part.strip() for part in label.split(" | ", 1))
        for text in (str(code), thai, english):
            names[header_key(text)] = str(code)
    return _code_key(expr).replace_strict(names, default=expr)


def _empty_failures() -> pl.DataFrame:
    return pl.DataFrame(
        schema={"row_index": pl.UInt32, "column": pl.Utf8, "rule": pl.Utf8, "value": pl.Utf8}
    )


def header_key(name: str) -> str:
    """A header cell as compared with the catalog: case, spaces (NBSP and zero-width too) and
    underscores do not count, so 'House Code', ' house_code' and 'HOUSE\u00a0CODE' are one."""
    for invisible in INVISIBLE:
        name = name.replace(invisible, " ")
    return "".join(name.casefold().replace("_", " ").split())


def header_aliases(source: Source) -> dict[str, str]:
    """Every header a person may write for a field: its name, its English and its Thai label."""
    aliases: dict[str, str] = {}
    for f in source.fields:
        for text in (f.name, f.label_en, f.label_th):
            key = header_key(text)
            if aliases.setdefault(key, f.name) != f.name:
                raise ValueError(f"{source.name}: header {text!r} names two fields")
    return aliases
