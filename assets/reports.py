"""Report packs for the centres of the year: the country, every region, province and district
(reports/: workbook, CSV, Parquet, HTML summary). Written after the exports, from the same
suppression, so only after the marts' blocking checks passed."""

import time

import dagster as dg

from assets.metadata import ROW_COUNT
from assets.storage import ExportFolder, LandingZone
from assets.survey_year import year_asset
from assets.warehouse import Warehouse
from reports import packs


@year_asset(
    "exports",
    key=["exports", "report_packs"],
    # the progress sheet reads marts.area_progress and area_target (one asset writes both)
    deps=[["exports", "area_files"], ["marts", "area_progress"]],
    description="A report pack per centre (country, regions, provinces, districts) for the "
    "latest survey year; `chipao report` writes any other on demand.",
)
def report_packs(
    context: dg.AssetExecutionContext,
    warehouse: Warehouse,
    exports: ExportFolder,
    landing: LandingZone,
) -> dg.MaterializeResult:
    year_be = int(context.partition_key)
    latest = max(landing.years(), default=year_be)
    if year_be < latest:  # centres work on the latest year; the CLI writes older ones
        context.log.info(f"{year_be} is not the latest survey year ({latest}): no packs")
        return dg.MaterializeResult(metadata={"packs": 0, "latest_year": latest})
    started = time.perf_counter()
    with warehouse.connect() as con:
        job = packs.prepare(con, year_be, exports.folder)
    written = packs.write_all(job, exports.folder(year_be) / "packs", progress=context.log.info)
    seconds = time.perf_counter() - started
    context.log.info(f"{written.height} packs in {seconds:.1f}s")
    return dg.MaterializeResult(
        metadata={
            ROW_COUNT: written.height,  # the bench's rows: packs written
            "packs": written.height,
            "seconds": round(seconds, 1),
            "by_level": dg.MetadataValue.json(dict(written.group_by("level").len().iter_rows())),
        }
    )
