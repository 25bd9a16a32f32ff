"""A year's progress marts (marts.area_progress, area_change_factor and area_target), worked
out one part of the country at a time, so that memory holds a province's areas, never the
country's: one scan of the marts splits every year's values into Parquet files per part
(sql/progress/parts.sql), and measures.progress runs on each part alone.

The parts: ``top`` reports the country, the regions and the provinces, and holds the districts
too, whose spread is a province's convergence; each province's part reports its districts,
subdistricts and villages, and holds the province itself. An area's peers (same parent) and
children are in the part that reports it, so the parts' rows are the rows of the whole
country's computation. Pure of Dagster: reads through the connection given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

import sql
from ingest.spread import Each, here
from measures import progress, targets
from schemas import catalog
from store.areas import LEVELS, poverty_lines
from store.tables import year_columns

TOP = "top"
TOP_LEVELS = ("country", "region", "province")
PROVINCE_LEVELS = ("district", "subdistrict", "village")
# rates whose spread over child areas says whether the lagging areas catch up
CONVERGE = ["mpi_poor_rate", "target_poor_rate"]
# the marts' tables, in the order assets/progress.py writes them
TABLES = ("marts.area_progress", "marts.area_change_factor", "marts.area_target")


def split(con: duckdb.DuckDBPyConnection, text: str, params: dict, folder: Path) -> None:
    """The rows of the query ``text``, into ``folder``/part=<part>/ for every part that needs
    each (sql/progress/parts.sql): DuckDB streams them, nothing is held here."""
    query = sql.load("progress/parts").format(query=text)
    con.sql(query, params=params).write_parquet(str(folder), partition_by=["part"])


def read_part(folder: Path, part: str) -> pl.DataFrame:
    files = folder / f"part={part}"
    if not files.is_dir():
        return pl.DataFrame()
    # the part is the folder's name, not a column of the files
    return pl.read_parquet(files / "*.parquet", hive_partitioning=False)


def line_table(years: Sequence[int]) -> pl.DataFrame:
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


def growth_redistribution(
    con: duckdb.DuckDBPyConnection, year_be: int, base_year: int
) -> tuple[str, dict]:
    """The query of the Datt-Ravallion split of FGT0's change from ``base_year`` to
    ``year_be``, per line, and its parameters: measures.progress.growth_redistribution's
    formula, summed in DuckDB over the two years' person records (memory holds the areas, not
    the persons). Rows: level, area_code, age_band, measure (fgt0_<line>), factor,
    contribution. Registers the lines it reads on ``con``."""
    con.register("lines", line_table([base_year, year_be]))
    text = sql.load("progress/growth_redistribution")
    query = f"SELECT * EXCLUDE (line), 'fgt0_' || line AS measure FROM ({text}\n)"
    return query, {"start": base_year, "end": year_be}


def _bases(rows: pl.DataFrame) -> pl.DataFrame:
    return rows.select("year_be", "base_year_be", "comparison", "level", "area_code").unique()


@dataclass(frozen=True)
class Part:
    """One part's values and what its rows are worked out with: a unit of work that can
    travel (to a worker process or a Dask worker), as year_progress' ``each`` sends it."""

    values: pl.DataFrame
    year_be: int
    years: list[int]
    report: tuple[str, ...]
    baselines: pl.DataFrame
    rules: dict[int, str]
    centres: list[targets.Centre]


def progress_part(unit: Part) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A part's progress rows and its centres' attained targets."""
    rows = progress.progress(unit.values, unit.year_be, list(LEVELS), CONVERGE, unit.baselines,
                             unit.rules, years=unit.years, report=unit.report)  # fmt: skip
    if not rows.height:
        return rows, rows
    return rows, targets.attainment(rows, unit.centres, unit.year_be)


@dataclass(frozen=True)
class FactorPart:
    """One part's compared areas and the marts their change factors are read from."""

    bases: pl.DataFrame
    mpi: pl.DataFrame
    components: pl.DataFrame
    growth: dict[int, pl.DataFrame]  # per base year: sql/progress/growth_redistribution.sql


def factor_part(unit: FactorPart) -> pl.DataFrame:
    """The change factors of one part's compared areas."""
    bases = unit.bases
    factors = [progress.m0_split(unit.mpi, bases)] if unit.mpi.height else []
    if unit.components.height:
        factors.append(progress.component_split(unit.components, bases))
    for y, growth in unit.growth.items():
        if growth.height:
            factors.append(
                growth.join(
                    bases.filter(pl.col("base_year_be") == y).drop("year_be"),
                    on=["level", "area_code"],
                ).with_columns(pl.lit("growth_redistribution").alias("split"))
            )
    return pl.concat(factors, how="diagonal_relaxed") if factors else pl.DataFrame()


