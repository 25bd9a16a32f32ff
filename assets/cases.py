"""Case records per area (marts.area_case) and whether help worked (marts.area_case_outcome):
read the year's SQL (sql/cases/), call measures/cases.py, write through the one write path."""

import dagster as dg
import duckdb
import polars as pl

from assets.metadata import ROW_COUNT
from assets.survey_year import year_multi_asset
from assets.warehouse import Warehouse
from measures.cases import STATUSES, case_counts, case_outcome
from store.areas import LEVELS, previous_year
from store.tables import Rows, query, write, year_columns

CASE_CHECK = "case_counts_add_up"
MARTS = ("marts.area_case", "marts.area_case_outcome")


def case_frames(con: duckdb.DuckDBPyConnection, year_be: int) -> dict[str, pl.DataFrame]:
    """The cases mart of ``year_be`` and, when there is a previous year, the outcome in
    ``year_be`` of the help given in it."""
    problems = query(con, "cases/problems", year_be=year_be)
    frames = {"marts.area_case": case_counts(problems, LEVELS)}
    previous = previous_year(con, year_be)
    if previous is not None:
        years = {"year_be": year_be, "previous": previous}
        con.register("household_status", query(con, "panel/status", **years))
        try:
            households = query(con, "cases/outcome", **years)
        finally:
            con.unregister("household_status")
        frames["marts.area_case_outcome"] = case_outcome(households, LEVELS).with_columns(
            pl.lit(previous).alias("cases_year_be")
        )
    return frames


def count_problems(frame: pl.DataFrame) -> list[str]:
    """Rows of the cases mart whose counts do not add up: the statuses to the problems raised,
    the resolved within the helped and solved."""
    statuses = pl.sum_horizontal(*STATUSES)
    bad = frame.filter(
        (statuses != pl.col("problems_raised"))
        | (pl.col("resolved") > pl.col("helped") + pl.col("solved_by_household"))
        | (pl.col("resolved") > pl.col("problems_raised"))
        | (pl.col("households") > pl.col("problems_raised"))
    )
    return [
        f"{r['level']} {r['area_code']} {r['dimension']}/{r['indicator_code']}"
        for r in bad.head(20).iter_rows(named=True)
    ]


@year_multi_asset(
    "marts",
    specs=[
        dg.AssetSpec(
            ["marts", "area_case"],
            deps=[["core", "fact_case"], ["core", "fact_household"], ["core", "dim_area"]],
            description="See docs/marts.md, 'Case records': problems raised, helped and resolved.",
        ),
        dg.AssetSpec(
            ["marts", "area_case_outcome"],
            deps=[["core", "fact_case"], ["core", "fact_person"], ["core", "household_link"]],
            description="See docs/marts.md, 'Case records': did helped households leave poverty?",
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            CASE_CHECK,
            asset=["marts", "area_case"],
            blocking=True,
            description="statuses add up to the problems raised; resolved <= helped + solved",
        )
    ],
)
def case_marts(context: dg.AssetExecutionContext, warehouse: Warehouse):
    year_be = int(context.partition_key)
    with warehouse.connect(read_only=True) as con:
        frames = case_frames(con, year_be)
    year = year_columns(year_be)
    with warehouse.connect() as con:
        written = write(con, year_be, {
            t: Rows(frames[t].with_columns(year), sql="progress/insert_named")
            if t in frames else Rows()
            for t in MARTS
        })  # fmt: skip
    for table in MARTS:
        yield dg.MaterializeResult(asset_key=table.split("."), metadata={ROW_COUNT: written[table]})
    problems = count_problems(frames["marts.area_case"])
    yield dg.AssetCheckResult(
        check_name=CASE_CHECK,
        asset_key=["marts", "area_case"],
        passed=not problems,
        metadata={"rows_failing": len(problems), "areas": "\n".join(problems)},
    )
