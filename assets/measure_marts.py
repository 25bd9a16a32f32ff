"""Measure marts: MPI, income poverty and inequality per area, level, year (and age band),
computed by ``measures.areas`` from the person records of the year."""

import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import duckdb
import polars as pl

import sql
from assets.metadata import ROW_COUNT
from assets.survey_year import year_multi_asset
from assets.warehouse import Rows, Warehouse, write, year_columns
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


MARTS = (
    "area_mpi",
    "area_mpi_component",
    "area_income_poverty",
    "area_inequality",
    "area_theil_decomposition",
)
# The SQL that adds each mart's area names and rollup completeness (sql/measures/).
INSERT = {
    "area_mpi": "measures/insert_named",
    "area_income_poverty": "measures/insert_named",
    "area_inequality": "measures/insert_named",
    "area_theil_decomposition": "measures/insert_decomposition",
}


@year_multi_asset(
    "marts",
    specs=[
        dg.AssetSpec(
            ["marts", name],
            deps=[["core", "fact_person"], ["core", "dim_area"], ["core", "dim_age_band"]],
            description=f"See docs/marts.md, 'The measure marts': {name}.",
        )
        for name in MARTS
    ],
)
def measure_marts(context: dg.AssetExecutionContext, warehouse: Warehouse):
    year_be = int(context.partition_key)
    timings: dict[str, float] = {}
    # read, then let go of the connection: DuckDB's buffers are not needed while Polars works
    with _timed(timings, "read"), warehouse.connect(read_only=True) as con:
        profiles = read_persons(con, "measures/person_profiles", year_be)
        incomes = read_persons(con, "measures/person_incomes", year_be)
        lines = published_lines(con)
    persons = int(profiles[COUNT].sum())
    frames: dict[str, pl.DataFrame] = {}
    with _timed(timings, "mpi"):
        frames["area_mpi"], frames["area_mpi_component"] = areas.mpi_marts(
            profiles, LEVELS, mpi_spec(), count=COUNT
        )
    del profiles
    with _timed(timings, "income"):
        income = areas.income_marts(
            incomes,
            LEVELS,
            poverty_lines(year_be, lines),
            income=INCOME,
            count=COUNT,
            decompositions=DECOMPOSITIONS,
            ordered=True,
        )
    del incomes
    frames["area_income_poverty"] = income.poverty
    frames["area_inequality"] = income.inequality
    frames["area_theil_decomposition"] = income.theil_decomposition
    year = [*year_columns(year_be), pl.lit(catalog.tpmap_year(year_be)).alias("tpmap_year_be")]
    with _timed(timings, "write"), warehouse.connect() as con:
        written = write(
            con,
            year_be,
            {
                f"marts.{name}": Rows(
                    frame.with_columns(year),
                    sql=INSERT.get(name),
                )
                for name, frame in frames.items()
            },
        )
    # the names come from an inner join: an area code it does not know would lose its rows
    lost = {name: frame.height - written[f"marts.{name}"] for name, frame in frames.items()}
    if any(lost.values()):
        raise ValueError(f"{year_be}: mart rows without a known area: {lost}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    context.log.info(
        f"{year_be}: {persons:,} persons; "
        + ", ".join(f"{k} {v:.2f}s" for k, v in timings.items())
        + f"; peak memory of the process so far {peak:.2f} GiB"
    )
    for name in MARTS:
        yield dg.MaterializeResult(
            asset_key=["marts", name], metadata={ROW_COUNT: frames[name].height}
        )


@contextmanager
def _timed(timings: dict[str, float], name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    timings[name] = timings.get(name, 0.0) + time.perf_counter() - started