def year_progress(
    con: duckdb.DuckDBPyConnection,
    year_be: int,
    target_files: Sequence[Path],
    scratch: Path,
    log: Callable[[str], None] = lambda _: None,
    each: Each | None = None,
) -> dict[str, tuple[str, int]]:
    """The year's progress, change factors and attained targets, a part at a time, written under
    ``scratch``. Returns, per table of TABLES, the glob of its Parquet files (for
    sql/progress/insert_parts.sql) and the rows in them; no earlier year, no rows.

    ``each(function, parts, load)`` runs ``function(load(part))`` for every part and yields
    ``(part, result)`` in their order, wherever it likes (ingest.spread.Spread.stream: worker
    processes, a Dask cluster); by default here, one after the other."""
    each = each or here
    params = {"year_be": year_be}
    split(con, sql.load("progress/values"), params, scratch / "values")
    top = read_part(scratch / "values", TOP)
    years = sorted(top["year_be"].unique().to_list()) if top.height else []
    counts = dict.fromkeys(TABLES, 0)
    out = {t: scratch / "out" / t for t in TABLES}
    if not any(y < year_be for y in years):
        return {t: (str(out[t] / "*.parquet"), 0) for t in TABLES}
    for folder in [*out.values(), scratch / "bases"]:
        folder.mkdir(parents=True)

    def save(table: str, part: str, frame: pl.DataFrame) -> None:
        if frame.height:
            frame = frame.drop("parent_code", strict=False).with_columns(year_columns(year_be))
            frame.write_parquet(out[table] / f"{part}.parquet")
            counts[table] += frame.height

    measures = sorted(top["measure"].unique().to_list()) + [
        f"{m}_child_{s}" for m in CONVERGE for s in ("gap", "cv")
    ]
    bands = ["all", *(b.code for b in catalog.age_bands())]
    centres = targets.load_centres(target_files, measures, bands)
    rules = {y: catalog.target_poor_rule(y) for y in years}
    top_areas = top.filter(
        (pl.col("year_be") == year_be) & pl.col("level").is_in(TOP_LEVELS)
    ).select("level", "area_code", "parent_code").unique()  # fmt: skip
    levels = list(LEVELS)
    provinces = sorted(p.name.removeprefix("part=") for p in (scratch / "values").iterdir())
    parts = [TOP, *(p for p in provinces if p != TOP)]

    def part_of(part: str) -> Part:
        values = top if part == TOP else read_part(scratch / "values", part)
        areas = values.filter(pl.col("year_be") == year_be).select(
            "level", "area_code", "parent_code")  # fmt: skip
        # the centres above a province's areas are in the top tier
        baselines = targets.baselines(pl.concat([top_areas, areas]).unique(), centres, levels)
        report = TOP_LEVELS if part == TOP else PROVINCE_LEVELS
        return Part(values, year_be, years, report, baselines, rules, centres)

    base_years: set[int] = set()
    for i, (part, (rows, attained)) in enumerate(each(progress_part, parts, part_of), 1):
        if rows.height:
            base_years.update(rows["base_year_be"].unique().to_list())
            _bases(rows).write_parquet(scratch / "bases" / f"{part}.parquet")
            save("marts.area_target", part, attained)
            save("marts.area_progress", part, rows)
        if i % 10 == 0 or i == len(parts):
            log(f"progress of {year_be}: {i} of {len(parts)} parts")
    # the factors: the marts' H, A, M0 and contributions, and FGT0's split per base year
    split(con, sql.load("progress/mpi"), params, scratch / "mpi")
    split(con, sql.load("progress/components"), params, scratch / "components")
    for y in sorted(base_years):
        split(con, *growth_redistribution(con, year_be, y), scratch / f"growth_{y}")

    def factors_of(part: str) -> FactorPart:
        return FactorPart(
            pl.read_parquet(scratch / "bases" / f"{part}.parquet"),
            read_part(scratch / "mpi", part),
            read_part(scratch / "components", part),
            {y: read_part(scratch / f"growth_{y}", part) for y in sorted(base_years)},
        )

    compared = [p for p in parts if (scratch / "bases" / f"{p}.parquet").exists()]
    for part, factors in each(factor_part, compared, factors_of):
        save("marts.area_change_factor", part, factors)
    return {t: (str(out[t] / "*.parquet"), counts[t]) for t in TABLES}
