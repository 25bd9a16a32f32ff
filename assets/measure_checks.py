"""Asset checks on the measure marts of a survey year: the identities the measures must obey
(sql/quality/measure_invariants.sql), one check per mart, blocking like the GX contract
checks of the count marts, so that a broken measure mart is never exported or published.

    marts/area_mpi                  keys unique; H, A, M0 in [0, 1]; M0 = H x A; the union
                                    rule's poor persons = area_summary's MPI-poor persons
    marts/area_mpi_component        contributions add up to M0; censored <= uncensored
    marts/area_income_poverty       0 <= FGT2 <= FGT1 <= FGT0 <= 1; persons = area_summary's
    marts/area_inequality           Gini and Atkinson in [0, 1]; Theil, MLD, ratios >= 0
    marts/area_theil_decomposition  Theil = within + between = area_inequality's Theil
"""

from collections.abc import Iterator

import dagster as dg

import sql
from assets.survey_year import year_check_spec, year_checks
from assets.warehouse import Warehouse

TABLES = (
    "area_mpi",
    "area_mpi_component",
    "area_income_poverty",
    "area_inequality",
    "area_theil_decomposition",
)
CHECK = "measure_invariants"
EPS = 1e-9  # float identities; the marts' sums run in one fixed order


def _spec(table: str) -> dg.AssetCheckSpec:
    return year_check_spec(
        CHECK,
        dg.AssetKey(["marts", table]),
        f"The identities marts.{table} must obey (sql/quality/measure_invariants.sql): rows "
        "that break one fail the check.",
        blocking=True,
    )


def invariant_results(con, year_be: int, eps: float = EPS) -> list[dg.AssetCheckResult]:
    """One result per measure mart: passed when no row of the year breaks any of its rules."""
    rows = con.execute(
        sql.load("quality/measure_invariants"), {"year_be": year_be, "eps": eps}
    ).fetchall()
    results = []
    for table in TABLES:
        mine = [r for r in rows if r[0] == table]
        broken = [r for r in mine if r[2]]
        lines = [
            f"- {rule}: {n:,} of {checked:,} rows (first: {first})"
            for _, rule, n, checked, first in broken
        ]
        results.append(
            dg.AssetCheckResult(
                check_name=CHECK,
                asset_key=dg.AssetKey(["marts", table]),
                passed=bool(mine) and not broken,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={
                    "rules_checked": len(mine),
                    "rows_validated": max((r[3] for r in mine), default=0),
                    "rules_broken": len(broken),
                    "broken": dg.MetadataValue.md("\n".join(lines) or "none"),
                },
            )
        )
    return results


@year_checks(
    specs=[_spec(t) for t in TABLES],
    name="measure_checks",
    can_subset=True,
    description="Identities of the measure marts of the survey year (MPI, income poverty, "
    "inequality, Theil decomposition), checked in DuckDB.",
)
def measure_checks(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> Iterator[dg.AssetCheckResult]:
    selected = set(context.selected_asset_check_keys)
    with warehouse.connect() as con:
        for result in invariant_results(con, int(context.partition_key)):
            if dg.AssetCheckKey(result.asset_key, CHECK) in selected:
                yield result
