"""Progress marts: who the welfare card reaches, change against the previous and the baseline
year, why it changed, and the centres' targets (measures.progress, measures.targets).

A year's progress reads the marts of the earlier years from the warehouse: runs go in year
order, and a year's input fingerprint covers the earlier years' files and the target files
(store/inputs.py), so a change there recomputes the later years too.
"""

import tempfile
from pathlib import Path

import dagster as dg
import polars as pl

from assets.metadata import ROW_COUNT
from assets.storage import LandingZone
from assets.survey_year import year_asset
from assets.warehouse import Warehouse
from measures.areas import bands_and_all
from schemas import catalog
from store.areas import LEVELS, read_persons
from store.progress import year_progress
from store.tables import Rows, write, year_columns

MPI_MARTS = ["area_summary", "area_mpi", "area_mpi_component", "area_income_poverty",
             "area_inequality", "area_theil_decomposition"]  # fmt: skip
COUNTS = ["persons", "mpi_poor_persons", "card_verified_persons", "exclusion_persons",
          "inclusion_persons"]  # fmt: skip


def targeting_frame(villages: pl.DataFrame) -> pl.DataFrame:
    """Village sums of sql/progress/targeting.sql rolled up to every level, with the rates."""
    rows = bands_and_all(villages, LEVELS, dict.fromkeys(COUNTS, "sum"), "age_band", whole=True)
    return rows.with_columns(
        (pl.col("exclusion_persons") / pl.col("mpi_poor_persons")).alias("exclusion_rate"),
        (pl.col("inclusion_persons") / pl.col("card_verified_persons")).alias("inclusion_rate"),
    ).with_columns(pl.col(c).fill_nan(None) for c in ("exclusion_rate", "inclusion_rate"))


@year_asset(
    "marts",
    key=["marts", "area_targeting"],
    deps=[["core", "fact_person"], ["core", "dim_area"], ["core", "dim_age_band"]],
    description="See docs/marts.md, 'Progress marts': area_targeting.",
)
def area_targeting(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    year_be = int(context.partition_key)
    with warehouse.connect(read_only=True) as con:
        villages = read_persons(con, "progress/targeting", year_be)
    frame = targeting_frame(villages).with_columns(
        *year_columns(year_be), pl.lit(catalog.tpmap_year(year_be)).alias("tpmap_year_be")
    )
    with warehouse.connect() as con:
        written = write(con, year_be, {"marts.area_targeting": Rows(
            frame, sql="measures/insert_named")})  # fmt: skip
    return dg.MaterializeResult(metadata={ROW_COUNT: written["marts.area_targeting"]})


@year_asset(
    "marts",
    key=["marts", "area_progress"],
    deps=[["marts", m] for m in [*MPI_MARTS, "area_targeting"]],
    description="See docs/marts.md, 'Progress marts': area_progress, area_change_factor, "
    "area_target.",
)
def area_progress(
    context: dg.AssetExecutionContext, warehouse: Warehouse, landing: LandingZone
) -> dg.MaterializeResult:
    year_be = int(context.partition_key)
    # the parts wait beside the warehouse, as the suppression's do
    spill = Path(warehouse.path).parent
    with tempfile.TemporaryDirectory(dir=spill) as scratch:
        with warehouse.connect(read_only=True) as con:
            made = year_progress(con, year_be, landing.target_files(), Path(scratch),
                                 context.log.info, landing.province_units())  # fmt: skip
        with warehouse.connect() as con:
            written = write(con, year_be, {
                name: Rows(sql="progress/insert_parts", params={"path": path}) if rows else Rows()
                for name, (path, rows) in made.items()
            })  # fmt: skip
    lost = {n: rows - written[n] for n, (_, rows) in made.items() if rows != written[n]}
    if lost:
        raise ValueError(f"{year_be}: progress rows without a known area: {lost}")
    return dg.MaterializeResult(
        metadata={
            ROW_COUNT: written["marts.area_progress"],
            "factors": written["marts.area_change_factor"],
            "targets": written["marts.area_target"],
        }  # fmt: skip
    )
