"""Marts per area, level, year and age band: the tables analysts and reports rely on."""

import dagster as dg

from assets.metadata import ROW_COUNT
from assets.warehouse import SURVEY_YEARS, WRITER_POOL, Rows, Warehouse, write


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
            rows = write(con, year_be, {f"marts.{name}": Rows(sql=f"marts/{name}")})[
                f"marts.{name}"
            ]
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
    "Households, persons, MPI-poor and target-poor persons per (year, level, area, age band).",
    [["core", "fact_person"], ["core", "dim_area"]],
)
area_indicator = _mart(
    "area_indicator",
    "Persons in scope, persons and households deprived per indicator, area, level, age band.",
    [["core", "fact_person"], ["core", "dim_area"]],
)
