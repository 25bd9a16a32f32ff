"""Measure marts: MPI, income poverty and inequality per area, level, year (and age band),
computed by ``measures.areas`` from the person records of the year."""

import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg
import polars as pl

from assets.metadata import ROW_COUNT
from assets.survey_year import year_multi_asset
from assets.warehouse import Warehouse
from measures import areas
from schemas import catalog
from store.areas import (
    COUNT,
    DECOMPOSITIONS,
    INCOME,
    LEVELS,
    mpi_spec,
    poverty_lines,
    published_lines,
    read_persons,
)
from store.tables import Rows, write, year_columns

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
