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

from assets import warehouse as store
from assets.metadata import ROW_COUNT
from assets.storage import ExportFolder
from assets.warehouse import SURVEY_YEARS, WRITER_POOL, Rows, Warehouse
from reports import build, data, write
from reports.pack import HIDDEN

# Each mart's key, the order of rows in its files.
MARTS = {
    "area_summary": "level, area_code, age_band",
    "area_indicator": "level, area_code, age_band, indicator_code",
}
LEVELS = ("country", "region", "province", "district", "subdistrict", "village")
# Excel opens at most 1,048,576 rows. Villages x 6 bands x 17 indicators is past it at national
# scale (tests/test_reports.py works it out): that long file is Parquet only, the wide file is
# the one for Excel.
NO_CSV = {("area_indicator", "village")}
MEASURE_MARTS = [
    "area_mpi",
    "area_mpi_component",
    "area_income_poverty",
    "area_inequality",
    "area_theil_decomposition",
]


def suppressed(ym: data.YearMarts, mart: str, level: str) -> pl.DataFrame:
    """The mart's rows of ``level``, hidden counts null, ``suppressed`` true on rows with one."""
    flagged = ym.flags(mart, pl.col("level") == level)
    flags = [c for c in flagged.columns if c.endswith(HIDDEN)]
    return flagged.with_columns(
        *(
            pl.when(pl.col(f))
            .then(None)
            .otherwise(pl.col(f.removesuffix(HIDDEN)))
            .alias(f.removesuffix(HIDDEN))
            for f in flags
        ),
        pl.any_horizontal(flags).alias("suppressed"),
    ).drop(flags)


@dg.asset(
    key=["exports", "suppressed_cells"],
    deps=[["marts", m] for m in [*MARTS, *MEASURE_MARTS]],
    partitions_def=SURVEY_YEARS,
    pool=WRITER_POOL,
    group_name="exports",
    description="The year's suppressed cells, small counts and their complements (keys only, no "
    "values): what the exports and packs hide. Worked out in parts, the top tier then each "
    "province's subtree, and kept in core.suppression_history so that a recomputed year hides "
    "them again.",
)
def suppressed_cells(
    context: dg.AssetExecutionContext, warehouse: Warehouse, exports: ExportFolder
) -> dg.MaterializeResult:
    year_be = int(context.partition_key)
    folder = exports.folder(year_be)
    path = folder / data.hidden_file(year_be)
    # the parts' decisions wait beside the warehouse, not among the files for people
    spill = Path(warehouse.path).parent
    with warehouse.connect() as con, tempfile.TemporaryDirectory(dir=spill) as scratch:
        before = Path(warehouse.published_path)
        history = data.suppress_year(con, year_be, path, Path(scratch), before=before)
        rows = Rows(sql="reports/insert_suppression_history", params={"path": str(history)})
        store.write(con, year_be, {"core.suppression_history": rows})
    hidden = pq.ParquetFile(path).metadata.num_rows
    context.log.info(f"{hidden:,} cells suppressed in {path.name}")
    return dg.MaterializeResult(metadata={ROW_COUNT: hidden, "path": str(path)})


@dg.asset(
    key=["exports", "area_files"],
    deps=[["exports", "suppressed_cells"]],
    partitions_def=SURVEY_YEARS,
    pool=WRITER_POOL,
    group_name="exports",
    description="CSV and Parquet per mart and level, and wide per level, for the year; small "
    "cells suppressed so that they hold.",
)
def area_files(
    context: dg.AssetExecutionContext, warehouse: Warehouse, exports: ExportFolder
) -> dg.MaterializeResult:
    year_be = int(context.partition_key)
    folder = exports.folder(year_be)
    written = []
    with warehouse.connect() as con:
        frames = data.read_marts(con, year_be)
    ym = data.YearMarts(year_be, frames, pl.read_parquet(folder / data.hidden_file(year_be)))
    build.register_indicator_columns()
    for mart, key in MARTS.items():
        for level in LEVELS:
            part = suppressed(ym, mart, level).sort(*[k.strip() for k in key.split(",")])
            stem = folder / f"{mart}_{level}_{year_be}"
            if (mart, level) not in NO_CSV:
                write.replace(
                    stem.with_suffix(".csv"), lambda p, f=part: f.write_csv(p, include_bom=True)
                )
                written.append(stem.with_suffix(".csv"))
            write.replace(stem.with_suffix(".parquet"), part.write_parquet)
            written.append(stem.with_suffix(".parquet"))
    for level in LEVELS:
        wide = build.national_wide(ym, level)
        stem = folder / f"area_wide_{level}_{year_be}"
        write.write_csv(wide, stem.with_suffix(".csv"))
        write.write_parquet(wide, stem.with_suffix(".parquet"))
        written += [stem.with_suffix(".csv"), stem.with_suffix(".parquet")]
    context.log.info(f"{len(written)} files in {folder}; {ym.hidden.height:,} cells suppressed")
    return dg.MaterializeResult(
        metadata={
            "folder": str(folder),
            "files": len(written),
            "suppressed_cells": ym.hidden.height,
        }
    )
