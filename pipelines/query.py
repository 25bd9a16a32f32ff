"""Read-only access to the published warehouse, for the CLI and analysts' notebooks.

Nobody but the pipeline opens the live file (one writer; a reader would block it): this opens
the snapshot the pipeline publishes after every successful year.
"""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.settings import Settings, load_settings


class NoWarehouse(RuntimeError):
    pass


def connect_published(settings: Settings | None = None) -> duckdb.DuckDBPyConnection:
    settings = settings or load_settings()
    if not settings.published.exists():
        raise NoWarehouse(
            f"no published warehouse at {settings.published}: run `chipao run` (or `make demo`)"
        )
    con = duckdb.connect(str(settings.published), read_only=True)
    con.execute("SET enable_progress_bar = false")
    return con


def query(sql: str, params: dict | None = None, settings: Settings | None = None) -> pl.DataFrame:
    """Run one query on the published warehouse and return a Polars frame."""
    with connect_published(settings) as con:
        return con.sql(sql, params=params or {}).pl()
