"""One survey year's marts, all levels, with every suppressed cell marked: what the exports and
the report packs are written from. Reads through a DuckDB connection; knows nothing of Dagster."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

import sql
from ingest.spread import Each
from reports import suppression
from reports.derived import flag as flag_derived

MARTS = (
    "area_summary",
    "area_indicator",
    "area_mpi",
    "area_mpi_component",
    "area_income_poverty",
    "area_inequality",
    "area_theil_decomposition",
    "area_progress",
    "area_target",
)
# Levels a centre works at: each gets a report pack.
PACK_LEVELS = ("country", "region", "province", "district")
HIDDEN_KEYS = ["table", "area_code", "age_band", "key", "measure"]


@dataclass(frozen=True)
class YearMarts:
    year_be: int
    frames: dict[str, pl.DataFrame]
    hidden: pl.DataFrame  # HIDDEN_KEYS of every suppressed cell
    _flagged: dict[str, pl.DataFrame] = field(default_factory=dict, repr=False)

    def __getitem__(self, mart: str) -> pl.DataFrame:
        return self.frames[mart]

    def flags(self, mart: str, which: pl.Expr | None = None) -> pl.DataFrame:
        """The mart's rows (those ``which`` selects) with a boolean ``<count>__hidden`` per
        count and per figure reports/derived.yaml declares; joined once per mart and year."""
        if mart not in self._flagged:
            self._flagged[mart] = self._flag(mart, self.frames[mart].with_columns())
        frame = self._flagged[mart]
        return frame if which is None else frame.filter(which)

    def area(self, mart: str, code: str) -> pl.DataFrame:
        """The flagged rows of one area: the mart is split by area once per year, not filtered
        per pack."""
        return self._part(mart, "area_code", code)

    def children(self, mart: str, code: str) -> pl.DataFrame:
        """The flagged rows of the areas whose parent is ``code``."""
        return self._part(mart, "parent_code", code)

    def _part(self, mart: str, by: str, code: str) -> pl.DataFrame:
        # villages are neither packs nor the child areas of one: not kept twice
        def split(ym: YearMarts) -> Split:
            return Split(ym.flags(mart, pl.col("level") != "village"), by)

        return self.derived(f"{mart}/{by}", split).get(code)

    def derived(self, name: str, build: Callable[[YearMarts], object]):
        """A frame built from the whole year once (``build(self)``), kept for every pack."""
        key = f"derived:{name}"
        if key not in self._flagged:
            self._flagged[key] = build(self)
        return self._flagged[key]

    def _flag(self, mart: str, frame: pl.DataFrame) -> pl.DataFrame:
        out = frame.with_columns(_key=suppression.subkey(mart))
        for measure in suppression.COUNTS.get(mart, ()):
            marks = self.hidden.filter(
                (pl.col("table") == mart) & (pl.col("measure") == measure)
            ).select("area_code", "age_band", pl.col("key").alias("_key"), pl.lit(True).alias("_h"))
            out = (
                out.join(marks, on=["area_code", "age_band", "_key"], how="left")
                .with_columns(pl.col("_h").fill_null(False).alias(f"{measure}__hidden"))
                .drop("_h")
            )
        return flag_derived(out.drop("_key"), mart, self.hidden, self.year_be)


class Split:
    """A frame sorted by one column, with where each of its values' rows start: a value's rows
    are a slice (no copy), and splitting is one sort, not a frame per value."""

    def __init__(self, frame: pl.DataFrame, by: str):
        self.frame = frame.sort(by, maintain_order=True)
        runs = self.frame.select(pl.col(by).rle()).unnest(by)
        starts = runs["len"].cum_sum() - runs["len"]
        self.at = dict(zip(runs["value"], zip(starts, runs["len"], strict=True), strict=True))

    def get(self, value: str) -> pl.DataFrame:
        start, length = self.at.get(value, (0, 0))
        return self.frame.slice(start, length)


def read_marts(
    con: duckdb.DuckDBPyConnection,
    year_be: int,
    codes: list[str] | None = None,
    villages: bool = True,
) -> dict[str, pl.DataFrame]:
    """The year's marts; with ``codes``, only those areas' rows (and the targets set by them);
    without ``villages``, none of the village rows (half the rows; no pack shows them)."""
    if codes is None:
        where = "" if villages else " AND level IS DISTINCT FROM 'village'"
        return {
            m: con.sql(
                f"SELECT * FROM marts.{m} WHERE year_be = $year{where}", params={"year": year_be}
            ).pl()
            for m in MARTS
        }
    params = {"year": year_be, "codes": codes}
    out = {}
    for m in MARTS:
        also = " OR centre IN (SELECT unnest($codes))" if m == "area_target" else ""
        query = (
            f"SELECT * FROM marts.{m} WHERE year_be = $year "
            f"AND (area_code IN (SELECT unnest($codes)){also})"
        )
        out[m] = con.sql(query, params=params).pl()
    return out


def read_hidden(path, codes: list[str] | None = None, villages: bool = True) -> pl.DataFrame:
    """The saved suppressed cells (keys), of ``codes`` only when given; without ``villages``,
    none of the villages' (their codes are the only ones of 8 digits)."""
    scan = pl.scan_parquet(path)
    if codes is not None:
        scan = scan.filter(pl.col("area_code").is_in(codes))
    if not villages:
        scan = scan.filter(pl.col("area_code").str.len_chars() != 8)
    return scan.collect()


