"""The one write path: per-table delete and insert in one transaction, strict about columns."""

from datetime import datetime

import duckdb
import polars as pl
import pytest

import store.tables
from assets.warehouse import Warehouse
from store.tables import Rows, count_year


@pytest.fixture
def warehouse(tmp_path):
    return Warehouse(
        path=str(tmp_path / "warehouse.duckdb"), published_path=str(tmp_path / "pub.duckdb")
    )


def _ledger(file: str, year_be: int = 2565) -> pl.DataFrame:
    return pl.DataFrame(
        {"year_be": [year_be], "source": ["bmn_household"], "file": [file], "sha256": ["ab"],
         "rows_read": [3], "rows_staged": [3], "rows_quarantined": [0],
         "loaded_at": [datetime(2026, 12, 1)]}
    )  # fmt: skip


def _files(warehouse: Warehouse) -> list[tuple]:
    with warehouse.connect(read_only=True) as con:
        return con.execute("SELECT year_be, file FROM core.ingest_ledger ORDER BY ALL").fetchall()


def test_a_year_is_replaced_and_other_years_kept(warehouse):
    warehouse.write(2565, {"core.ingest_ledger": Rows(_ledger("a.csv"))})
    warehouse.write(2566, {"core.ingest_ledger": Rows(_ledger("b.csv", 2566))})
    counts = warehouse.write(2565, {"core.ingest_ledger": Rows(_ledger("c.csv"))})
    assert counts == {"core.ingest_ledger": 1}
    assert _files(warehouse) == [(2565, "c.csv"), (2566, "b.csv")]


def test_a_column_the_table_lacks_is_an_error_not_dropped(warehouse):
    frame = _ledger("a.csv").with_columns(pl.lit("1234567890123").alias("citizen_id"))
    with pytest.raises(ValueError, match="core.ingest_ledger has no column.*citizen_id"):
        warehouse.write(2565, {"core.ingest_ledger": Rows(frame)})


def test_a_failure_in_any_table_rolls_back_every_table(warehouse, monkeypatch):
    warehouse.write(2565, {"core.ingest_ledger": Rows(_ledger("old.csv"))})
    original = store.tables._insert

    def fail_on_second(con, table, rows, year_be):
        if table == "raw.landing_file":
            raise OSError("disk full")
        return original(con, table, rows, year_be)

    monkeypatch.setattr(store.tables, "_insert", fail_on_second)
    with pytest.raises(OSError, match="disk full"):
        warehouse.write(
            2565,
            {"core.ingest_ledger": Rows(_ledger("new.csv")), "raw.landing_file": Rows(None)},
        )
    assert _files(warehouse) == [(2565, "old.csv")]


def test_reference_tables_are_replaced_whole(warehouse):
    levels = pl.DataFrame({"level": ["country"], "area_code": ["TH"], "name_th": ["ไทย"],
                           "name_en": ["Thailand"]})  # fmt: skip
    warehouse.write(None, {"core.dim_area": Rows(levels)})
    counts = warehouse.write(None, {"core.dim_area": Rows(levels)})
    assert counts == {"core.dim_area": 1}


def test_the_ddl_runs_once_per_schema_change_not_per_connection(warehouse, monkeypatch):
    with warehouse.connect():
        pass
    loads = []
    original = store.tables.sql.load
    monkeypatch.setattr(store.tables.sql, "load", lambda n: loads.append(n) or original(n))
    with warehouse.connect() as con:
        assert count_year(con, "core.ingest_ledger", 2565) == 0
    with warehouse.connect(read_only=True):
        pass
    assert loads == []
    # a file made by an older schema is brought up to date on the next writing connection
    with duckdb.connect(warehouse.path) as con:
        con.execute("UPDATE core.schema_version SET hash = 'older'")
        con.execute("DROP TABLE marts.area_inequality")
    with warehouse.connect() as con:
        assert con.execute("SELECT count(*) FROM marts.area_inequality").fetchall() == [(0,)]


def test_a_warehouse_made_before_gets_the_village_table_and_the_long_view(tmp_path):
    """Before issue 17, core.village_area was a view and marts.area_indicator a table: DuckDB
    refuses to drop one kind as the other, so the DDL alone could not replace them."""
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA core; CREATE SCHEMA marts")
        con.execute("CREATE VIEW core.village_area AS SELECT '58010101' AS village_code")
        con.execute("CREATE TABLE marts.area_indicator (year_be INTEGER, indicator_code VARCHAR)")
        con.execute("INSERT INTO marts.area_indicator VALUES (2565, '1.1')")
    with Warehouse(path=str(path), published_path=str(tmp_path / "pub.duckdb")).connect() as con:
        kinds = dict(
            con.execute(
                "SELECT schema_name || '.' || table_name, 'table' FROM duckdb_tables() "
                "UNION ALL SELECT schema_name || '.' || view_name, 'view' FROM duckdb_views() "
                "WHERE NOT internal"
            ).fetchall()
        )
        assert kinds["core.village_area"] == "table"
        assert kinds["marts.area_indicator"] == "view"
        assert kinds["marts.area_indicator_wide"] == "table"
        # the old rows are gone, to be recomputed: a changed SQL file makes the next run do it
        assert con.execute("SELECT count(*) FROM marts.area_indicator").fetchall() == [(0,)]
