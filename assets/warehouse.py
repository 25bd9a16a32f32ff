"""The DuckDB warehouse as a Dagster resource, and the one way to write a survey year."""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
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

    def publish(self) -> Path:
        """Copy the live file to the snapshot atomically, so readers never see half a file."""
        with self.connect() as con:
            con.execute("CHECKPOINT")
        target = Path(self.published_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        shutil.copyfile(self.path, partial)
        partial.replace(target)
        return target


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
