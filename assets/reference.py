"""Reference tables: the area hierarchy from geothai, abolished codes, and the catalogs."""

import dagster as dg
import geothai
import polars as pl
from geothai.abolished import abolished_areas

from assets.metadata import ROW_COUNT
from assets.warehouse import WRITER_POOL, Warehouse
from schemas import catalog
from store.tables import Rows

COUNTRY = {"code": "TH", "name_th": "ประเทศไทย", "name_en": "Thailand"}


def area_rows() -> pl.DataFrame:
    """Country, the NSO regions, and every DOPA province, district and subdistrict."""
    rows = [("country", COUNTRY["code"], COUNTRY["name_th"], COUNTRY["name_en"], None, None)]
    rows += [("region", r.code, r.name_th, r.name_en, "TH", r.code) for r in catalog.regions()]
    region_of = {p.code: catalog.region_of(p.code).code for p in geothai.provinces()}
    for p in geothai.provinces():
        rows.append(
            ("province", p.code, p.name_th, p.name_en, region_of[p.code], region_of[p.code])
        )
        for d in geothai.districts(p.code):
            rows.append(("district", d.code, d.name_th, d.name_en, p.code, region_of[p.code]))
            for s in geothai.subdistricts(d.code):
                rows.append(
                    ("subdistrict", s.code, s.name_th, s.name_en, d.code, region_of[p.code])
                )
    columns = ["level", "area_code", "name_th", "name_en", "parent_code", "region_code"]
    surveyed = [r.code for r in catalog.regions() if r.bmn_surveyed]
    return pl.DataFrame(rows, schema=columns, orient="row").with_columns(
        # the whole country is surveyed, though not every region of it
        bmn_surveyed=(pl.col("level") == "country") | pl.col("region_code").is_in(surveyed)
    )


def successor_rows() -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "area_code": a.code,
                "level": a.level,
                "name_th": a.name_th,
                "name_en": a.name_en,
                "abolished_on": a.abolished_on,
                "successor_code": a.successors[0] if len(a.successors) == 1 else None,
                "successors": " ".join(a.successors) or None,
                "successors_basis": a.successors_basis,
            }
            for a in abolished_areas()
        ]
    ).with_columns(pl.col("abolished_on").str.to_date(strict=False))


def catalog_rows() -> tuple[pl.DataFrame, pl.DataFrame]:
    bands = pl.DataFrame(
        [
            {
                "age_band": b.code,
                "name_th": b.name_th,
                "name_en": b.name_en,
                "min_age": b.min_age,
                "max_age": b.max_age,
                "sort_order": n,
            }
            for n, b in enumerate(catalog.age_bands(), start=1)
        ],
        schema_overrides={"max_age": pl.Int32},
    )
    indicators = pl.DataFrame(
        [
            {
                "indicator_code": i.code,
                "status_column": i.column,
                "bmn_no": i.bmn_no,
                "dimension": i.dimension,
                "unit": i.unit,
                "counted_by": i.counted_by,
                "name_th": i.name_th,
                "name_en": i.name_en,
                "scope": i.scope,
                "deprived_when": i.deprived_when,
            }
            for i in catalog.indicators()
        ]
    )
    return bands, indicators


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["core", "dim_area"],
            description="Country, regions, provinces, districts, subdistricts (geothai).",
        ),
        dg.AssetSpec(
            ["core", "area_successor"], description="Abolished DOPA codes and their successors."
        ),
        dg.AssetSpec(
            ["core", "dim_age_band"], description="Age bands from schemas/catalog/age_bands.yaml."
        ),
        dg.AssetSpec(["core", "dim_indicator"], description="The 17 TPMAP indicators."),
    ],
    pool=WRITER_POOL,
    group_name="reference",
)
def reference_tables(context: dg.AssetExecutionContext, warehouse: Warehouse):
    tables = {
        "core.dim_area": area_rows(),
        "core.area_successor": successor_rows(),
    }
    tables["core.dim_age_band"], tables["core.dim_indicator"] = catalog_rows()
    warehouse.write(None, {table: Rows(frame) for table, frame in tables.items()})
    counts = area_rows().group_by("level").len()
    context.log.info(f"areas per level: {dict(counts.iter_rows())}")
    for table, frame in tables.items():
        yield dg.MaterializeResult(
            asset_key=dg.AssetKey(table.split(".")), metadata={ROW_COUNT: frame.height}
        )
