"""Read a delivered file as text cells, every value a string, with its row numbers.

CSV (UTF-8 with or without BOM, or TIS-620 / Windows-874), XLSX (a named or the first sheet,
title rows above the header skipped) and Parquet. What cannot be read raises UnreadableFile with
a message for the ledger; nothing is guessed silently.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from schemas.normalise import ALL_REPAIRS
from schemas.validate import EXTRA_CELLS

SUFFIXES = (".csv", ".xlsx", ".parquet")
THAI = re.compile(r"[\u0E00-\u0E7F]")
NON_ASCII = re.compile(r"[^\x00-\x7F]")
# A Thai vowel or tone mark that follows no Thai letter: what other encodings read as cp874 make.
ORPHAN_MARK = re.compile(r"(?<![\u0E01-\u0E4F])[\u0E31\u0E34-\u0E3A\u0E47-\u0E4E]")
# Of the non-ASCII characters of a Windows-874 reading, at least this share must be Thai;
# otherwise the bytes were some other encoding and the text would be mojibake.
THAI_SHARE_FOR_CP874 = 0.9
# Title rows above the header: it is looked for in this many first rows.
HEADER_SEARCH_ROWS = 30


class UnreadableFile(Exception):
    """The file as a whole cannot be read; the message says why, for the ledger."""


@dataclass(frozen=True)
class TextTable:
    frame: pl.DataFrame  # all Utf8, plus row_index (1 = first data row under the header)
    encoding: str | None
    header_row: int  # 1-based line or sheet row of the header
    repairs: frozenset[str] = ALL_REPAIRS  # what normalisation may need (schemas.normalise)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def decode(raw: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Bytes to text: the encoding given, else UTF-8 (BOM or not), else Thai Windows-874."""
    if encoding:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError as err:
            raise UnreadableFile(f"not valid {encoding} text (byte {err.start})") from err
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp874")
    except UnicodeDecodeError as err:
        raise UnreadableFile("neither UTF-8 nor Windows-874 (TIS-620) text") from err
    foreign = len(NON_ASCII.findall(text))
    thai = len(THAI.findall(text))
    if foreign and (
        thai / foreign < THAI_SHARE_FOR_CP874 or len(ORPHAN_MARK.findall(text)) > thai // 100
    ):
        raise UnreadableFile("neither UTF-8 nor Thai Windows-874 text: say which encoding it is")
    return text, "cp874"


def _header_index(rows: list[list[str]], expected: Iterable[str]) -> int:
    """The first row holding at least two expected column names; title rows sit above it."""
    wanted = set(expected)
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if len(wanted & {c.strip().lstrip("\ufeff") for c in row if c}) >= 2:
            return i
    return 0


def _header(cells: Iterable[str | None]) -> list[str]:
    header = [(c or "").strip().lstrip("\ufeff") for c in cells]
    repeated = [name for name, n in Counter(h for h in header if h).items() if n > 1]
    if repeated:
        raise UnreadableFile(f"column(s) named twice in the header: {', '.join(repeated)}")
    return header


def _table(
    rows: list[list[str | None]], expected: Iterable[str], encoding: str | None
) -> TextTable:
    if not rows:
        raise UnreadableFile("the file is empty")
    start = _header_index([[c or "" for c in r] for r in rows], expected)
    header = _header(rows[start])
    body = rows[start + 1 :]
    width = len(header)
    columns: dict[str, list[str | None]] = {
        h or f"column_{i + 1}": [] for i, h in enumerate(header)
    }
    names = list(columns)
    extra: list[str | None] = []
    for row in body:
        cells = list(row[:width]) + [None] * (width - len(row))
        for name, cell in zip(names, cells, strict=True):
            columns[name].append(None if cell is None or cell == "" else str(cell))
        spill = [str(c) for c in row[width:] if c not in (None, "")]
        extra.append(",".join(spill) if spill else None)
    if any(extra):
        columns[EXTRA_CELLS] = extra
        names.append(EXTRA_CELLS)
    frame = pl.DataFrame(columns, schema={n: pl.Utf8 for n in names})
    frame = frame.with_row_index("row_index", offset=1).with_columns(
        pl.col("row_index").cast(pl.Int64)
    )
    return TextTable(frame=frame, encoding=encoding, header_row=start + 1)


def read_csv_text(raw: bytes, expected: Iterable[str], encoding: str | None = None) -> TextTable:
    text, used = decode(raw, encoding)
    if not text.strip():
        raise UnreadableFile("the file is empty")
    # the header sits in the first 30 lines: split those, never the whole text
    head_lines = text[: 1 << 16].splitlines(keepends=True)[:HEADER_SEARCH_ROWS]
    head = list(csv.reader(head_lines))
    start = _header_index(head, expected)
    header = [c.strip().lstrip("\ufeff") for c in head[start]] if head else []
    if len(set(header)) == len(header):
        offset = sum(map(len, head_lines[:start]))
        try:
            return _fast_csv(text[offset:] if offset else text, used, start + 1)
        except pl.exceptions.PolarsError:
            pass  # ragged or cut short: the slow reader below says exactly where
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as err:
        raise UnreadableFile(f"broken CSV: {err} (was the file cut short?)") from err
    # a line with nothing on it is no row; Excel leaves them at the end
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    return _table(rows, expected, used)


