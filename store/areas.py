"""The area hierarchy, the poverty lines and the person records the measure, progress, panel
and case marts read: how a mart knows each person's areas at every level, and the lines and
weights its measures use. Pure of Dagster; reads the warehouse through the connection given.
"""

import duckdb
import polars as pl

import sql
from measures import areas
from schemas import catalog
from sources.reference import poverty_line_section


def _region_of_province() -> dict[int, int]:
    return {
        province: int(region.code)
        for region in catalog.regions()
        for low, high in region.province_ranges
        for province in range(low, high + 1)
    }


PROVINCE = pl.col("village_code") // 1_000_000
# The area of each person at each level, from the integer village code of the SQL: a DOPA
# code's parent is its prefix, two digits shorter; a province's region is in regions.yaml.
LEVELS: dict[str, str | pl.Expr] = {
    "country": pl.lit("TH"),
    "region": PROVINCE.replace_strict(_region_of_province(), return_dtype=pl.UInt8),
    "province": PROVINCE,
    "district": pl.col("village_code") // 10_000,
    "subdistrict": pl.col("village_code") // 100,
    "village": "village_code",
}
# Theil T split into child areas; the country both into regions and into provinces.
DECOMPOSITIONS = [("country", "region"), ("country", "province"), ("region", "province"),
                  ("province", "district"), ("district", "subdistrict"),
                  ("subdistrict", "village")]  # fmt: skip
INCOME = "income_per_capita"
COUNT = "persons"  # how many identical persons a record of the SQL stands for
BATCH_ROWS = 1_000_000


def indicator_weights() -> dict[str, float]:
    """Nested equal weights: each dimension 1/5, shared equally by its indicators."""
    indicators = catalog.indicators()
    dimensions = catalog.dimensions()
    per_dimension = {d.code: sum(i.dimension == d.code for i in indicators) for d in dimensions}
    return {i.column: 1 / len(dimensions) / per_dimension[i.dimension] for i in indicators}


def mpi_rules() -> dict[str, float]:
    """TPMAP's union rule is k = the smallest weight (any deprivation); Alkire-Foster k = 1/3."""
    return {"tpmap_union": min(indicator_weights().values()), "af_k33": 1 / 3}


def mpi_spec() -> areas.MPISpec:
    indicators = catalog.indicators()
    return areas.MPISpec(
        weights=indicator_weights(),
        codes={i.column: i.code for i in indicators},
        dimensions={i.column: i.dimension for i in indicators},
        rules=mpi_rules(),
    )


def poverty_lines(year_be: int, lines: dict | None = None) -> dict[str, pl.Expr]:
    """The NSO line of the year and each person's region, and the BMN income criterion;
    ``lines`` as survey_rules.yaml's poverty_line_monthly (default: that section)."""
    nso = {int(r.code): catalog.poverty_line(year_be, r.code, lines) for r in catalog.regions()}
    return {
        "nso": LEVELS["region"].replace_strict(nso, return_dtype=pl.Float64),
        "bmn": pl.lit(catalog.income_criterion(year_be)),
    }


def published_lines(con: duckdb.DuckDBPyConnection) -> dict | None:
    """The poverty lines of survey_rules.yaml's poverty_line_source, if it names one."""
    source = catalog.poverty_line_source()
    if source is None:
        return None
    rows = con.execute(sql.load("sources/poverty_lines"), [source]).fetchall()
    return poverty_line_section(rows, source)


def read_persons(con: duckdb.DuckDBPyConnection, query: str, year_be: int) -> pl.DataFrame:
    """A sql/measures query as a frame, batch by batch so that the age band becomes a 1-byte
    enum without the year's strings ever being held at once."""
    bands = pl.Enum([b.code for b in catalog.age_bands()])
    reader = con.sql(sql.load(query), params={"year_be": year_be}).to_arrow_reader(BATCH_ROWS)
    return pl.concat(
        [pl.from_arrow(batch).with_columns(pl.col("age_band").cast(bands)) for batch in reader],
        rechunk=True,  # one chunk, as the measures sum over contiguous rows
    )


def previous_year(con: duckdb.DuckDBPyConnection, year_be: int) -> int | None:
    """The latest survey year before ``year_be`` with households, if any."""
    (row,) = con.execute(
        "SELECT max(year_be) FROM core.fact_household WHERE year_be < ?", [year_be]
    ).fetchall()
    return row[0]
