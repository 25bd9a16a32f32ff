"""Marts per area, level, year and age band: the tables analysts and reports rely on."""

import dagster as dg

from assets.metadata import ROW_COUNT
from assets.warehouse import SURVEY_YEARS, WRITER_POOL, Rows, Warehouse, write
from schemas import catalog


def _params(name: str, year_be: int) -> dict[str, object]:
    """The catalog's rules the mart's SQL takes: the TPMAP year the survey feeds, and which
    indicators TPMAP counts by person rather than by household."""
    params: dict[str, object] = {"tpmap_year_be": catalog.tpmap_year(year_be)}
    if name == "area_indicator":
        indicators = catalog.indicators(year_be)
        params["person_counted"] = [i.code for i in indicators if i.counted_by == "person"]
    return params


def _mart(name: str, description: str, deps: list[list[str]]) -> dg.AssetsDefinition:
    @dg.asset(
        key=["marts", name],
        deps=deps,
        partitions_def=SURVEY_YEARS,
        pool=WRITER_POOL,
        group_name="marts",
        description=description,
    )
    def mart(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
        year_be = int(context.partition_key)
        with warehouse.connect() as con:
            table = f"marts.{name}"
            sql = Rows(sql=f"marts/{name}", params=_params(name, year_be))
            rows = write(con, year_be, {table: sql})[table]
            levels = dict(
                con.execute(
                    f"SELECT level, count(*) FROM marts.{name} WHERE year_be = ? GROUP BY level",
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
    "level, age band, counted as TPMAP counts (indicators.yaml counted_by); "
    "docs/marts.md, 'How the marts count'.",
    [["core", "fact_person"], ["core", "dim_area"]],
)
