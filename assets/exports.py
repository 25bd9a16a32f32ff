"""Files for people, written from the marts only: CSV (opens in Excel) and Parquet per year and
level, small cells suppressed. They depend on the marts, so Dagster writes them only after the
marts' blocking checks passed."""

import os
from pathlib import Path

import dagster as dg
import polars as pl

from assets.storage import ExportFolder
from assets.warehouse import SURVEY_YEARS, WRITER_POOL, Warehouse

# Each mart's key, the order of rows in its files.
MARTS = {
    "area_summary": "level, area_code, age_band",
    "area_indicator": "level, area_code, age_band, indicator_code",
}
LEVELS = ("country", "region", "province", "district", "subdistrict", "village")
# Counts of people or households from 1 to SMALL_CELL - 1 are blanked in files for people.
SMALL_CELL = 5
COUNT_COLUMNS = (
    "households", "persons", "mpi_poor_persons", "target_poor_persons",
    "mpi_poor_card_verified", "mpi_poor_card_registered", "mpi_poor_no_card",
    "persons_in_scope", "persons_deprived", "households_deprived",
    "mpi_poor_persons_own", "answers_missing",
)  # fmt: skip


def suppress_small_cells(frame: pl.DataFrame, threshold: int = SMALL_CELL) -> pl.DataFrame:
    """Blank counts in 1..threshold-1 so nobody can be picked out of a small area."""
    counts = [c for c in COUNT_COLUMNS if c in frame.columns]
    small = pl.any_horizontal(pl.col(c).is_between(1, threshold - 1) for c in counts)
    return frame.with_columns(
        *(
            pl.when(pl.col(c).is_between(1, threshold - 1)).then(None).otherwise(pl.col(c)).alias(c)
            for c in counts
        ),
        small.alias("suppressed"),
    )


def write_csv_for_excel(frame: pl.DataFrame, path) -> None:
    """UTF-8 with a byte-order mark: without it Excel shows Thai text as mojibake."""
    frame.write_csv(path, include_bom=True)


def _replace(path: Path, write) -> None:
    """Write beside ``path`` and rename over it: a killed run never leaves half a file."""
    partial = path.with_name(path.name + ".partial")
    write(partial)
    os.replace(partial, path)


@dg.asset(
    key=["exports", "area_files"],
    deps=[["marts", m] for m in MARTS],
    partitions_def=SURVEY_YEARS,
    pool=WRITER_POOL,
    group_name="exports",
    description="CSV and Parquet per mart and level for the year, small cells suppressed.",
)
def area_files(
    context: dg.AssetExecutionContext, warehouse: Warehouse, exports: ExportFolder
) -> dg.MaterializeResult:
    year_be = int(context.partition_key)
    folder = exports.folder(year_be)
    written = []
    with warehouse.connect() as con:
        for mart, key in MARTS.items():
            frame = con.sql(
                f"SELECT * FROM marts.{mart} WHERE year_be = $year ORDER BY {key}",
                params={"year": year_be},
            ).pl()
            for level in LEVELS:
                part = suppress_small_cells(frame.filter(pl.col("level") == level))
                stem = folder / f"{mart}_{level}_{year_be}"
                _replace(stem.with_suffix(".csv"), lambda p, f=part: write_csv_for_excel(f, p))
                _replace(stem.with_suffix(".parquet"), part.write_parquet)
                written += [stem.with_suffix(".csv").name, stem.with_suffix(".parquet").name]
    context.log.info(f"{len(written)} files in {folder}")
    return dg.MaterializeResult(metadata={"folder": str(folder), "files": len(written)})