def possible_repairs(text: str) -> frozenset[str]:
    """What the whole file's text rules out, found by fast substring tests: an ASCII file has
    no Thai digits, a file without quotes no comma inside a cell, one without dots no '2.0'."""
    repairs = set()
    if not text.isascii():
        repairs.add("thai")
    blanks = (", ", " ,", "\n ", " \n", " \r", '" ', ' "', "\t")
    ends = text[:1] + text[-4:].rstrip("\r\n")[-1:]  # no copy of the whole text
    if " " in ends or any(b in text for b in blanks):
        repairs.add("edges")
    if '"' in text:
        repairs.add("comma")
    if "." in text:
        repairs.add("dot")
    return frozenset(repairs)


def _fast_csv(text: str, encoding: str, header_row: int) -> TextTable:
    """Polars' reader for well-formed files: the common case, ten times faster than csv."""
    frame = pl.read_csv(text.encode("utf-8"), infer_schema=False, truncate_ragged_lines=False)
    frame = frame.rename({c: c.strip().lstrip("\ufeff") for c in frame.columns})
    frame = frame.filter(
        ~pl.all_horizontal(pl.all().is_null() | (pl.all().str.strip_chars() == ""))
    )
    frame = frame.with_columns(pl.when(pl.all() == "").then(None).otherwise(pl.all()).name.keep())
    frame = frame.with_row_index("row_index", offset=1)
    return TextTable(
        frame.with_columns(pl.col("row_index").cast(pl.Int64)),
        encoding,
        header_row,
        possible_repairs(text),
    )


def read_xlsx_text(raw: bytes, expected: Iterable[str], sheet: str | None = None) -> TextTable:
    import fastexcel

    try:
        workbook = fastexcel.read_excel(raw)
        target = sheet if sheet is not None else 0
        frame = workbook.load_sheet(target, header_row=None, dtypes="string").to_polars()
    except Exception as err:  # calamine reports many kinds; the ledger needs the text
        raise UnreadableFile(
            f"unreadable Excel workbook: {str(err).splitlines()[0][:200]}"
        ) from err
    frame = frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns)})
    frame = frame.with_columns(pl.when(pl.all() == "").then(None).otherwise(pl.all()).name.keep())
    frame = frame.filter(~pl.all_horizontal(pl.all().is_null()))
    if frame.height == 0:
        raise UnreadableFile("the file is empty")
    head = [[c or "" for c in row] for row in frame.head(HEADER_SEARCH_ROWS).iter_rows()]
    start = _header_index(head, expected)
    header = _header(head[start])
    # a sheet is a rectangle: cells right of the last header name land in unnamed columns
    body = frame.slice(start + 1).select(
        pl.col(c).alias(h or f"column_{i + 1}")
        for i, (c, h) in enumerate(zip(frame.columns, header, strict=True))
    )
    table = body.with_row_index("row_index", offset=1)
    return TextTable(table.with_columns(pl.col("row_index").cast(pl.Int64)), None, start + 1)


def read_parquet_text(raw: bytes) -> TextTable:
    try:
        frame = pl.read_parquet(io.BytesIO(raw))
    except Exception as err:
        raise UnreadableFile(f"unreadable Parquet: {str(err).splitlines()[0][:200]}") from err
    frame = frame.with_columns(pl.all().cast(pl.Utf8)).with_row_index("row_index", offset=1)
    return TextTable(frame.with_columns(pl.col("row_index").cast(pl.Int64)), None, 0)


def read_text(
    path: Path, expected: Iterable[str] = (), encoding: str | None = None, sheet: str | None = None
) -> TextTable:
    """Read any supported file; ``expected`` column names locate the header under title rows."""
    return parse(path.read_bytes(), path.suffix, expected, encoding, sheet)


def read_file(
    path: Path, expected: Iterable[str] = (), encoding: str | None = None, sheet: str | None = None
) -> tuple[str, TextTable | UnreadableFile]:
    """The file's sha256 and its table (or why it cannot be read), from one read of its bytes."""
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    try:
        return digest, parse(raw, path.suffix, expected, encoding, sheet)
    except UnreadableFile as err:
        return digest, err


def parse(
    raw: bytes,
    suffix: str,
    expected: Iterable[str] = (),
    encoding: str | None = None,
    sheet: str | None = None,
) -> TextTable:
    suffix = suffix.lower()
    if suffix == ".csv":
        return read_csv_text(raw, expected, encoding)
    if suffix == ".xlsx":
        return read_xlsx_text(raw, expected, sheet)
    if suffix == ".parquet":
        return read_parquet_text(raw)
    raise UnreadableFile(f"unsupported file type {suffix!r}: send CSV, XLSX or Parquet")
