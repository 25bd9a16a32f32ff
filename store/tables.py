"""The DuckDB warehouse, and the one way to write to it.

Every write goes through ``write``: per table, delete the survey year (or, for reference
tables, everything) and insert the new rows, all tables in one transaction that is rolled back
on any error. A frame may only carry columns the table has: a misspelt column is an error, not
a silently dropped value. ``publish`` makes the analysts' snapshot. Pure: the Dagster resource
(assets/warehouse.py) holds the paths and calls these.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

import sql

# The DDL's own hash, stored in the file: a connection runs the DDL only when it changed.
SCHEMA_HASH = hashlib.sha256(sql.load("schema").encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Rows:
    """New rows for one table: a frame inserted by column name, or an INSERT in sql/<sql>.sql;
    ``Rows()`` leaves the year empty.

    With both, the frame is visible to the SQL as ``incoming`` and ``{table}`` in the SQL is the
    target table (sql/measures/insert_named.sql adds area names that way).
    """

    frame: pl.DataFrame | None = None
    sql: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


# Objects of sql/schema.sql whose kind changed (issue 17), with the kind a warehouse made before
# holds: DuckDB refuses DROP VIEW IF EXISTS on a table (and the reverse), so the DDL cannot say
# it. Their rows come back when the years are recomputed, which a changed SQL file makes the
# next run do (store/inputs.py).
REPLACED = {"core.village_area": "VIEW", "marts.area_indicator": "TABLE"}


def _drop_replaced(con: duckdb.DuckDBPyConnection) -> None:
    for name, kind in REPLACED.items():
        schema, table = name.split(".")
        catalog = "duckdb_views()" if kind == "VIEW" else "duckdb_tables()"
        column = "view_name" if kind == "VIEW" else "table_name"
        (found,) = con.execute(
            f"SELECT count(*) FROM {catalog} WHERE schema_name = ? AND {column} = ? "
            "AND database_name = current_database()",
            [schema, table],
        ).fetchall()
        if found[0]:
            con.execute(f"DROP {kind} {name}")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create or update the tables, once per change of sql/schema.sql rather than per connection."""
    con.execute("CREATE SCHEMA IF NOT EXISTS core")
    con.execute("CREATE TABLE IF NOT EXISTS core.schema_version (hash VARCHAR)")
    (row,) = con.execute("SELECT max(hash) FROM core.schema_version").fetchall()
    if row[0] == SCHEMA_HASH:
        return
    con.execute("BEGIN TRANSACTION")
    try:
        _drop_replaced(con)
        con.execute(sql.load("schema"))
        con.execute("DELETE FROM core.schema_version")
        con.execute("INSERT INTO core.schema_version VALUES (?)", [SCHEMA_HASH])
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise


