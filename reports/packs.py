"""Every centre's pack for a year, and one pack on demand (`chipao report`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl

from reports import build, data, index
from reports.pack import Area, Pack
from schemas import catalog


@dataclass
class Job:
    year: data.YearMarts
    history: dict[int, data.YearMarts]
    note: dict[str, str]
    missing: list[dict[str, str]] = field(default_factory=list)  # provinces held whole

    def areas(self, levels: Iterable[str] = data.PACK_LEVELS) -> list[Area]:
        rows = (
            self.year["area_summary"]
            .filter(pl.col("level").is_in(list(levels)) & (pl.col("age_band") == "all"))
            .sort("level", "area_code")
        )
        return [
            Area(r["level"], r["area_code"], r["name_th"], r["name_en"])
            for r in rows.iter_rows(named=True)
        ]

    def pack(self, area: Area) -> Pack:
        return Pack(area, self.year, self.history, self.note, covered(self.missing, area))

    def missing_areas(self) -> list[Area]:
        """The provinces held whole: no rows in the marts, so a pack that only says why."""
        return [Area("province", m["code"], m["name_th"], m["name_en"]) for m in self.missing]


def covered(missing: list[dict[str, str]], area: Area) -> list[dict[str, str]]:
    """The provinces held whole that ``area`` covers: every one for the country, those of a
    region, the province itself."""
    if area.level == "country":
        return missing
    if area.level == "region":
        return [m for m in missing if catalog.region_of(m["code"]).code == area.code]
    if area.level == "province":
        return [m for m in missing if m["code"] == area.code]
    return []


def survey_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    return [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT year_be FROM marts.area_summary ORDER BY 1"
        ).fetchall()
    ]


def prepare(con: duckdb.DuckDBPyConnection, year_be: int, folder: Callable[[int], Path]) -> Job:
    """The year's marts and suppression (saved by the exports, else computed), and the earlier
    years' for the trend."""
    saved = folder(year_be) / data.hidden_file(year_be)
    if saved.exists():  # no pack shows a village: their rows are not read
        frames = data.read_marts(con, year_be, villages=False)
        year = data.YearMarts(year_be, frames, data.read_hidden(saved, villages=False))
    else:
        year = data.load_year(con, year_be)
    earlier = [y for y in survey_years(con) if y < year_be]
    history = data.load_history(con, {y: folder(y) for y in earlier})
    return Job(year, history, data.data_note(con, year_be), data.missing_provinces(con, year_be))


def area_codes(con: duckdb.DuckDBPyConnection, year_be: int, level: str, code: str) -> list[str]:
    """The areas one centre's pack shows: itself, its child areas (the provinces too for the
    country's map) and the areas of the targets it set."""
    rows = con.execute(
        """SELECT DISTINCT area_code FROM marts.area_summary
           WHERE year_be = $1 AND (area_code = $2 OR parent_code = $2
                 OR ($3 = 'country' AND level = 'province'))
           UNION SELECT DISTINCT area_code FROM marts.area_target
           WHERE year_be = $1 AND centre = $2""",
        [year_be, code, level],
    ).fetchall()
    return sorted({code, *(r[0] for r in rows)})


def prepare_one(
    con: duckdb.DuckDBPyConnection, year_be: int, folder: Callable[[int], Path], area: Area
) -> Job:
    """``prepare`` for one centre: only its areas' rows of every year (the saved suppression
    is read, not recomputed, where the exports left it)."""
    codes = area_codes(con, year_be, area.level, area.code)

    def year_of(y: int) -> data.YearMarts | None:
        saved = folder(y) / data.hidden_file(y)
        if not saved.exists():  # a year whose exports never ran: its suppression, whole
            return data.load_year(con, y)
        frames = data.read_marts(con, y, codes)
        if frames["area_summary"].is_empty():
            return None
        return data.YearMarts(y, frames, data.read_hidden(saved, codes))

    year = year_of(year_be)
    earlier = {y: year_of(y) for y in survey_years(con) if y < year_be}
    history = {y: ym for y, ym in earlier.items() if ym is not None}
    return Job(year, history, data.data_note(con, year_be), data.missing_provinces(con, year_be))


def write_all(job: Job, out: Path, progress: Callable[[str], None] = print) -> pl.DataFrame:
    """A pack for every area of the pack levels; returns level, area_code per pack written.
    One process: a pool of two copied the job's three years of marts into each worker and ran
    out of memory on the demo (8.6 GB) before writing a pack."""
    todo = job.areas()
    for n, area in enumerate(todo, 1):  # one pack per centre: a few thousand at most
        build.write_pack(job.pack(area), out)
        if n % 100 == 0 or n == len(todo):
            progress(f"report packs {job.year.year_be}: {n}/{len(todo)}")
    packed = {(a.level, a.code) for a in todo}
    held = [a for a in job.missing_areas() if (a.level, a.code) not in packed]
    for area in held:  # a province held whole: a pack that says why
        build.write_missing(area, job.year.year_be, covered(job.missing, area), out, job.note)
    todo += held
    index.finish(todo, job.year.year_be, out, job.missing)
    progress(f"report packs {job.year.year_be}: index.html and {len(todo)} zips")
    return pl.DataFrame(
        [(a.level, a.code) for a in todo], schema=["level", "area_code"], orient="row"
    )


def one(job: Job, area: Area, out: Path, formats: Iterable[str]) -> list[Path]:
    """The pack of ``area`` (resolved with areas.resolve against the job's year)."""
    return build.write_pack(job.pack(area), out, formats)
