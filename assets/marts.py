"""Marts per area, level, year and age band: the tables analysts and reports rely on."""

import dagster as dg

from assets.metadata import ROW_COUNT
from assets.survey_year import year_asset
from assets.warehouse import Warehouse
from schemas import catalog
from store.tables import Rows, write


def _params(name: str, year_be: int) -> dict[str, object]:
    """The catalog's rules the mart's SQL takes: the TPMAP year the survey feeds, and which
    indicators TPMAP counts by person rather than by household."""
    params: dict[str, object] = {"tpmap_year_be": catalog.tpmap_year(year_be)}
    if name == "area_indicator":
        indicators = catalog.indicators(year_be)
        params["person_counted"] = [i.code for i in indicators if i.counted_by == "person"]
    return params


# The table a mart is stored in, where it is not the mart's name: area_indicator is stored wide,
# and marts.area_indicator is its long view (sql/schema.sql).
STORED = {"area_indicator": "area_indicator_wide"}


def _mart(name: str, description: str, deps: list[list[str]]) -> dg.AssetsDefinition:
    @year_asset(
        "marts",
        key=["marts", name],
        deps=deps,
        description=description,
    )
    def mart(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        year_be = int(context.partition_key)
        with warehouse.connect() as con:
            table = f"marts.{STORED.get(name, name)}"
            sql = Rows(sql=f"marts/{name}", params=_params(name, year_be))
            rows = write(con, year_be, {table: sql})[table]
            levels = dict(
                con.execute(
                    f"SELECT level, count(*) FROM {table} WHERE year_be = ? GROUP BY level",
                    [year_be],
                ).fetchall()
            )
        return dg.MaterializeResult(
            metadata={ROW_COUNT: rows, **{f"rows_{k}": v for k, v in levels.items()}}
        )

    return mart


area_summary = _mart(
    "area_summary",
    "Households, persons, MPI-poor (TPMAP: members of a household failing an indicator) and "
    "target-poor persons per (year, level, area, age band); docs/marts.md, 'How the marts count'.",
    [["core", "fact_person"], ["core", "dim_area"]],
)
area_indicator = _mart(
    "area_indicator",
    "Persons in scope, persons and households deprived, answers missing per indicator, area, "
    "level, age band, counted as TPMAP counts (indicators.yaml counted_by); stored wide in "
    "marts.area_indicator_wide, one row per area and band; docs/marts.md, 'How the marts count'.",
    [["core", "fact_person"], ["core", "dim_area"]],
)
