"""Progress marts: who the welfare card reaches, change against the previous and the baseline
year, why it changed, and the centres' targets (measures.progress, measures.targets).

A year's progress reads the marts of the earlier years from the warehouse: runs go in year
order, and a year's input fingerprint covers the earlier years' files and the target files
(store/inputs.py), so a change there recomputes the later years too.
"""

import dagster as dg
import polars as pl

import sql
from assets.metadata import ROW_COUNT
from assets.storage import LandingZone
from assets.survey_year import year_asset
from assets.warehouse import Warehouse
from measures import progress, targets
from measures.areas import bands_and_all
from schemas import catalog
from store.areas import LEVELS, poverty_lines, read_persons
from store.tables import Rows, write, year_columns

MPI_MARTS = ["area_summary", "area_mpi", "area_mpi_component", "area_income_poverty",
             "area_inequality", "area_theil_decomposition"]  # fmt: skip
# rates whose spread over child areas says whether the lagging areas catch up
CONVERGE = ["mpi_poor_rate", "target_poor_rate"]
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


def _read(con, name: str, year_be: int) -> pl.DataFrame:
    return con.sql(sql.load(f"progress/{name}"), params={"year_be": year_be}).pl()


def line_table(years) -> pl.DataFrame:
    """The poverty lines of ``poverty_lines`` as values per year and region: year_be,
    region_code, line, value (sql/progress/growth_redistribution.sql's relation ``lines``)."""
    codes = [p for r in catalog.regions() for low, high in r.province_ranges
             for p in range(low, high + 1)]  # fmt: skip
    provinces = pl.DataFrame(
        {"village_code": [p * 1_000_000 for p in codes]}, schema={"village_code": pl.UInt32}
    )
    return pl.concat(
        provinces.select(
            pl.lit(year, pl.Int32).alias("year_be"),
            LEVELS["region"].cast(pl.String).alias("region_code"),
            *(expr.cast(pl.Float64).alias(name) for name, expr in poverty_lines(year).items()),
        )
        .unique()
        .unpivot(index=["year_be", "region_code"], variable_name="line", value_name="value")
        for year in years
    )


def growth_redistribution(con, year_be: int, bases: pl.DataFrame) -> pl.DataFrame:
    """The Datt-Ravallion split of FGT0's change, per line, for each base year in ``bases``:
    measures.progress.growth_redistribution's formula, summed in DuckDB over the two years'
    person records (memory holds the areas, not the persons)."""
    out = []
    for base_year in sorted(bases["base_year_be"].unique().to_list()):
        con.register("lines", line_table([base_year, year_be]))
        split = con.sql(
            sql.load("progress/growth_redistribution"),
            params={"start": base_year, "end": year_be},
        ).pl()
        con.unregister("lines")
        out.append(
            split.join(
                bases.filter(pl.col("base_year_be") == base_year), on=["level", "area_code"]
            ).select(
                pl.exclude("line"),
                ("fgt0_" + pl.col("line")).alias("measure"),
                pl.lit("growth_redistribution").alias("split"),
            )
        )
    return pl.concat(out, how="diagonal") if out else pl.DataFrame()


def load_centres(landing: LandingZone, values: pl.DataFrame) -> list[targets.Centre]:
    measures = sorted(values["measure"].unique().to_list()) + [
        f"{m}_child_{s}" for m in CONVERGE for s in ("gap", "cv")
    ]
    bands = ["all", *(b.code for b in catalog.age_bands())]
    return targets.load_centres(landing.target_files(), measures, bands)


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
    levels = list(LEVELS)
    with warehouse.connect(read_only=True) as con:
        values = _read(con, "values", year_be)
        centres = load_centres(landing, values)
        areas = values.filter(pl.col("year_be") == year_be).select(
            "level", "area_code", "parent_code").unique()  # fmt: skip
        rules = {y: catalog.target_poor_rule(y) for y in values["year_be"].unique().to_list()}
        rows = progress.progress(
            values, year_be, levels, CONVERGE, targets.baselines(areas, centres, levels), rules
        )
        factors = pl.DataFrame()
        if rows.height:
            bases = rows.select("year_be", "base_year_be", "comparison", "level",
                                "area_code").unique()  # fmt: skip
            factors = pl.concat(
                [
                    progress.m0_split(_read(con, "mpi", year_be), bases),
                    progress.component_split(_read(con, "components", year_be), bases),
                    growth_redistribution(con, year_be, bases.drop("year_be")),
                ],
                how="diagonal_relaxed",
            ).with_columns(pl.lit(year_be).alias("year_be"))
    attained = targets.attainment(rows, centres, year_be) if rows.height else pl.DataFrame()
    tables = {"marts.area_progress": rows, "marts.area_change_factor": factors,
              "marts.area_target": attained}  # fmt: skip
    with warehouse.connect() as con:
        written = write(con, year_be, {
            name: Rows(frame.drop("parent_code", strict=False).with_columns(year_columns(year_be)),
                       sql="progress/insert_named") if frame.height else Rows()
            for name, frame in tables.items()
        })  # fmt: skip
    lost = {n: f.height - written[n] for n, f in tables.items() if f.height != written[n]}
    if lost:
        raise ValueError(f"{year_be}: progress rows without a known area: {lost}")
    return dg.MaterializeResult(
        metadata={
            ROW_COUNT: written["marts.area_progress"],
            "centres": len(centres),
            "factors": written["marts.area_change_factor"],
            "targets": written["marts.area_target"],
        }  # fmt: skip
    )
