"""The household panel: each year's households linked to the previous survey year's
(sql/panel/link.sql), their poverty transitions, persistent deprivations and movers, rolled up
from villages to every level like the measure marts."""

import dagster as dg
import duckdb
import polars as pl

from assets.measure_marts import LEVELS
from assets.metadata import ROW_COUNT
from assets.warehouse import SURVEY_YEARS, WRITER_POOL, Rows, Warehouse, query, write, year_columns
from measures.areas import per_area

MARTS = {  # mart -> (query, the keys besides the area)
    "area_transition": ("transitions", ["age_band", "dimension"]),
    "area_persistent_deprivation": ("persistent", ["indicator_code"]),
    "area_panel": ("movers", []),
}


def previous_year(con: duckdb.DuckDBPyConnection, year_be: int) -> int | None:
    (row,) = con.execute(
        "SELECT max(year_be) FROM core.fact_household WHERE year_be < ?", [year_be]
    ).fetchall()
    return row[0]


def panel_frames(con: duckdb.DuckDBPyConnection, year_be: int, previous: int) -> dict:
    """The link rows and each mart's rows (without names) of ``year_be`` against ``previous``."""
    years = {"year_be": year_be, "previous": previous}
    link = query(con, "panel/link", **years)
    con.register("household_link", link)
    con.register("household_status", query(con, "panel/status", **years))
    frames = {"core.household_link": link}
    for mart, (file, by) in MARTS.items():
        villages = query(con, f"panel/{file}", **years)
        sums = [pl.col(c).sum() for c in villages.columns if c not in ("village_code", *by)]
        frames[f"marts.{mart}"] = per_area(villages, LEVELS, sums, by, whole=True)
    for name in ("household_link", "household_status"):
        con.unregister(name)
    persistent = frames["marts.area_persistent_deprivation"]
    frames["marts.area_persistent_deprivation"] = persistent.with_columns(
        (pl.col("households_deprived_both_years") / pl.col("households_deprived_before"))
        .fill_nan(None)
        .alias("persistence")
    )
    frames["marts.area_panel"] = frames["marts.area_panel"].with_columns(
        pl.lit(previous).alias("prev_year_be")
    )
    return frames


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            key,
            deps=[["core", "fact_person"], ["core", "dim_area"], ["core", "dim_indicator"]],
            description=f"See docs/marts.md, 'Household panel': {key[1]}.",
        )
        for key in [["core", "household_link"], *(["marts", m] for m in MARTS)]
    ],
    partitions_def=SURVEY_YEARS,
    pool=WRITER_POOL,
    group_name="marts",
)
def household_panel(context: dg.AssetExecutionContext, warehouse: Warehouse):
    year_be = int(context.partition_key)
    with warehouse.connect(read_only=True) as con:
        previous = previous_year(con, year_be)
        frames = panel_frames(con, year_be, previous) if previous is not None else {}
    year = year_columns(year_be)
    tables = ["core.household_link", *(f"marts.{m}" for m in MARTS)]
    with warehouse.connect() as con:
        written = write(con, year_be, {
            t: Rows(frames[t].with_columns(year),
                    sql=None if t.startswith("core.") else "progress/insert_named")
            if t in frames else Rows()
            for t in tables
        })  # fmt: skip
    for table in tables:
        yield dg.MaterializeResult(
            asset_key=table.split("."),
            metadata={ROW_COUNT: written[table], "previous_year": previous or 0},
        )
