"""The household panel: each year's households linked to the previous survey year's
(sql/panel/link.sql), their poverty transitions, persistent deprivations and movers, rolled up
from villages to every level like the measure marts."""

import dagster as dg
import duckdb
import polars as pl

import sql
from assets.metadata import ROW_COUNT
from assets.survey_year import year_multi_asset
from assets.warehouse import Warehouse
from measures.areas import per_area
from store.areas import LEVELS, previous_year
from store.tables import Rows, query, write, year_columns

MARTS = {  # mart -> (query, the keys besides the area)
    "area_transition": ("transitions", ["age_band", "dimension"]),
    "area_persistent_deprivation": ("persistent", ["indicator_code"]),
    "area_panel": ("movers", []),
}


def panel_frames(con: duckdb.DuckDBPyConnection, year_be: int, previous: int) -> dict:
    """Each mart's rows (without names) of ``year_be`` against ``previous``. The link rows stay
    in DuckDB, as the temporary table ``household_link`` of ``con`` (with ``household_status``),
    for the caller to write through the one write path: they never go through Polars."""
    years = {"year_be": year_be, "previous": previous}
    for name in ("link", "status"):
        text = sql.load(f"panel/{name}")
        params = {k: v for k, v in years.items() if f"${k}" in text}
        con.execute(f"CREATE OR REPLACE TEMP TABLE household_{name} AS {text}", params)
    frames = {}
    for mart, (file, by) in MARTS.items():
        villages = query(con, f"panel/{file}", **years)
        sums = [pl.col(c).sum() for c in villages.columns if c not in ("village_code", *by)]
        frames[f"marts.{mart}"] = per_area(villages, LEVELS, sums, by, whole=True)
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


@year_multi_asset(
    "marts",
    specs=[
        dg.AssetSpec(
            key,
            deps=[["core", "fact_person"], ["core", "dim_area"], ["core", "dim_indicator"]],
            description=f"See docs/marts.md, 'Household panel': {key[1]}.",
        )
        for key in [["core", "household_link"], *(["marts", m] for m in MARTS)]
    ],
)
def household_panel(context: dg.AssetExecutionContext, warehouse: Warehouse):
    year_be = int(context.partition_key)
    year = year_columns(year_be)
    tables = ["core.household_link", *(f"marts.{m}" for m in MARTS)]
    # one writing connection: the links are built into a temporary table and written from it
    with warehouse.connect() as con:
        previous = previous_year(con, year_be)
        frames = panel_frames(con, year_be, previous) if previous is not None else {}
        rows = {
            t: Rows(frames[t].with_columns(year), sql="progress/insert_named")
            if t in frames else Rows()
            for t in tables[1:]
        }  # fmt: skip
        link = Rows(sql="panel/insert_link") if previous is not None else Rows()
        written = write(con, year_be, {"core.household_link": link, **rows})
    for table in tables:
        yield dg.MaterializeResult(
            asset_key=table.split("."),
            metadata={ROW_COUNT: written[table], "previous_year": previous or 0},
        )
