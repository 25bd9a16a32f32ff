"""The year's files per level for people (CSV and Parquet per mart and level, a wide file per
level): the CSV as the packs' CSV are (headers "Thai / English", hidden cells "<5" or "x", rates
as percentages with one decimal), the Parquet at full precision with hidden cells null. Written
a part at a time: the levels above the province whole, the others one province
at a time, so memory is bounded by a province's rows, never by the country's. Each file is
written in one pass, parts appended in the files' order (level, area_code, ...), so the result
is the file a whole-level write would give."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq

from reports import build, data, write
from reports.pack import HIDDEN

# Each mart's key, the order of rows in its files.
MARTS = {
    "area_summary": ("level", "area_code", "age_band"),
    "area_indicator": ("level", "area_code", "age_band", "indicator_code"),
}
LEVELS = ("country", "region", "province", "district", "subdistrict", "village")
# Levels whose areas are read a province at a time (their codes start with the province's).
BY_PROVINCE = ("district", "subdistrict", "village")
# Excel opens at most 1,048,576 rows. Villages x 6 bands x 17 indicators is past it at national
# scale (tests/test_reports.py works it out): that long file is Parquet only, the wide file is
# the one for Excel.
NO_CSV = {("area_indicator", "village")}


def flagged(ym: data.YearMarts, mart: str, level: str) -> pl.DataFrame:
    """The mart's rows of ``level`` with ``<count>__hidden`` for each of its counts."""
    frame = ym.flags(mart, pl.col("level") == level)
    # a figure declared for the mart but not one of its columns (a rate the packs work out)
    absent = [c for c in frame.columns if c.endswith(HIDDEN)]
    return frame.drop([c for c in absent if c.removesuffix(HIDDEN) not in frame.columns])


def suppressed(ym: data.YearMarts, mart: str, level: str) -> pl.DataFrame:
    """The mart's rows of ``level``, hidden counts null, ``suppressed`` true on rows with one:
    the Parquet file's (full precision, for analysts)."""
    return nulled(flagged(ym, mart, level))


def nulled(flagged: pl.DataFrame) -> pl.DataFrame:
    """``flagged`` with its hidden cells null and ``suppressed`` on the rows with one."""
    flags = [c for c in flagged.columns if c.endswith(HIDDEN)]
    return flagged.with_columns(
        *(
            pl.when(pl.col(f))
            .then(None)
            .otherwise(pl.col(f.removesuffix(HIDDEN)))
            .alias(f.removesuffix(HIDDEN))
            for f in flags
        ),
        pl.any_horizontal(flags).alias("suppressed"),
    ).drop(flags)


def _parts(con: duckdb.DuckDBPyConnection, year_be: int, level: str) -> list[str | None]:
    """The province prefixes a level is read by (None: the level whole)."""
    if level not in BY_PROVINCE:
        return [None]
    rows = con.execute(
        "SELECT DISTINCT left(area_code, 2) FROM marts.area_summary "
        "WHERE year_be = $1 AND level = 'province' ORDER BY 1",
        [year_be],
    ).fetchall()
    return [r[0] for r in rows]


def _read(con, year_be: int, level: str, prefix: str | None, hidden: Path):
    """The part's rows of the two marts and its suppressed cells, as a YearMarts."""
    where = "year_be = $year AND level = $level"
    params: dict[str, object] = {"year": year_be, "level": level}
    if prefix is not None:  # a range, not starts_with: DuckDB's zone maps skip the rest
        where += " AND area_code >= $low AND area_code < $high"
        params |= {"low": prefix, "high": f"{int(prefix) + 1:02d}"}
    frames = {
        m: con.sql(f"SELECT * FROM marts.{m} WHERE {where}", params=params).pl() for m in MARTS
    }
    cells = pl.scan_parquet(hidden).filter(pl.col("table").is_in(list(MARTS)))
    codes = frames["area_summary"]["area_code"].unique().to_list()
    cells = cells.filter(pl.col("area_code").is_in(codes)).collect()
    return data.YearMarts(year_be, frames, cells)


class _Appender:
    """One file for people written part by part: CSV (a BOM and the header once) and Parquet
    (one row group per part), under a partial name renamed when done."""

    def __init__(self, path: Path):
        self.path, self.partial = path, path.with_name(path.name + ".partial")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = self.writer = None

    def add(self, frame: pl.DataFrame) -> None:
        if self.path.suffix == ".csv":
            first = self.handle is None
            if first:
                self.handle = self.partial.open("wb")
            frame.write_csv(self.handle, include_bom=first, include_header=first)
        else:
            table = frame.to_arrow()
            if self.writer is None:
                self.writer = pq.ParquetWriter(self.partial, table.schema)
            self.writer.write_table(table.cast(self.writer.schema))

    def close(self) -> Path:
        if self.handle is not None:
            self.handle.close()
        if self.writer is not None:
            self.writer.close()
        self.partial.replace(self.path)
        return self.path


def write_year(con: duckdb.DuckDBPyConnection, year_be: int, folder: Path) -> list[Path]:
    """Every file per level of the year, from the marts and the saved suppressed cells."""
    hidden = folder / data.hidden_file(year_be)
    build.register_indicator_columns()
    written = []
    for level in LEVELS:
        outs = {}
        for mart in MARTS:
            stem = folder / f"{mart}_{level}_{year_be}"
            kinds = [".parquet"] if (mart, level) in NO_CSV else [".csv", ".parquet"]
            outs[mart] = [_Appender(stem.with_suffix(k)) for k in kinds]
        wide = []
        for prefix in _parts(con, year_be, level):
            ym = _read(con, year_be, level, prefix, hidden)
            if ym["area_summary"].is_empty():
                continue
            for mart, key in MARTS.items():
                part = flagged(ym, mart, level).sort(*key)
                for out in outs[mart]:  # CSV for people: "<5" and "x", rounded, Thai / English
                    out.add(write.for_people(part) if out.path.suffix == ".csv" else nulled(part))
            wide.append(build.national_wide(ym, level))
        for files in outs.values():
            written += [out.close() for out in files]
        # one row per area: the level whole is small (the villages' are 75,000 rows)
        frame = pl.concat(wide, how="diagonal_relaxed").sort("area_code")
        stem = folder / f"area_wide_{level}_{year_be}"
        write.write_csv(frame, stem.with_suffix(".csv"))
        write.write_parquet(frame, stem.with_suffix(".parquet"))
        written += [stem.with_suffix(".csv"), stem.with_suffix(".parquet")]
    return written
