"""The standard Dagster metadata of every asset, declared once and applied in
pipelines/definitions.py: kinds, owners, the table's column schema with a description of each
column from the catalogs, and the freshness policy of the marts the nightly schedule keeps.

The column schemas are read off sql/schema.sql itself (run in an in-memory DuckDB), so they are
the tables' real columns and types; the descriptions come from schemas/catalog/columns.yaml,
fields.yaml (the input columns) and indicators.yaml (the 17 status columns). The row counts an
asset reports at run time use Dagster's own key, ``dagster/row_count`` (``row_count``).
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache

import dagster as dg
import duckdb

import sql
from schemas import catalog

OWNERS = ["team:chipao"]
ROW_COUNT = "dagster/row_count"

# Dagster's kinds (icons and filters in the UI): what each group is computed with, and what
# checks it (great_expectations) where a GX suite runs on the table.
KINDS = {
    "reference": {"duckdb", "polars"},
    "bmn": {"duckdb", "polars", "pandera"},
    "core": {"duckdb"},
    "marts": {"duckdb", "polars"},  # the measure marts: measures.areas in Polars
    "exports": {"polars", "csv", "parquet"},
    "publish": {"duckdb"},
    "sources": {"duckdb"},  # the configured sources' tables; a pull asset names its own kind
}
KINDS_OF = {  # where an asset differs from its group
    ("core", "fact_person"): {"duckdb", "great_expectations"},
    ("marts", "area_summary"): {"duckdb", "great_expectations"},  # SQL, checked by GX
    ("marts", "area_indicator"): {"duckdb", "great_expectations"},
}
# The BMN survey is yearly and the nightly schedule recomputes a year only when its files or
# rules change, so a mart is materialized about once a year. Warned after 13 months: the next
# survey year is a month late, or its runs keep failing. Failed after 25: a whole survey year
# is missing. (15 months, as before, showed in the UI as "Fails if more than a year… Warns if
# more than a year": Dagster rounds every window of 11 to 17 months to "a year".)
NIGHTLY_GROUPS = {"marts", "exports", "publish"}
FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=timedelta(days=760), warn_window=timedelta(days=400)
)


def row_count(rows: int) -> dict[str, int]:
    """The metadata Dagster shows as an asset's row count."""
    return {ROW_COUNT: int(rows)}


@cache
def _columns() -> dict[tuple[str, str], list[tuple[str, str]]]:
    """(schema, table) -> [(column, DuckDB type)] of sql/schema.sql, in table order."""
    with duckdb.connect() as con:
        con.execute(sql.load("schema"))
        rows = con.execute(
            "SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns() "
            "WHERE database_name = current_database() ORDER BY schema_name, table_name, "
            "column_index"
        ).fetchall()
    tables: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for schema, table, column, kind in rows:
        tables.setdefault((schema, table), []).append((column, kind))
    return tables


@cache
def descriptions() -> dict[str, str]:
    """Column -> its meaning: columns.yaml, then the input fields, then the indicators."""
    out = {}
    for source in catalog.sources().values():
        for field in source.fields:
            out.setdefault(field.name, f"{field.label_en} ({field.label_th})")
    for ind in catalog.indicators():
        out[ind.column] = (
            f"Indicator {ind.code} status: 1 deprived, 0 not, NULL not applicable "
            f"({ind.name_en}; {ind.name_th})"
        )
        out[f"own_{ind.column}"] = f"Indicator {ind.code} status of the person alone (own answers)"
        out[f"blank_{ind.column}"] = f"Indicator {ind.code}: 1 when its answers were left blank"
    out.update(catalog.column_descriptions())
    return out


def table_schema(key: dg.AssetKey) -> dg.TableSchema | None:
    """The column schema of the warehouse table of an asset key [schema, table], if it is one."""
    path = tuple(key.path)
    if len(path) != 2 or path not in _columns():
        return None
    meaning = descriptions()
    return dg.TableSchema(
        columns=[
            dg.TableColumn(name, kind.lower(), description=meaning.get(name))
            for name, kind in _columns()[path]
        ]
    )


def annotate(spec: dg.AssetSpec) -> dg.AssetSpec:
    """One asset's standard metadata, added to what it declares itself."""
    group = spec.group_name or "default"
    metadata = dict(spec.metadata or {})
    schema = table_schema(spec.key)
    if schema is not None:
        metadata.setdefault("dagster/column_schema", schema)
        metadata.setdefault("dagster/table_name", ".".join(spec.key.path))
    return spec.replace_attributes(
        kinds=set(spec.kinds or ()) | KINDS_OF.get(tuple(spec.key.path), KINDS.get(group, set())),
        owners=list(dict.fromkeys([*(spec.owners or ()), *OWNERS])),
        metadata=metadata,
        freshness_policy=FRESHNESS if group in NIGHTLY_GROUPS else spec.freshness_policy,
    )


def with_standard_metadata(assets):
    return dg.map_asset_specs(annotate, assets)
