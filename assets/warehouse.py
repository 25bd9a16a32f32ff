"""The DuckDB warehouse as a Dagster resource, and the one way to write a survey year."""

from __future__ import annotations

import os
import shutil
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

import sql

# Every asset that writes DuckDB runs in this pool; dagster.yaml limits it to 1 (one writer).
WRITER_POOL = "duckdb_writer"

SURVEY_YEARS = dg.DynamicPartitionsDefinition(name="survey_year")


class Warehouse(dg.ConfigurableResource):
    """The live warehouse file (pipeline only) and its published read-only snapshot."""

    path: str
    published_path: str

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        # no progress bars: they would fill the run logs
        con = duckdb.connect(self.path)
        try:
            con.execute("SET enable_progress_bar = false")
            con.execute(sql.load("schema"))
            yield con
        finally:
            con.close()

    def publish(
        self,
        year_be: int,
        *,
        fingerprint: str,
        files: int,
        size: int,
        run_id: str | None,
        restore: Collection[int] = (),
    ) -> Path:
        """Record what the year was computed from, then replace the snapshot with a copy of the
        live file, atomically: the copy is written beside the snapshot and renamed over it, so
        readers see the old file or the new one, never half of one, and connections open on the
        old file keep reading it. The years in ``restore`` were written to the live file by runs
        that did not publish (a failed check, a crash): the copy gets their last published rows
        back, or none, so that only what passed its checks is ever published."""
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            con.execute("DELETE FROM core.year_input WHERE year_be = ?", [year_be])
            con.execute(
                "INSERT INTO core.year_input VALUES (?, ?, ?, ?, ?, ?)",
                [year_be, fingerprint, files, size, run_id, datetime.now()],
            )
            con.execute("COMMIT")
            con.execute("CHECKPOINT")  # the file alone then holds everything: no WAL to copy
        target = Path(self.published_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        # a WAL left by a crash would be replayed onto the fresh copy and corrupt it
        for leftover in (partial, partial.with_name(partial.name + ".wal")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(self.path, partial)
        restore = sorted(set(restore) - {year_be})
        if restore:
            _restore_years(partial, target, restore)
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())  # on disk before the rename makes it the snapshot
        os.replace(partial, target)
        return target


def _restore_years(copy: Path, published: Path, years: Sequence[int]) -> None:
    """In ``copy``, replace the rows of ``years`` by those of the published snapshot (by name,
    the columns both have), or drop them when the snapshot has none."""
    con = duckdb.connect(str(copy))
    try:
        con.execute("SET enable_progress_bar = false")
        old = published.exists()
        if old:
            con.execute("ATTACH ? AS old (READ_ONLY)", [str(published)])
        columns = con.execute(
            "SELECT database_name, schema_name, table_name, "
            "list(column_name ORDER BY column_index) FROM duckdb_columns() "
            "JOIN duckdb_tables() USING (database_name, schema_name, table_name) "
            "WHERE database_name IN (current_database(), 'old') GROUP BY ALL"
        ).fetchall()
        here = {(s, t): c for d, s, t, c in columns if d != "old"}
        there = {(s, t): c for d, s, t, c in columns if d == "old"}
        marks = ", ".join("?" for _ in years)
        con.execute("BEGIN TRANSACTION")
        for (schema, table), names in here.items():
            if "year_be" not in names:
                continue  # reference tables: the live ones are the ones the year was built on
            con.execute(f"DELETE FROM {schema}.{table} WHERE year_be IN ({marks})", years)
            common = [n for n in names if n in there.get((schema, table), [])]
            if old and "year_be" in common:
                listed = ", ".join(f'"{n}"' for n in common)
                con.execute(
                    f"INSERT INTO {schema}.{table} ({listed}) SELECT {listed} "
                    f"FROM old.{schema}.{table} WHERE year_be IN ({marks})",
                    years,
                )
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def replace_year(
    con: duckdb.DuckDBPyConnection,
    table: str,
    year_be: int,
    sql_name: str,
    params: Mapping[str, Any] | None = None,
) -> int:
    """Delete one survey year of ``table`` and insert it again from ``sql/<sql_name>.sql``.

    One transaction: a failure leaves the old rows, a re-run gives the same rows.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f"DELETE FROM {table} WHERE year_be = $year_be", {"year_be": year_be})
        con.execute(sql.load(sql_name), {"year_be": year_be, **(params or {})})
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return count_year(con, table, year_be)


def count_year(con: duckdb.DuckDBPyConnection, table: str, year_be: int) -> int:
    row = con.execute(f"SELECT count(*) FROM {table} WHERE year_be = ?", [year_be]).fetchone()
    return int(row[0])


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    schema, name = table.split(".")
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
        [schema, name],
    ).fetchall()
    return [r[0] for r in rows]


def insert_frame(con: duckdb.DuckDBPyConnection, table: str, frame: Any) -> None:
    """Insert a Polars frame by column name, keeping only the table's columns."""
    if frame.height == 0:
        return
    keep = [c for c in table_columns(con, table) if c in frame.columns]
    con.register("incoming", frame.select(keep))
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM incoming")
    finally:
        con.unregister("incoming")
