"""Every centre's pack for a year, and one pack on demand (`chipao report`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from reports import areas, build, data
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
    if saved.exists():
        year = data.YearMarts(year_be, data.read_marts(con, year_be), pl.read_parquet(saved))
    else:
        year = data.load_year(con, year_be)
    earlier = [y for y in survey_years(con) if y < year_be]
    history = data.load_history(con, {y: folder(y) for y in earlier})
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


def one(job: Job, level: str, text: str, out: Path, formats: Iterable[str]) -> list[Path]:
    """The pack of the area ``text`` names (code or Thai/English name); AreaError otherwise."""
    area = areas.resolve(level, text, job.year["area_summary"], job.year.year_be)
    return build.write_pack(job.pack(area), out, formats)
