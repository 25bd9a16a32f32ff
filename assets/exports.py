"""Files for people, written from the marts only: CSV (opens in Excel) and Parquet per year and
level, and a wide file per level (one row per area, the indicators' rates as columns). Small cells
are suppressed by reports/suppression.py, complementary cells included, the same cells as in the
report packs: ``suppressed_cells`` works them out (its own step, so `chipao bench` times it) and
keeps them (keys only) for the files, the packs and later years' trends. They depend
on the marts, so Dagster writes them only after the marts' blocking checks passed."""

import tempfile
from pathlib import Path

import dagster as dg
import polars as pl
import pyarrow.parquet as pq

from assets.metadata import ROW_COUNT
from assets.storage import ExportFolder, LandingZone
from assets.survey_year import year_asset
from assets.warehouse import Warehouse
from reports import data, files
from store.tables import Rows, write

# The marts and levels of the files (reports/files.py declares them).
MARTS, LEVELS, NO_CSV = files.MARTS, files.LEVELS, files.NO_CSV
MEASURE_MARTS = [
    "area_mpi",
    "area_mpi_component",
    "area_income_poverty",
    "area_inequality",
    "area_theil_decomposition",
]


@year_asset(
    "exports",
    key=["exports", "suppressed_cells"],
    deps=[["marts", m] for m in [*MARTS, *MEASURE_MARTS]],
    description="The year's suppressed cells, small counts and their complements (keys only, no "
    "values): what the exports and packs hide. Worked out in parts, the top tier then each "
    "province's subtree, and kept in core.suppression_history so that a recomputed year hides "
    "them again.",
)
def suppressed_cells(
    context: dg.AssetExecutionContext,
    warehouse: Warehouse,
    exports: ExportFolder,
    landing: LandingZone,
) -> dg.MaterializeResult:
    year_be = int(context.partition_key)
    folder = exports.folder(year_be)
    path = folder / data.hidden_file(year_be)
    # the parts' decisions wait beside the warehouse, not among the files for people
    spill = Path(warehouse.path).parent
    with warehouse.connect() as con, tempfile.TemporaryDirectory(dir=spill) as scratch:
        before = Path(warehouse.published_path)
        history = data.suppress_year(
            con, year_be, path, Path(scratch), before=before, each=landing.province_units()
        )
        rows = Rows(sql="reports/insert_suppression_history", params={"path": str(history)})
        write(con, year_be, {"core.suppression_history": rows})
    hidden = pq.ParquetFile(path).metadata.num_rows
    context.log.info(f"{hidden:,} cells suppressed in {path.name}")
    return dg.MaterializeResult(metadata={ROW_COUNT: hidden, "path": str(path)})


@year_asset(
    "exports",
    key=["exports", "area_files"],
    deps=[["exports", "suppressed_cells"]],
    description="CSV and Parquet per mart and level, and wide per level, for the year; small "
    "cells suppressed so that they hold; written a province at a time below the provinces.",
)
def area_files(
    context: dg.AssetExecutionContext, warehouse: Warehouse, exports: ExportFolder
) -> dg.MaterializeResult:
    year_be = int(context.partition_key)
    folder = exports.folder(year_be)
    with warehouse.connect() as con:
        written = files.write_year(con, year_be, folder)
    cells = pl.scan_parquet(folder / data.hidden_file(year_be)).select(pl.len()).collect().item()
    context.log.info(f"{len(written)} files in {folder}; {cells:,} cells suppressed")
    return dg.MaterializeResult(
        metadata={
            "folder": str(folder),
            "files": len(written),
            "suppressed_cells": cells,
        }
    )
