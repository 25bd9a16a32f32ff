"""Core facts: households and persons of a survey year with their 17 indicator statuses."""

import dagster as dg

from assets.metadata import ROW_COUNT
from assets.survey_year import year_asset
from assets.warehouse import Warehouse
from schemas import catalog
from store.tables import Rows, count_year, write


@year_asset(
    "core",
    key=["core", "fact_household"],
    deps=[["staging", "household"], ["staging", "member"], ["core", "dim_area"]],
    description="One row per household and year: members, income, 7 household indicators; "
    "and core.village_area, the year's villages with the areas above them.",
)
def fact_household(context: dg.AssetExecutionContext, warehouse: Warehouse):
    year_be = int(context.partition_key)
    criterion = catalog.income_criterion(year_be)
    rows = warehouse.write(
        year_be,
        {
            "core.fact_household": Rows(
                sql="core/fact_household", params={"income_criterion": criterion}
            ),
            # the year's hierarchy, stored once for every mart to roll up against
            "core.village_area": Rows(sql="core/village_area"),
        },
    )["core.fact_household"]
    return dg.MaterializeResult(metadata={ROW_COUNT: rows, "income_criterion": criterion})


@year_asset(
    "core",
    key=["core", "fact_person"],
    deps=[["core", "fact_household"], ["core", "dim_age_band"]],
    description="One row per person and year: age band, 17 indicator statuses (1/0/NULL), "
    "MPI-poor (union rule) and target poor; core.village_count, every additive count per "
    "village and age band; core.person_income, the incomes the measures read.",
)
def fact_person(context: dg.AssetExecutionContext, warehouse: Warehouse):
    year_be = int(context.partition_key)
    rule = catalog.target_poor_rule(year_be)
    with warehouse.connect() as con:
        rows = write(
            con,
            year_be,
            {
                "core.fact_person": Rows(sql="core/fact_person", params={"target_rule": rule}),
                # every additive count the marts of persons roll up, from one scan of the facts
                "core.village_count": Rows(sql="core/village_count"),
                # the incomes the measure marts and progress read, merged once
                "core.person_income": Rows(sql="core/person_income"),
            },
        )["core.fact_person"]
        staged = count_year(con, "staging.member", year_be)
    if rows != staged:
        raise dg.Failure(
            f"{year_be}: {staged:,} staged members but {rows:,} person facts; "
            "a member lost its household or age band (check core.dim_age_band)."
        )
    return dg.MaterializeResult(metadata={ROW_COUNT: rows, "target_poor_rule": rule})