def load_year(con: duckdb.DuckDBPyConnection, year_be: int, limit: int | None = None) -> YearMarts:
    """The year's marts and their suppression (``suppress_year``, into a scratch folder)."""
    frames = read_marts(con, year_be)
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / hidden_file(year_be)
        suppress_year(con, year_be, path, Path(scratch), limit)
        hidden = pl.read_parquet(path)
    return YearMarts(year_be, frames, hidden)


def read_part(con: duckdb.DuckDBPyConnection, year_be: int, part: str | None) -> dict:
    """The counted marts' rows of one part of the year (suppression.suppress_in_parts): only
    the columns the protection reads."""
    out = {}
    for table, measures in suppression.COUNTS.items():
        key = [suppression.SUBKEY[table]] if table in suppression.SUBKEY else []
        columns = ["level", "area_code", "parent_code", "age_band", *key, *measures]
        text = sql.load("reports/suppression_part").format(table=table, columns=", ".join(columns))
        out[table] = con.sql(text, params={"year": year_be, "province": part or ""}).pl()
    return out


def _has_history(con: duckdb.DuckDBPyConnection) -> bool:
    ((n,),) = con.execute(
        "SELECT count(*) FROM duckdb_tables() "
        "WHERE schema_name = 'core' AND table_name = 'suppression_history'"
    ).fetchall()
    return n > 0


def _history(con: duckdb.DuckDBPyConnection, year_be: int, part: str | None) -> pl.DataFrame:
    if not _has_history(con):
        return pl.DataFrame(schema=_TOLD)
    text = sql.load("reports/suppression_history")
    frame = con.sql(text, params={"year": year_be, "province": part or ""}).pl()
    return frame.cast(_TOLD)  # type: ignore[arg-type]


_TOLD = {k: v for k, v in suppression.DECIDED.items() if k != "present"} | {"hidden": pl.Boolean}


def told(
    con: duckdb.DuckDBPyConnection,
    year_be: int,
    part: str | None,
    before: duckdb.DuckDBPyConnection | None = None,
) -> pl.DataFrame:
    """What earlier publications of the year told of one part's cells (suppress_in_parts'
    ``previous``): every cell the history in ``con`` says was hidden, with its attacker's
    bounds; and, from the published snapshot ``before``, every cell it published, with its
    value. Nothing from a snapshot made before the history was kept (its pattern is not
    known)."""
    hidden = _history(con, year_be, part)
    if before is None or not _has_history(before):
        return hidden
    marts = read_part(before, year_be, part)
    if marts["area_summary"].is_empty():
        return hidden  # the snapshot does not hold the year yet
    cells = suppression.long_cells(marts)
    shown = cells.join(_history(before, year_be, part), on=suppression.KEYS, how="anti").select(
        "level",
        *suppression.KEYS,
        lower=pl.col("value").cast(pl.Float64),
        upper=pl.col("value").cast(pl.Float64),
        hidden=pl.lit(False),
    )
    return pl.concat([hidden, shown])


