"""Every centre's pack for a year, and one pack on demand (`chipao report`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from reports import build, data
from reports.pack import Area, Pack


@dataclass
class Job:
    year: data.YearMarts
    history: dict[int, data.YearMarts]
    note: dict[str, str]

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
        return Pack(area, self.year, self.history, self.note)


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
    return Job(year, history, data.data_note(con, year_be))


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
    return Job(year, history, data.data_note(con, year_be))


def write_all(job: Job, out: Path, progress: Callable[[str], None] = print) -> pl.DataFrame:
    """A pack for every area of the pack levels; returns level, area_code per pack written.
    One process: a pool of two copied the job's three years of marts into each worker and ran
    out of memory on the demo (8.6 GB) before writing a pack."""
    todo = job.areas()
    for n, area in enumerate(todo, 1):  # one pack per centre: a few thousand at most
        build.write_pack(job.pack(area), out)
        if n % 100 == 0 or n == len(todo):
            progress(f"report packs {job.year.year_be}: {n}/{len(todo)}")
    return pl.DataFrame(
        [(a.level, a.code) for a in todo], schema=["level", "area_code"], orient="row"
    )


def one(job: Job, area: Area, out: Path, formats: Iterable[str]) -> list[Path]:
    """The pack of ``area`` (resolved with areas.resolve against the job's year)."""
    return build.write_pack(job.pack(area), out, formats)