@contextmanager
def connect(
    path: Path, memory_limit: str, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the live file; a writing one first brings the tables up to date."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        # no progress bars: they would fill the run logs
        con.execute("SET enable_progress_bar = false")
        con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute(f"SET temp_directory = '{path.parent / 'duckdb_spill'}'")
        if not read_only:
            ensure_schema(con)
        yield con
    finally:
        con.close()


def publish(
    live: Path,
    target: Path,
    memory_limit: str,
    year_be: int,
    *,
    fingerprint: str,
    files: int,
    size: int,
    run_id: str | None,
    restore: Collection[int] = (),
) -> Path:
    """Record in the live file what the year was computed from, then replace the snapshot
    ``target`` with a copy of the live file, atomically: the copy is written beside the
    snapshot and renamed over it, so readers see the old file or the new one, never half of
    one, and connections open on the old file keep reading it. The years in ``restore`` were
    written to the live file by runs that did not publish (a failed check, a crash): the copy
    gets their last published rows back, or none, so that only what passed its checks is ever
    published."""
    inputs = {"year_be": year_be, "fingerprint": fingerprint, "files": files, "bytes": size,
              "run_id": run_id, "published_at": datetime.now()}  # fmt: skip
    with connect(live, memory_limit) as con:
        write(con, year_be, {"core.year_input": Rows(pl.DataFrame([inputs]))})
        con.execute("CHECKPOINT")  # the file alone then holds everything: no WAL to copy
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    # a WAL left by a crash would be replayed onto the fresh copy and corrupt it
    for leftover in (partial, partial.with_name(partial.name + ".wal")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(live, partial)
    restore = sorted(set(restore) - {year_be})
    if restore:
        restore_years(partial, target, restore)
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())  # on disk before the rename makes it the snapshot
    os.replace(partial, target)
    return target


def publish_tables(live: Path, target: Path, tables: list[str]) -> Path:
    """Put the live rows of ``tables`` (none of them a survey year's) into the published
    snapshot, atomically (copy, change, sync, rename), leaving its survey years as published.
    Without a snapshot yet, the copy of the live file keeps no survey year's rows."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".sources.partial")
    partial.unlink(missing_ok=True)
    shutil.copyfile(target if target.exists() else live, partial)
    try:
        if not target.exists():
            with duckdb.connect(str(partial)) as con:
                years = [r[0] for r in con.execute(sql.load("sources/live_years")).fetchall()]
            restore_years(partial, target, years)
        with duckdb.connect(str(partial)) as con:
            ensure_schema(con)
            con.execute("ATTACH ? AS live (READ_ONLY)", [str(live)])
            con.execute("BEGIN TRANSACTION")
            for table in tables:
                con.execute(f"DELETE FROM {table}")
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM live.{table}")
            con.execute("COMMIT")
            con.execute("DETACH live")
            con.execute("CHECKPOINT")
        with partial.open("rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def restore_years(copy: Path, published: Path, years: Sequence[int]) -> None:
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


def query(con: duckdb.DuckDBPyConnection, name: str, **params: int) -> pl.DataFrame:
    """sql/<name>.sql as a frame, given the parameters it names (a file names only some)."""
    text = sql.load(name)
    return con.sql(text, params={k: v for k, v in params.items() if f"${k}" in text}).pl()


def year_columns(year_be: int) -> list[pl.Expr]:
    """The survey year as every year's table carries it: CE ``year`` and BE ``year_be``."""
    return [pl.lit(year_be - 543).alias("year"), pl.lit(year_be).alias("year_be")]


def write(
    con: duckdb.DuckDBPyConnection, year_be: int | None, tables: Mapping[str, Rows]
) -> dict[str, int]:
    """The one write path: delete and insert per table, all in one transaction.

    Returns the rows each table holds for the year afterwards. On any error nothing is
    changed and the error is raised again.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        for table, rows in tables.items():
            if year_be is None:
                con.execute(f"DELETE FROM {table}")
            else:
                con.execute(f"DELETE FROM {table} WHERE year_be = ?", [year_be])
            _insert(con, table, rows, year_be)
        counts = {table: _count(con, table, year_be) for table in tables}
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        con.unregister("incoming")  # after the rollback: an aborted transaction refuses it
        raise
    return counts


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: Rows, year_be: int | None) -> None:
    if rows.frame is None and rows.sql is None:
        return  # Rows(): the year is emptied
    if rows.frame is None:
        # an INSERT … SELECT over the warehouse takes the year it fills as $year_be
        year = {"year_be": year_be} if year_be is not None else {}
        con.execute(sql.load(rows.sql).format(table=table), {**year, **rows.params})
        return
    extra = sorted(set(rows.frame.columns) - set(table_columns(con, table)))
    if extra:
        raise ValueError(f"{table} has no column(s) {', '.join(extra)}: declare them in schema.sql")
    if rows.frame.height == 0 and rows.sql is None:
        return
    statement = sql.load(rows.sql) if rows.sql else "INSERT INTO {table} BY NAME FROM incoming"
    con.register("incoming", rows.frame)
    con.execute(statement.format(table=table), dict(rows.params) or None)
    con.unregister("incoming")


def _count(con: duckdb.DuckDBPyConnection, table: str, year_be: int | None) -> int:
    if year_be is None:
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
    return count_year(con, table, year_be)


def count_year(con: duckdb.DuckDBPyConnection, table: str, year_be: int) -> int:
    (row,) = con.execute(f"SELECT count(*) FROM {table} WHERE year_be = ?", [year_be]).fetchall()
    return int(row[0])


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    schema, name = table.split(".")
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
        [schema, name],
    ).fetchall()
    return [r[0] for r in rows]