def suppress_year(
    con: duckdb.DuckDBPyConnection,
    year_be: int,
    path: Path,
    scratch: Path,
    limit: int | None = None,
    before: Path | None = None,
    each: Each | None = None,
) -> Path:
    """Protect the year part by part, reading one province at a time, and write the keys of
    its hidden cells to ``path`` (HIDDEN_KEYS, the top tier then the provinces in code order,
    each sorted by its keys: the same marts give the same bytes). Returns the file of the
    year's history (LEVEL_KEYS and bounds, the cells hidden now and those an earlier
    publication hid that are gone) for core.suppression_history. ``before`` is the published
    snapshot, whose values of the year an attacker holds. ``each`` runs the provinces'
    subtrees (suppression.suppress_in_parts)."""

    def part_file(part: str | None) -> Path:
        return scratch / f"part_{part or 'top'}.parquet"

    def kept(part: str | None) -> pl.DataFrame:
        if part_file(part).exists():
            return pl.read_parquet(part_file(part))
        return pl.DataFrame(schema=suppression.DECIDED)

    published = None
    if before is not None and before.exists():
        published = duckdb.connect(str(before), read_only=True)
    try:
        provinces = suppression.suppress_in_parts(
            lambda part: read_part(con, year_be, part),
            lambda part, cells: cells.write_parquet(part_file(part)),
            kept,
            year_be,
            limit,
            lambda part: told(con, year_be, part, published),
            each,
        )
    finally:
        if published is not None:
            published.close()
    history = scratch / f"suppression_history_{year_be}.parquet"
    parts = [part_file(None), *(part_file(p) for p in provinces)]
    # beside the file and renamed over it: a killed run never leaves half of it
    partial = path.with_name(path.name + ".partial")
    _assemble(parts, partial, history)
    os.replace(partial, path)
    return history


def _assemble(parts: list[Path], path: Path, history: Path) -> None:
    """The parts' decisions, one part in memory at a time: the hidden cells' keys for people,
    and everything with its bounds for the history."""
    people = pa.schema([(k, pa.string()) for k in HIDDEN_KEYS])
    kept_schema = pa.schema(
        [(k, pa.string()) for k in suppression.LEVEL_KEYS]
        + [(b, pa.float64()) for b in suppression.BOUNDS]
    )
    with pq.ParquetWriter(path, people) as out, pq.ParquetWriter(history, kept_schema) as past:
        for part in parts:
            cells = pl.read_parquet(part)
            out.write_table(cells.filter("present").select(HIDDEN_KEYS).to_arrow().cast(people))
            kept_cells = cells.select(*suppression.LEVEL_KEYS, *suppression.BOUNDS)
            past.write_table(kept_cells.to_arrow().cast(kept_schema))


def data_note(con: duckdb.DuckDBPyConnection, year_be: int) -> dict[str, str]:
    """When and from what the year was computed, for the 'data date and source' of each file."""
    files, delivered = con.execute(sql.load("reports/landing_files"), [year_be]).fetchone()
    return {"files": f"{files:,}", "delivered": f"{delivered:%Y-%m-%d}" if delivered else "-"}


def missing_provinces(con: duckdb.DuckDBPyConnection, year_be: int) -> list[dict[str, str]]:
    """The year's provinces whose files were held whole (published without them,
    CHIPAO_MISSING_PROVINCE=publish): code, Thai and English name, and ``held``: each file
    with its reason (masked: a reason may quote what it read)."""
    import geothai

    from ingest.masking import mask_text

    ((n,),) = con.execute(
        "SELECT count(*) FROM duckdb_tables() "
        "WHERE schema_name = 'core' AND table_name = 'missing_province'"
    ).fetchall()
    if not n:  # a warehouse made before the table was
        return []
    names = {p.code: (p.name_th, p.name_en) for p in geothai.provinces()}
    out = []
    rows = con.execute(sql.load("reports/missing_provinces"), [year_be]).fetchall()
    for code, held in rows:
        th, en = names.get(code, (code, code))
        out.append({"code": code, "name_th": th, "name_en": en, "held": mask_text(held) or ""})
    return out


def hidden_file(year_be: int) -> str:
    return f"suppressed_cells_{year_be}.parquet"


def load_history(
    con: duckdb.DuckDBPyConnection, folders: dict[int, object]
) -> dict[int, YearMarts]:
    """Other years' marts with their saved suppression, for trends; a year without its file of
    suppressed cells is computed again."""
    out = {}
    for year_be, folder in folders.items():
        path = folder / hidden_file(year_be)
        frames = read_marts(con, year_be, villages=not path.exists())
        if frames["area_summary"].is_empty():
            continue
        if path.exists():
            out[year_be] = YearMarts(year_be, frames, read_hidden(path, villages=False))
        else:
            out[year_be] = load_year(con, year_be)
    return out
