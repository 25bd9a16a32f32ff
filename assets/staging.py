"""Stage one survey year of BMN files: read, normalise, validate, pseudonymise, reconcile.

Pure (no Dagster). Every input row ends up either staged or in the failures, and the ledger
says so per file. Rules across rows run in this order, each on what the previous left:
duplicate households; member count against the member file; members whose household is missing
or rejected; the same person twice in a household, or in two households; households left
without members.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from assets.pseudonymise import Pseudonymiser
from assets.readers import UnreadableFile, read_text, sha256_of
from schemas import catalog
from schemas.normalise import clean_text, whole_code
from schemas.rules import message
from schemas.validate import EXTRA_CELLS, AreaRegister, check_rows

FAILURE_COLUMNS = {
    "source": pl.Utf8, "file": pl.Utf8, "sha256": pl.Utf8, "row_index": pl.Int64,
    "column_name": pl.Utf8, "rule": pl.Utf8, "value": pl.Utf8,
}  # fmt: skip
HOUSEHOLD, MEMBER = "bmn_household", "bmn_member"
# The columns the cross-row rules need, so that a year with no valid row still has a shape.
_LINEAGE = {"file": pl.Utf8, "sha256": pl.Utf8, "row_index": pl.Int64, "house_code": pl.Utf8}
EMPTY_ROWS = {
    HOUSEHOLD: {**_LINEAGE, "members_declared": pl.Int64},
    MEMBER: {**_LINEAGE, "citizen_id": pl.Utf8},
}


@dataclass
class StagedYear:
    households: pl.DataFrame
    members: pl.DataFrame
    failures: pl.DataFrame  # FAILURE_COLUMNS
    ledger: pl.DataFrame  # per file: rows read, staged, quarantined, file error, seconds
    timings: dict[str, float] = field(default_factory=dict)  # read, validate, pseudonymise

    @property
    def validation_seconds(self) -> float:
        """Normalising and checking rows, and the rules across rows."""
        return self.timings.get("validate", 0.0)


@dataclass
class _File:
    source: str
    name: str
    sha256: str
    rows_read: int = 0
    text: pl.DataFrame | None = None  # readable rows as text, with file lineage
    repairs: frozenset[str] = frozenset()  # what normalising this file's text may need
    failures: pl.DataFrame | None = None  # file-level failures
    error: str | None = None
    seconds: float = 0.0


def _file_failure(file: _File, rule: str, value: str | None) -> pl.DataFrame:
    row = {"source": file.source, "file": file.name, "sha256": file.sha256, "row_index": None,
           "column_name": None, "rule": rule, "value": value}  # fmt: skip
    return pl.DataFrame([row], schema=FAILURE_COLUMNS)


def _read(file: _File, path: Path) -> None:
    """Read one file as text; file-level problems end here, row rules come later."""
    source = catalog.sources()[file.source]
    started = time.perf_counter()
    try:
        table = read_text(path, expected=source.names, encoding=source.encoding, sheet=source.sheet)
    except UnreadableFile as err:
        file.error, file.failures = str(err), _file_failure(file, "unreadable", str(err))
        return
    finally:
        file.seconds = time.perf_counter() - started
    text = table.frame.with_columns(
        pl.lit(file.name).alias("file"), pl.lit(file.sha256).alias("sha256")
    )
    file.rows_read = text.height
    missing = [f.name for f in source.fields if f.required and f.name not in text.columns]
    if missing:
        file.error = f"missing required column(s): {', '.join(missing)}"
        file.failures = text.select(
            pl.lit(file.source).alias("source"), "file", "sha256", "row_index",
            pl.lit(missing[0]).alias("column_name"), pl.lit("missing_column").alias("rule"),
            pl.lit(None, pl.Utf8).alias("value"),
        )  # fmt: skip
    elif text.height == 0:
        file.error, file.failures = "no data rows", _file_failure(file, "no_rows", None)
    else:
        file.text, file.repairs = text, table.repairs


def _check_source(
    files: list[_File], source: catalog.Source, year_be: int, areas: AreaRegister, day: date
) -> tuple[pl.DataFrame, pl.DataFrame, pl.Series, float]:
    """Row rules over all readable files of a source at once (per-file calls cost 100 ms each).

    Returns the rows that passed, the failures, every delivered row's house code, and the
    seconds spent normalising and checking.
    """
    texts = [f.text for f in files if f.text is not None]
    if not texts:
        return (
            pl.DataFrame(schema=EMPTY_ROWS[source.name]),
            pl.DataFrame(schema=FAILURE_COLUMNS),
            pl.Series("house_code", [], pl.Utf8),
            0.0,
        )
    text = pl.concat(texts, how="diagonal_relaxed").rename({"row_index": "file_row"})
    text = text.with_columns(
        pl.lit(None, pl.Utf8).alias(f.name) for f in source.fields if f.name not in text.columns
    ).with_row_index("row_index")
    delivered = text.select(whole_code(clean_text(pl.col("house_code"))).alias("house_code"))
    started = time.perf_counter()
    possible = frozenset().union(*(f.repairs for f in files if f.text is not None))
    checked = check_rows(
        text, source, year_be=year_be, areas=areas, reference_day=day, possible_repairs=possible
    )
    seconds = time.perf_counter() - started
    rows = checked.rows.drop("row_index").rename({"file_row": "row_index"})
    failures = checked.failures.join(
        text.select("row_index", "file", "sha256", "file_row"), on="row_index"
    ).select(
        pl.lit(source.name).alias("source"), "file", "sha256",
        pl.col("file_row").alias("row_index"), pl.col("column").alias("column_name"),
        "rule", "value",
    )  # fmt: skip
    return rows, failures.cast(FAILURE_COLUMNS), delivered["house_code"].drop_nulls(), seconds


def _flag(frame: pl.DataFrame, bad: pl.Expr, source: str, column: str, rule: str) -> pl.DataFrame:
    value = pl.col(column).cast(pl.Utf8) if column in frame.columns else pl.lit(None, pl.Utf8)
    return frame.filter(bad.fill_null(False)).select(
        pl.lit(source).alias("source"),
        "file",
        "sha256",
        pl.col("row_index").cast(pl.Int64),
        pl.lit(column).alias("column_name"),
        pl.lit(rule).alias("rule"),
        value.alias("value"),
    )


def _stack(frames: list[pl.DataFrame | None], schema: dict | None = None) -> pl.DataFrame:
    present = [f for f in frames if f is not None and f.height]
    if present:
        return pl.concat(present, how="diagonal_relaxed")
    return pl.DataFrame(schema=schema or {})


def _pseudonymise(
    households: pl.DataFrame, members: pl.DataFrame, delivered: dict[str, pl.Series], key: bytes
) -> tuple[pl.DataFrame, pl.DataFrame, pl.Series, pl.DataFrame]:
    """Keys for every house code and citizen ID; the raw values are dropped before writing.

    ``delivered``: per source, the house code of every row delivered, valid or not. Returns the
    two frames with their keys, the keys of every household row delivered, and how many member
    rows were delivered per household key.
    """
    house_key = Pseudonymiser(key, "house")
    households = households.with_columns(house_key(households["house_code"]).alias("household_key"))
    members = members.with_columns(
        house_key(members["house_code"]).alias("household_key"),
        Pseudonymiser(key, "person")(members["citizen_id"]).alias("person_key"),
    )
    member_rows = (
        house_key(delivered[MEMBER]).alias("household_key").to_frame()
        .group_by("household_key").len("delivered")
    )  # fmt: skip
    return households, members, house_key(delivered[HOUSEHOLD]), member_rows


def _cross_row_rules(
    households: pl.DataFrame,
    members: pl.DataFrame,
    household_rows: pl.Series,
    member_rows: pl.DataFrame,
) -> tuple[pl.DataFrame, pl.DataFrame, list[pl.DataFrame]]:
    """Rules across rows and files, in the order the module docstring gives."""
    any_household_row = household_rows.implode()
    house = pl.col("household_key")
    failures: list[pl.DataFrame] = []

    def reject(frame, bad, source, column, rule) -> pl.DataFrame:
        marked = frame.with_columns(bad.fill_null(False).alias("_bad"))
        failures.append(_flag(marked, pl.col("_bad"), source, column, rule))
        return marked.filter(~pl.col("_bad")).drop("_bad")

    households = reject(
        households, ~house.is_first_distinct(), HOUSEHOLD, "house_code", "duplicate_household"
    )
    households = households.join(member_rows, on="household_key", how="left")
    households = reject(
        households,
        pl.col("members_declared") != pl.col("delivered"),
        HOUSEHOLD,
        "members_declared",
        "member_count_mismatch",
    )
    kept = households["household_key"].implode()
    members = reject(
        members, ~house.is_in(any_household_row), MEMBER, "house_code", "member_without_household"
    )
    members = reject(members, ~house.is_in(kept), MEMBER, "house_code", "household_rejected")
    members = reject(
        members,
        house.n_unique().over("person_key") > 1,
        MEMBER,
        "citizen_id",
        "person_in_two_households",
    )
    members = reject(
        members, ~pl.col("person_key").is_first_distinct(), MEMBER, "citizen_id", "duplicate_member"
    )
    households = reject(
        households,
        ~house.is_in(members["household_key"].implode()),
        HOUSEHOLD,
        "house_code",
        "household_without_members",
    )
    return households, members, failures


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
    started = time.perf_counter()
    read: list[_File] = []
    first_by_hash: dict[str, str] = {}
    for source_name, paths in files.items():
        for path in paths:
            name = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
            file = _File(source_name, name, sha256_of(path))
            if file.sha256 in first_by_hash:
                file.error = f"same content as {first_by_hash[file.sha256]}"
                file.failures = _file_failure(file, "duplicate_file", first_by_hash[file.sha256])
            else:
                first_by_hash[file.sha256] = name
                _read(file, path)
            if file.error:
                log(f"{name}: FILE ERROR: {file.error}")
            read.append(file)

    timings = {"read": time.perf_counter() - started}
    started = time.perf_counter()
    checked = {
        name: _check_source(
            [f for f in read if f.source == name], source, year_be, areas, reference_day
        )
        for name, source in catalog.sources().items()
        if name in (HOUSEHOLD, MEMBER)
    }
    households, h_failures, h_codes, h_seconds = checked[HOUSEHOLD]
    members, m_failures, m_codes, m_seconds = checked[MEMBER]
    # putting the files of a source together is reading; normalising and checking is validating
    timings["validate"] = h_seconds + m_seconds
    timings["read"] += time.perf_counter() - started - timings["validate"]
    started = time.perf_counter()
    households, members, household_rows, member_rows = _pseudonymise(
        households, members, {HOUSEHOLD: h_codes, MEMBER: m_codes}, key
    )
    timings["pseudonymise"] = time.perf_counter() - started
    started = time.perf_counter()
    households, members, cross = _cross_row_rules(households, members, household_rows, member_rows)
    timings["validate"] += time.perf_counter() - started
    failures = _stack(
        [f.failures for f in read] + [h_failures, m_failures] + cross, FAILURE_COLUMNS
    ).cast(FAILURE_COLUMNS)
    ledger = _ledger(read, households, members, failures)
    log(
        f"{len(read)} files, {sum(f.rows_read for f in read):,} rows read; seconds: "
        + ", ".join(f"{k} {v:.2f}" for k, v in timings.items())
    )
    return StagedYear(households, members, failures, ledger, timings)


def _ledger(
    read: list[_File], households: pl.DataFrame, members: pl.DataFrame, failures: pl.DataFrame
) -> pl.DataFrame:
    staged: dict[str, int] = {}
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
    for f in read:
        row = {
            "source": f.source,
            "file": f.name,
            "sha256": f.sha256,
            "rows_read": f.rows_read,
            "rows_staged": staged.get(f.name, 0),
            "rows_quarantined": quarantined.get(f.name, 0),
            "file_error": f.error,
            "seconds": f.seconds,
        }
        if row["rows_read"] != row["rows_staged"] + row["rows_quarantined"]:
            raise AssertionError(f"{f.name}: rows read != staged + quarantined: {row}")
        rows.append(row)
    return pl.DataFrame(rows, schema_overrides={"file_error": pl.Utf8})


def quarantine_rows(failures: pl.DataFrame, year_be: int) -> pl.DataFrame:
    """Failures with their messages; direct identifiers masked so only their length shows."""
    direct = {
        f"{source.name}.{f.name}"
        for source in catalog.sources().values()
        for f in source.fields
        if f.pii == "direct"
    } | {f"{s}.{EXTRA_CELLS}" for s in catalog.sources()}
    qualified = pl.col("source") + "." + pl.col("column_name").fill_null("")
    masked = failures.with_columns(
        pl.when(qualified.is_in(list(direct)))
        .then(pl.col("value").str.replace_all(r"\S", "*"))
        .otherwise(pl.col("value"))
        .alias("value")
    )
    # the column as people know it: its name and its label from the field catalog
    labels = {
        (source.name, f.name): {"en": f.label_en, "th": f.label_th}
        for source in catalog.sources().values()
        for f in source.fields
    }

    def column(source: str, name: str | None, lang: str) -> str:
        label = labels.get((source, name or ""), {}).get(lang)
        return f"{name} ({label})" if label else (name or "")

    rows = list(masked.select("source", "rule", "column_name", "value").iter_rows())
    texts = {
        lang: [message(r, column(s, c, lang), v, lang) for s, r, c, v in rows]
        for lang in ("en", "th")
    }
    return masked.with_columns(
        pl.lit(year_be).alias("year_be"),
        pl.Series("message_en", texts["en"], dtype=pl.Utf8),
        pl.Series("message_th", texts["th"], dtype=pl.Utf8),
    )
