"""Published figures beside the survey's, pure (no Dagster): a source's national totals found
at every level, survey and published figures of the same area further apart than figures.yaml's
tolerance, and provinces whose MPI-poor ranking is far from NSO's poverty ranking. Each reads
the warehouse through the connection given (sql/sources/)."""

import duckdb
import polars as pl

import sql
from sources.config import Source
from sources.figures import figures_catalog


def totals_gaps(con: duckdb.DuckDBPyConnection, sources: list[Source]) -> list[str]:
    """For each source stating its national totals (``totals:`` in sources.yaml), the country
    rows that differ from them and the levels whose sum differs from the country's."""
    gaps = []
    for source in sources:
        totals = source.spec.get("totals") or {}
        for measure, expected in totals.items():
            rows = dict(con.execute(sql.load("sources/level_totals"),
                                    [source.name, measure]).fetchall())  # fmt: skip
            if rows.get("country") != float(expected):
                gaps.append(f"{source.name} {measure}: country {rows.get('country')} != {expected}")
            gaps += [
                f"{source.name} {measure}: {level} sums to {value}, not {expected}"
                for level, value in rows.items()
                if value != float(expected) and level != "country"
            ]
    return gaps


def disagreements(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    tolerance = float(figures_catalog()["tolerance"])
    return con.sql(sql.load("sources/disagreements"), params=[tolerance]).pl()


def rank_gaps(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return con.sql(sql.load("sources/rank_gaps"), params=[int(figures_catalog()["rank_gap"])]).pl()
