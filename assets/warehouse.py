"""The DuckDB warehouse as a Dagster resource (its paths and memory), the survey-year partitions
and the writer pool. What it does is store/tables.py's: the one write path, the DDL, publishing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb

from store import tables
from store.tables import Rows

# Every asset that writes DuckDB runs in this pool; dagster.yaml limits it to 1 (one writer).
WRITER_POOL = "duckdb_writer"

SURVEY_YEARS = dg.DynamicPartitionsDefinition(name="survey_year")


class Warehouse(dg.ConfigurableResource):
    """The live warehouse file (pipeline only) and its published read-only snapshot."""

    path: str
    published_path: str
    # DuckDB spills to disk beyond this, so that a national year fits beside everything else
    memory_limit: str = "4GB"

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the live file; a writing one first brings the tables up to date."""
        with tables.connect(Path(self.path), self.memory_limit, read_only) as con:
            yield con

    def write(self, year_be: int | None, rows: Mapping[str, Rows]) -> dict[str, int]:
        """Replace one survey year of each table (every row when ``year_be`` is None)."""
        with self.connect() as con:
            return tables.write(con, year_be, rows)

    def publish(self, year_be: int, **inputs: Any) -> Path:
        """The year's snapshot, published: ``inputs`` are what it was computed from and the
        years to restore (store/tables.py ``publish``)."""
        return tables.publish(
            Path(self.path), Path(self.published_path), self.memory_limit, year_be, **inputs
        )

    def publish_tables(self, names: list[str]) -> Path:
        """The live rows of tables of no survey year, published (store/tables.py)."""
        return tables.publish_tables(Path(self.path), Path(self.published_path), names)
