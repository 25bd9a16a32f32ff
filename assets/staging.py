"""Stage one survey year of BMN files: read, normalise, validate, pseudonymise, reconcile.

Pure (no Dagster): every input row ends up either staged or in the failures, and the ledger
says so per file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from assets.pseudonymise import pseudonyms
from assets.readers import UnreadableFile, read_text, sha256_of
from schemas import catalog
from schemas.rules import message
from schemas.validate import AreaRegister, check_rows

LINEAGE = ["file", "sha256", "row_index"]
FAILURE_COLUMNS = {
    "source": pl.Utf8, "file": pl.Utf8, "sha256": pl.Utf8, "row_index": pl.Int64,
    "column_name": pl.Utf8, "rule": pl.Utf8, "value": pl.Utf8,
}  # fmt: skip


@dataclass
class StagedYear:
    households: pl.DataFrame
    members: pl.DataFrame
    failures: pl.DataFrame  # FAILURE_COLUMNS
    ledger: pl.DataFrame  # per file: rows read, staged, quarantined, file error


@dataclass
class _FileResult:
    source: str
    file: str
    sha256: str
    rows_read: int
    rows: pl.DataFrame
    failures: pl.DataFrame
    error: str | None
    seconds: float


def _failures(frame: pl.DataFrame, source: str, file: str, sha: str) -> pl.DataFrame:
    return frame.select(
        pl.lit(source).alias("source"),
        pl.lit(file).alias("file"),
        pl.lit(sha).alias("sha256"),
        pl.col("row_index").cast(pl.Int64),
        pl.col("column").alias("column_name"),
        pl.col("rule"),
        pl.col("value").cast(pl.Utf8),
    )


def _read_file(
    path: Path,
    name: str,
    source: catalog.Source,
    year_be: int,
    areas: AreaRegister,
    reference_day: date,
) -> _FileResult:
    started = time.perf_counter()
    sha = sha256_of(path)
    try:
        table = read_text(path)
    except UnreadableFile as err:
        failure = pl.DataFrame(
            [
                {
                    "source": source.name,
                    "file": name,
                    "sha256": sha,
                    "row_index": None,
                    "column_name": None,
                    "rule": "unreadable",
                    "value": str(err),
                }
            ],
            schema=FAILURE_COLUMNS,
        )
        return _FileResult(
            source.name,
            name,
            sha,
            0,
            pl.DataFrame(),
            failure,
            str(err),
            time.perf_counter() - started,
        )
    text = table.frame
    missing = [f.name for f in source.fields if f.required and f.name not in text.columns]
    if missing:
        failures = text.select(
            "row_index",
            pl.lit(missing[0]).alias("column"),
            pl.lit("missing_column").alias("rule"),
            pl.lit(None, pl.Utf8).alias("value"),
        )
        return _FileResult(
            source.name,
            name,
            sha,
            text.height,
            pl.DataFrame(),
            _failures(failures, source.name, name, sha),
            f"missing required column(s): {', '.join(missing)}",
            time.perf_counter() - started,
        )
    for f in source.fields:
        if f.name not in text.columns:
            text = text.with_columns(pl.lit(None, pl.Utf8).alias(f.name))
    checked = check_rows(text, source, year_be=year_be, areas=areas, reference_day=reference_day)
    rows = checked.rows.with_columns(pl.lit(name).alias("file"), pl.lit(sha).alias("sha256"))
    return _FileResult(
        source.name,
        name,
        sha,
        text.height,
        rows,
        _failures(checked.failures, source.name, name, sha),
        None,
        time.perf_counter() - started,
    )


def _flag(frame: pl.DataFrame, bad: pl.Expr, source: str, column: str, rule: str) -> pl.DataFrame:
    return frame.filter(bad).select(
        pl.lit(source).alias("source"),
        "file",
        "sha256",
        pl.col("row_index").cast(pl.Int64),
        pl.lit(column).alias("column_name"),
        pl.lit(rule).alias("rule"),
        pl.col(column).cast(pl.Utf8).alias("value")
        if column in frame.columns
        else pl.lit(None, pl.Utf8).alias("value"),
    )


def _drop(frame: pl.DataFrame, failures: pl.DataFrame) -> pl.DataFrame:
    return frame.join(failures.select("file", "row_index"), on=["file", "row_index"], how="anti")


def _concat(frames: list[pl.DataFrame]) -> pl.DataFrame:
    frames = [f for f in frames if f.width]
    return pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()


def stage_year(
    files: dict[str, list[Path]],
    *,
    root: Path,
    year_be: int,
    areas: AreaRegister,
    key: bytes,
    log: Callable[[str], None] = lambda _: None,
) -> StagedYear:
    """Stage every household and member file of one survey year."""
    month, day = (int(x) for x in catalog.age_reference_day().split("-"))
    reference_day = date(year_be - 543, month, day)
    sources = catalog.sources()
    results: list[_FileResult] = []
    for source_name, paths in files.items():
        for path in paths:
            name = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
            result = _read_file(path, name, sources[source_name], year_be, areas, reference_day)
            log(
                f"{name}: {result.rows_read:,} rows read, "
                f"{result.failures['row_index'].n_unique() if result.rows_read else 0:,} "
                f"quarantined by row rules in {result.seconds:.2f}s"
                + (f" — FILE ERROR: {result.error}" if result.error else "")
            )
            results.append(result)

    by_source = {s: [r for r in results if r.source == s] for s in files}
    households = _concat([r.rows for r in by_source.get("bmn_household", [])])
    members = _concat([r.rows for r in by_source.get("bmn_member", [])])
    failures = [r.failures for r in results]

    if households.height:
        households = households.with_columns(
            pseudonyms(households["house_code"], key, "house").alias("household_key")
        )
        dup = _flag(
            households,
            pl.col("household_key").is_duplicated() & ~pl.col("household_key").is_first_distinct(),
            "bmn_household",
            "house_code",
            "duplicate_household",
        )
        failures.append(dup)
        households = _drop(households, dup)
    if members.height:
        members = members.with_columns(
            pseudonyms(members["house_code"], key, "house").alias("household_key"),
            pseudonyms(members["citizen_id"], key, "person").alias("person_key"),
        )
        known = households["household_key"] if households.height else pl.Series([], dtype=pl.Int64)
        orphan = _flag(
            members,
            ~pl.col("household_key").is_in(known.implode()),
            "bmn_member",
            "house_code",
            "member_without_household",
        )
        members = _drop(members, orphan)
        dup = _flag(
            members,
            ~pl.col("person_key").is_first_distinct(),
            "bmn_member",
            "citizen_id",
            "duplicate_member",
        )
        members = _drop(members, dup)
        failures += [orphan, dup]
    if households.height:
        with_members = members["household_key"] if members.height else pl.Series([], dtype=pl.Int64)
        empty = _flag(
            households,
            ~pl.col("household_key").is_in(with_members.implode()),
            "bmn_household",
            "house_code",
            "household_without_members",
        )
        households = _drop(households, empty)
        failures.append(empty)

    failure_frame = (
        _concat([f.cast(FAILURE_COLUMNS) for f in failures if f.height])
        if any(f.height for f in failures)
        else pl.DataFrame(schema=FAILURE_COLUMNS)
    )
    ledger = _ledger(results, households, members, failure_frame)
    return StagedYear(households, members, failure_frame, ledger)


def _ledger(
    results: list[_FileResult],
    households: pl.DataFrame,
    members: pl.DataFrame,
    failures: pl.DataFrame,
) -> pl.DataFrame:
    staged = {}
    for frame in (households, members):
        if frame.height:
            staged.update(dict(frame.group_by("file").len().iter_rows()))
    quarantined = dict(
        failures.filter(pl.col("row_index").is_not_null())
        .group_by("file")
        .agg(pl.col("row_index").n_unique())
        .iter_rows()
    )
    rows = []
    for r in results:
        row = {
            "source": r.source,
            "file": r.file,
            "sha256": r.sha256,
            "rows_read": r.rows_read,
            "rows_staged": staged.get(r.file, 0),
            "rows_quarantined": quarantined.get(r.file, 0),
            "file_error": r.error,
            "seconds": r.seconds,
        }
        if row["rows_read"] != row["rows_staged"] + row["rows_quarantined"]:
            raise AssertionError(f"{r.file}: rows read != staged + quarantined: {row}")
        rows.append(row)
    return pl.DataFrame(rows, schema_overrides={"file_error": pl.Utf8})


def quarantine_rows(failures: pl.DataFrame, year_be: int) -> pl.DataFrame:
    """Failures with their messages, PII values masked (only their length shows)."""
    direct = {
        (source.name, f.name)
        for source in catalog.sources().values()
        for f in source.fields
        if f.pii == "direct"
    }
    is_direct = (
        pl.struct("source", "column_name").map_elements(
            lambda s: (s["source"], s["column_name"]) in direct, return_dtype=pl.Boolean
        )
        if failures.height
        else pl.lit(False)
    )
    masked = failures.with_columns(
        pl.when(is_direct)
        .then(pl.col("value").str.replace_all(r"\S", "*"))
        .otherwise(pl.col("value"))
        .alias("value")
    )
    return masked.with_columns(
        pl.lit(year_be).alias("year_be"),
        *(
            pl.struct("rule", "column_name", "value")
            .map_elements(
                lambda s, lang=lang: message(s["rule"], s["column_name"] or "", s["value"], lang),
                return_dtype=pl.Utf8,
            )
            .alias(f"message_{lang}")
            for lang in ("en", "th")
        ),
    )
