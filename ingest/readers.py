"""Read a delivered file as text cells, every value a string, with its row numbers.

CSV (UTF-8 with or without BOM, UTF-16 with a BOM as Excel's "Unicode Text" writes it, or
TIS-620 / Windows-874), separated by commas, semicolons, tabs or bars (sniffed from the header),
with any line endings; XLSX (a named sheet, or the first visible one that holds the header;
title rows above the header skipped; date cells read as dates); Parquet (any integer, float or
date type). The header is found by the catalog: a field's name, or its English or Thai label,
in any case and spacing, on one row or on two (Thai above English). What cannot be read raises
UnreadableFile with a message for the ledger that says what was seen; nothing is guessed
silently. How a file was read (encoding, separator, sheet, header rows, which header names were
mapped to which field) is returned with its rows, for the ledger.

``row_index`` is the row a person sees: the line of the CSV file (the record, when a quoted cell
holds a line break) or the row number of the Excel sheet, title and blank rows above counted;
in Parquet, which has no header row, the position of the row (1 = the first).
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
import sys
import zipfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from schemas.normalise import ALL_REPAIRS, header_key
from schemas.validate import EXTRA_CELLS

SUFFIXES = (".csv", ".xlsx", ".parquet")
# Columns that name no field and repeat, or bear a name staging gives its own columns, are read
# under this prefix and the column's position.
IGNORED_PREFIX = "__ignored_"
RESERVED = frozenset({"row_index", "file", "sha256", "source", EXTRA_CELLS})
# Cells found broken while reading: their rows are held, the rest of the file loads.
DAMAGED = {"row_index": pl.Int64, "column": pl.Utf8, "rule": pl.Utf8, "value": pl.Utf8}
SEPARATORS = (",", ";", "\t", "|")
SEPARATOR_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}
THAI = re.compile(r"[\u0E00-\u0E7F]")
NON_ASCII = re.compile(r"[^\x00-\x7F]")
# A Thai vowel or tone mark that follows no Thai letter: what other encodings read as cp874 make.
ORPHAN_MARK = re.compile(r"(?<![\u0E01-\u0E4F])[\u0E31\u0E34-\u0E3A\u0E47-\u0E4E]")
# Of the non-ASCII characters of a Windows-874 reading, at least this share must be Thai;
# otherwise the bytes were some other encoding and the text would be mojibake.
THAI_SHARE_FOR_CP874 = 0.9
# Title rows above the header: it is looked for in this many first rows.
HEADER_SEARCH_ROWS = 30
# A cell that looks like data rather than a column name: a number, a code, a date.
DATA_LIKE = re.compile(r"^[\d\s.,/:+-]+$")
BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
# What a byte that is no UTF-8 becomes when a UTF-8 file is read despite it.
STRAY = "\ufffd"
# Stray bytes are damage (the rows holding them are held) up to this share of the file's UTF-8
# letters, or of its lines in ASCII text; more, and the file is some other encoding, refused
# rather than guessed.
STRAY_BYTES_SHARE = 0.01
# A csv record broken this many times is no CSV with a few damaged rows: refused whole.
MAX_BROKEN_RECORDS = 100
# csv's own limit (128 KiB per cell) would make one oversized remark fail the whole file; the
# row that holds it is held instead (ingest/staging.py, rule cell_too_long).
csv.field_size_limit(sys.maxsize)


class UnreadableFile(Exception):
    """The file as a whole cannot be read; the message says why, for the ledger."""


@dataclass(frozen=True)
class TextTable:
    frame: pl.DataFrame  # all Utf8, plus row_index (the row a person sees)
    encoding: str | None
    header_row: int  # 1-based line or sheet row of the (first) header row; 0: none (Parquet)
    repairs: frozenset[str] = ALL_REPAIRS  # what normalisation may need (schemas.normalise)
    separator: str | None = None
    sheet: str | None = None
    header_rows: int = 1  # 2: names on one row, labels in the other language on the next
    header_map: dict[str, str] = field(default_factory=dict)  # header as delivered -> field
    first_cell: str = ""  # the first header cell as read, for messages
    # cells found broken while reading (rule not_utf8, broken_quote): their rows are held, the
    # rest of the file loads; (row_index, column, rule, value) as schemas.validate numbers them
    damaged: pl.DataFrame | None = None
    ignored: tuple[str, ...] = ()  # header cells that name no field: not read, named in the ledger

    def how_read(self) -> str:
        """One line for messages: what the reader saw."""
        parts = []
        if self.encoding:
            parts.append(f"encoding {self.encoding}")
        if self.separator:
            parts.append(f"separator {SEPARATOR_NAMES[self.separator]} {self.separator!r}")
        if self.sheet:
            parts.append(f"sheet {self.sheet!r}")
        width = sum(1 for c in self.frame.columns if c not in ("row_index", EXTRA_CELLS))
        cell = self.first_cell if len(self.first_cell) <= 60 else self.first_cell[:57] + "..."
        parts.append(f"{width} column(s), the first header cell read as {cell!r}")
        return "read with " + ", ".join(parts)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def decode(raw: bytes, encoding: str | None = None) -> tuple[str, str]:
    """Bytes to text: the encoding given, else by its BOM (UTF-8, UTF-16), else UTF-8, else
    Thai Windows-874 (a UTF-8 BOM before Windows-874 text is dropped, not read as text).

    UTF-8 text with a few stray bytes that are no UTF-8 (an editor's leftover) is read as
    UTF-8 with each stray byte as U+FFFD: the rows that hold one are quarantined (rule
    not_utf8), the others load. It counts as UTF-8 when its stray bytes are rare: at most
    STRAY_BYTES_SHARE of its UTF-8 letters (Thai), or, in ASCII text that is no Windows-874
    Thai either, of its lines. Otherwise it is Windows-874 if that reads as Thai, else refused."""
    if encoding:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError as err:
            raise UnreadableFile(f"not valid {encoding} text (byte {err.start})") from err
    for bom, name in BOMS[1:]:
        if raw.startswith(bom):
            try:
                return raw[len(bom) :].decode(name), f"{name[:6]} (BOM)"
            except UnicodeDecodeError as err:
                raise UnreadableFile(f"starts with a {name} BOM but is not {name} text") from err
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    lenient = raw.decode("utf-8-sig", errors="replace")
    strays = lenient.count(STRAY) - raw.count(STRAY.encode())
    # Thai in UTF-8 with a few stray bytes: UTF-8. Windows-874 Thai read as UTF-8 gives the
    # reverse, a stray byte for most letters and a few letters by accident.
    if strays <= utf8_letters(lenient) * STRAY_BYTES_SHARE:
        return lenient, stray_encoding(strays)
    bom = raw.startswith(BOMS[0][0])
    try:
        text = raw[3:].decode("cp874") if bom else raw.decode("cp874")
    except UnicodeDecodeError as err:
        text, refusal = None, UnreadableFile("neither UTF-8 nor Windows-874 (TIS-620) text")
        refusal.__cause__ = err
    else:
        foreign = len(NON_ASCII.findall(text))
        thai = len(THAI.findall(text))
        refusal = None
        if foreign and (
            thai / foreign < THAI_SHARE_FOR_CP874 or len(ORPHAN_MARK.findall(text)) > thai // 100
        ):
            text = None
            refusal = UnreadableFile(
                "neither UTF-8 nor Thai Windows-874 text: say which encoding it is"
            )
    if text is not None:
        return text, "cp874 (after a UTF-8 BOM)" if bom else "cp874"
    if strays <= lenient.count("\n") * STRAY_BYTES_SHARE:  # ASCII text with a rare stray byte
        return lenient, stray_encoding(strays)
    raise refusal


def utf8_letters(text: str) -> int:
    """About how many letters of ``text`` are multi-byte UTF-8 (Thai: three bytes each), from
    the length of its encoding: a count without a regex or a list of a national file's letters.
    Each STRAY is three bytes too, and is not counted."""
    extra = len(text.encode("utf-8")) - len(text) - 2 * text.count(STRAY)
    return max(extra, 0) // 2


def stray_encoding(strays: int) -> str:
    return f"utf-8 ({strays} stray byte{'s' if strays != 1 else ''})"


def aliases_of(expected: Iterable[str] | Mapping[str, str]) -> dict[str, str]:
    """Header keys (schemas.normalise.header_key) to field names."""
    if isinstance(expected, Mapping):
        return dict(expected)
    return {header_key(name): name for name in expected}


@dataclass(frozen=True)
class Header:
    index: int  # 0-based row of the first header row
    rows: int  # 1 or 2
    names: list[str]  # column names: the field where a cell names one, else the cell
    mapped: dict[str, str]  # header cell as delivered -> field, where they differ
    first_cell: str
    ignored: tuple[str, ...] = ()  # header cells naming no field, once each, in header order


def _hits(row: list[str], aliases: Mapping[str, str]) -> int:
    return len({aliases[k] for k in (header_key(c) for c in row if c) if k in aliases})


def find_header(rows: list[list[str]], aliases: Mapping[str, str]) -> Header:
    """The first row naming at least two fields (title rows sit above it), and the row below
    it too when it names fields again (the other language). A first row that looks like
    data is no header: the file is refused, not read with its first row as names."""
    index = next(
        (i for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]) if _hits(row, aliases) >= 2), None
    )
    if index is None:
        first = next((r for r in rows if any(c.strip() for c in r)), [])
        cells = [c.strip() for c in first if c and c.strip()]
        if cells and sum(bool(DATA_LIKE.match(c)) for c in cells) * 2 >= len(cells):
            raise UnreadableFile(
                f"the first row looks like data, not a header (it starts "
                f"{', '.join(cells[:3])!r}): add the header row of the input contract"
            )
        index = rows.index(first) if first else 0
    header_rows = [rows[index]]
    if index + 1 < len(rows) and _hits(rows[index + 1], aliases) >= 2:
        header_rows.append(rows[index + 1])
    width = max(len(r) for r in header_rows)
    names, mapped = [], {}
    for j in range(width):
        cells = [
            (r[j] if j < len(r) and r[j] else "").strip().lstrip("\ufeff") for r in header_rows
        ]
        found = [(c, aliases[header_key(c)]) for c in cells if c and header_key(c) in aliases]
        if found:
            cell, name = found[0]
            if cell != name:
                mapped[cell] = name
        else:
            name = next((c for c in cells if c), "") or f"column_{j + 1}"
        names.append(name)
    fields = set(aliases.values())
    repeated = [n for n, count in Counter(names).items() if count > 1 and n in fields]
    if repeated:  # which of the two holds the value is not for us to guess
        raise UnreadableFile(f"column(s) named twice in the header: {', '.join(repeated)}")
    # a column that names no field is not loaded, however often it appears (it is named in the
    # ledger); a repeated one, or one named as a column staging adds, is read under a name of
    # its own
    ignored = tuple(dict.fromkeys(n for n in names if n not in fields))
    counts = Counter(names)
    names = [
        n if n in fields or (counts[n] == 1 and n not in RESERVED) else f"{IGNORED_PREFIX}{j + 1}"
        for j, n in enumerate(names)
    ]
    first_cell = (rows[index][0] if rows[index] else "") or ""
    return Header(index, len(header_rows), names, mapped, first_cell, ignored)


def _numbered(frame: pl.DataFrame, first_row: int) -> pl.DataFrame:
    """Rows numbered as a person sees them, then rows with no value dropped."""
    frame = frame.with_row_index("row_index", offset=first_row)
    cells = [c for c in frame.columns if c != "row_index"]
    blank = pl.all_horizontal(pl.col(cells).is_null() | (pl.col(cells).str.strip_chars() == ""))
    return frame.filter(~blank).with_columns(
        pl.when(pl.col(cells) == "").then(None).otherwise(pl.col(cells)).name.keep(),
        pl.col("row_index").cast(pl.Int64),
    )


def _table(rows: list[list[str]], header: Header, body_start: int) -> pl.DataFrame:
    """Rows parsed by the csv module (the slow path for broken files) as a frame."""
    width = len(header.names)
    body = rows[body_start:]
    columns: dict[str, list[str | None]] = {name: [] for name in header.names}
    extra: list[str | None] = []
    for row in body:
        cells = list(row[:width]) + [None] * (width - len(row))
        for name, cell in zip(header.names, cells, strict=True):
            columns[name].append(cell)
        spill = [c for c in row[width:] if c]
        extra.append(",".join(spill) if spill else None)
    if any(extra):
        columns[EXTRA_CELLS] = extra
    frame = pl.DataFrame(columns, schema={n: pl.Utf8 for n in columns})
    return _numbered(frame, body_start + 1)


def csv_records(text: str, sep: str) -> tuple[list[list[str]], dict[int, int]]:
    """Every record of the text, and the records the csv module could not parse strictly:
    {record number (0-based): the cell where it broke}.

    A quoted cell that is never closed (a file cut short, a stray quote) would swallow the rest
    of the file into one cell; here the record is cut at its first line, kept with the cells
    read so far so that it is counted and held, and parsing goes on at the next line."""
    lines = io.StringIO(text, newline="").readlines()
    records: list[list[str]] = []
    broken: dict[int, int] = {}
    start = 0
    while start < len(lines):
        reader = csv.reader(itertools.islice(lines, start, None), delimiter=sep, strict=True)
        first_line = 0  # of the record being read, counted from ``start``
        try:
            for record in reader:
                records.append(record)
                first_line = reader.line_num
            break
        except csv.Error as err:
            if len(broken) >= MAX_BROKEN_RECORDS:
                raise UnreadableFile(
                    f"broken CSV: {err}, and {len(broken)} rows before it (was the file cut "
                    "short, or saved with another separator?)"
                ) from err
            line = lines[start + first_line]
            cells = next(csv.reader([line], delimiter=sep), [])  # lenient: keeps the cut cell
            broken[len(records)] = max(len(cells) - 1, 0)
            records.append(cells)
            start += first_line + 1
    return records, broken


def _sniff(head_lines: list[str], aliases: Mapping[str, str]) -> str:
    """The separator under which the header names most fields; with no header, the one most
    frequent on the first non-blank line."""
    best, best_hits = ",", 0
    for sep in SEPARATORS:
        rows = list(csv.reader(head_lines, delimiter=sep))
        hits = max((_hits(r, aliases) for r in rows), default=0)
        if hits > best_hits:
            best, best_hits = sep, hits
    if best_hits >= 2:
        return best
    first = next((line for line in head_lines if line.strip()), "")
    counts = {sep: first.count(sep) for sep in SEPARATORS}
    return max(SEPARATORS, key=lambda s: counts[s]) if any(counts.values()) else ","


def read_csv_text(
    raw: bytes, expected: Iterable[str] | Mapping[str, str], encoding: str | None = None
) -> TextTable:
    text, used = decode(raw, encoding)
    if not text or text.isspace():  # stops at the first character that is not blank
        raise UnreadableFile("the file is empty")
    head_text = text[: 1 << 16]
    as_sent = used == "utf-8"  # the text is the file's bytes, decoded: those can be parsed
    if "\r" in head_text and "\n" not in head_text:
        text = text.replace("\r", "\n")  # classic Mac line endings: CR only
        head_text = text[: 1 << 16]
        as_sent = False
    aliases = aliases_of(expected)
    # the header sits in the first 30 lines: split those, never the whole text
    head_lines = head_text.splitlines(keepends=True)[:HEADER_SEARCH_ROWS]
    sep = _sniff(head_lines, aliases)
    head = [r for r in csv.reader(head_lines, delimiter=sep)]
    header = find_header(head, aliases)
    body_start = header.index + header.rows
    info = dict(
        encoding=used, header_row=header.index + 1, separator=sep, header_rows=header.rows,
        header_map=header.mapped, first_cell=header.first_cell, ignored=header.ignored,
    )  # fmt: skip
    offset = sum(map(len, head_lines[:body_start]))
    if as_sent:  # the body's bytes as delivered, not the text encoded again
        body = raw[len(BOMS[0][0]) * raw.startswith(BOMS[0][0]) + len(text[:offset].encode()) :]
    else:
        body = text[offset:].encode("utf-8")
    try:
        frame = pl.read_csv(
            body, has_header=False, separator=sep,
            new_columns=header.names, infer_schema=False, truncate_ragged_lines=False,
        )  # fmt: skip
        if frame.width == len(header.names):
            frame = _numbered(frame, body_start + 1)
            return TextTable(
                frame,
                repairs=possible_repairs(text),
                damaged=_stray_cells(frame, used, aliases.values()),
                **info,
            )
    except pl.exceptions.PolarsError:
        pass  # ragged or cut short: the slow reader below says exactly where
    rows, broken = csv_records(text, sep)
    cut = pl.DataFrame(
        [
            {"row_index": n + 1, "column": header.names[min(c, len(header.names) - 1)],
             "rule": "broken_quote", "value": rows[n][c] if c < len(rows[n]) else None}
            for n, c in broken.items()
            if n >= body_start
        ],
        schema=DAMAGED,
    )  # fmt: skip
    frame = _table(rows, header, body_start)
    return TextTable(
        frame, damaged=pl.concat([_stray_cells(frame, used, aliases.values()), cut]), **info
    )


def _stray_cells(frame: pl.DataFrame, encoding: str, fields: Iterable[str]) -> pl.DataFrame:
    """(row_index, column, rule, value) of the cells holding a byte that was no UTF-8; looked
    for only when the decoder replaced one (``decode``), so a sound file costs nothing. A stray
    byte in a column that is not read does not hold its row."""
    if "stray byte" not in encoding:
        return pl.DataFrame(schema=DAMAGED)
    known = set(fields)
    cells = [c for c in frame.columns if c in known]
    stray = pl.col(cells).str.contains(STRAY, literal=True)
    found = (
        frame.filter(pl.any_horizontal(stray))
        .unpivot(cells, index="row_index", variable_name="column")
        .filter(pl.col("value").str.contains(STRAY, literal=True))
    )
    return found.select("row_index", "column", pl.lit("not_utf8").alias("rule"), "value").cast(
        DAMAGED
    )


def possible_repairs(text: str) -> frozenset[str]:
    """What the whole file's text rules out, found by fast substring tests: an ASCII file has
    no Thai digits, a file without quotes no comma inside a cell, one without dots no '2.0'."""
    repairs = set()
    if not text.isascii():
        repairs.add("thai")
    blanks = (", ", " ,", "\n ", " \n", " \r", '" ', ' "', "; ", " ;")
    ends = text[:1] + text[-4:].rstrip("\r\n")[-1:]  # no copy of the whole text
    # one search for a lone character is a memchr; the pairs, whose first character is often
    # the separator, are searched only in a text that has a space at all (most files have none)
    if " " in ends or "\t" in text or (" " in text and any(b in text for b in blanks)):
        repairs.add("edges")
    if '"' in text or ";" in text or "\t" in text or "|" in text:
        repairs.add("comma")  # a separator other than the comma leaves commas inside cells
    if "." in text:
        repairs.add("dot")
    return frozenset(repairs)


# --- XLSX -------------------------------------------------------------------------------------

_SHEET = re.compile(rb"<sheet\b[^>]*?>", re.S)
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_REL = re.compile(rb"<Relationship\b[^>]*?>", re.S)
# a formula with no saved value: <f>…</f> (or <f …/>) followed by no or an empty <v>, then </c>
_UNCACHED = re.compile(
    rb"<c\b([^>]*)>\s*<f\b[^>]*(?:/>|>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>"
)
_CELL_REF = re.compile(rb'\br="([A-Z]+\d+)"')
# the first cell with a value: calamine starts the sheet there, so rows above it are counted back
_FIRST_VALUE = re.compile(
    rb'<c\b[^>]*?\br="[A-Z]+(\d+)"[^>]*>(?:\s*<f\b[^>]*(?:/>|>[^<]*</f>))?\s*<(?:v|is)>'
)


@dataclass(frozen=True)
class SheetInfo:
    name: str
    hidden: bool
    part: str | None  # the worksheet's XML inside the zip


def sheets_of(raw: bytes) -> list[SheetInfo]:
    """The workbook's sheets in order, whether hidden, and where each one's XML is."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as book:
            workbook = book.read("xl/workbook.xml")
            rels = book.read("xl/_rels/workbook.xml.rels")
    except (zipfile.BadZipFile, KeyError) as err:
        raise UnreadableFile(f"unreadable Excel workbook: {err}") from err
    targets = {}
    for rel in _REL.findall(rels):
        attrs = dict(_ATTR.findall(rel))
        target = attrs.get(b"Target", b"").decode()
        targets[attrs.get(b"Id", b"").decode()] = (
            target.lstrip("/") if target.startswith("/") else "xl/" + target
        )
    out = []
    for sheet in _SHEET.findall(workbook):
        attrs = {k.split(b":")[-1]: v for k, v in _ATTR.findall(sheet)}
        out.append(SheetInfo(
            name=_xml_text(attrs.get(b"name", b"")),
            hidden=attrs.get(b"state", b"visible") != b"visible",
            part=targets.get(attrs.get(b"id", b"").decode()),
        ))  # fmt: skip
    return out


def _xml_text(value: bytes) -> str:
    text = value.decode("utf-8")
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&apos;", "'")):
        text = text.replace(entity, char)
    return text.replace("&amp;", "&")


def sheet_xml(raw: bytes, sheet: SheetInfo) -> bytes:
    if sheet.part is None:
        return b""
    with zipfile.ZipFile(io.BytesIO(raw)) as book:
        try:
            return book.read(sheet.part)
        except KeyError:
            return b""


def uncached_formulas(xml: bytes) -> tuple[int, str | None]:
    """How many formula cells of a sheet have no saved value, and the first one's address:
    a workbook written by a program, never opened in Excel, holds formulas but no results."""
    if b"<f" not in xml:
        return 0, None
    found = _UNCACHED.findall(xml)
    if not found:
        return 0, None
    ref = _CELL_REF.search(found[0])
    return len(found), ref.group(1).decode() if ref else None


def first_value_row(xml: bytes) -> int:
    """The sheet row (1-based) of the first cell holding a value; 1 when it cannot be told."""
    found = _FIRST_VALUE.search(xml)
    return int(found.group(1)) if found else 1


def _load_sheet(workbook, name: str) -> pl.DataFrame:
    sheet = workbook.load_sheet(name, header_row=None, dtypes="string")
    frame = sheet.to_polars()
    return frame.rename({c: f"c{i}" for i, c in enumerate(frame.columns)})


def _grid_rows(frame: pl.DataFrame) -> list[list[str]]:
    return [[c or "" for c in row] for row in frame.iter_rows()]


def read_xlsx_text(
    raw: bytes, expected: Iterable[str] | Mapping[str, str], sheet: str | None = None
) -> TextTable:
    import fastexcel

    aliases = aliases_of(expected)
    infos = sheets_of(raw)
    try:
        workbook = fastexcel.read_excel(raw)
        if sheet is not None:
            chosen = next((s for s in infos if s.name == sheet), None)
            if chosen is None:
                raise UnreadableFile(f"the workbook has no sheet {sheet!r}")
            candidates = [chosen]
        else:
            candidates = [s for s in infos if not s.hidden] or infos
        # the first visible sheet whose first rows hold the header; else the first with cells.
        # Each sheet is parsed once: the one with the data is most often the first.
        heads, frames = {}, {}
        for info in candidates:
            frames[info.name] = _load_sheet(workbook, info.name)
            heads[info.name] = _grid_rows(frames[info.name].head(HEADER_SEARCH_ROWS))
            if any(_hits(r, aliases) >= 2 for r in heads[info.name]):
                chosen = info
                break
        else:
            chosen = next((s for s in candidates if any(map(any, heads[s.name]))), candidates[0])
        xml = sheet_xml(raw, chosen)
        count, first = uncached_formulas(xml)
        if count:
            raise UnreadableFile(
                f"{count} formula cell(s) on sheet {chosen.name!r} have no saved value (the "
                f"first at {first}): open and save the file in Excel, then send it again"
            )
        frame = frames[chosen.name]
    except UnreadableFile:
        raise
    except Exception as err:  # calamine reports many kinds; the ledger needs the text
        raise UnreadableFile(
            f"unreadable Excel workbook: {str(err).splitlines()[0][:200]}"
        ) from err
    if frame.height == 0 or not any(map(any, heads[chosen.name])):
        raise UnreadableFile("the file is empty")
    header = find_header(heads[chosen.name], aliases)
    body_start = header.index + header.rows
    top = first_value_row(xml) - 1  # empty rows above the first value, which calamine skips
    # a sheet is a rectangle: cells right of the last header name land in unnamed columns
    names = header.names + [f"column_{i + 1}" for i in range(len(header.names), frame.width)]
    body = frame.slice(body_start).select(
        pl.col(c).alias(n) for c, n in zip(frame.columns, names, strict=False)
    )
    return TextTable(
        _numbered(body, top + body_start + 1), None, top + header.index + 1, sheet=chosen.name,
        header_rows=header.rows, header_map=header.mapped, first_cell=header.first_cell,
        ignored=header.ignored,
    )  # fmt: skip


# --- Parquet ----------------------------------------------------------------------------------


def read_parquet_text(raw: bytes, expected: Iterable[str] | Mapping[str, str] = ()) -> TextTable:
    try:
        frame = pl.read_parquet(io.BytesIO(raw))
    except Exception as err:
        raise UnreadableFile(f"unreadable Parquet: {str(err).splitlines()[0][:200]}") from err
    aliases = aliases_of(expected)
    renamed = {c: aliases[header_key(c)] for c in frame.columns if header_key(c) in aliases}
    mapped = {c: n for c, n in renamed.items() if c != n}
    repeated = [n for n, count in Counter(renamed.values()).items() if count > 1]
    if repeated:
        raise UnreadableFile(f"column(s) named twice in the header: {', '.join(repeated)}")
    frame = frame.rename(mapped)
    # floats of any width print as their shortest decimal; dates and times in ISO form, which
    # schemas.normalise reads as dates
    frame = frame.with_columns(pl.all().cast(pl.Utf8)).with_row_index("row_index", offset=1)
    return TextTable(
        frame.with_columns(pl.col("row_index").cast(pl.Int64)), None, 0, header_map=mapped,
        first_cell=frame.columns[1] if frame.width > 1 else "",
    )  # fmt: skip


def read_text(
    path: Path,
    expected: Iterable[str] | Mapping[str, str] = (),
    encoding: str | None = None,
    sheet: str | None = None,
) -> TextTable:
    """Read any supported file; ``expected`` column names locate the header under title rows."""
    return parse(path.read_bytes(), path.suffix, expected, encoding, sheet)


def read_file(
    path: Path,
    expected: Iterable[str] | Mapping[str, str] = (),
    encoding: str | None = None,
    sheet: str | None = None,
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
    expected: Iterable[str] | Mapping[str, str] = (),
    encoding: str | None = None,
    sheet: str | None = None,
) -> TextTable:
    suffix = suffix.lower()
    if suffix == ".csv":
        return read_csv_text(raw, expected, encoding)
    if suffix == ".xlsx":
        return read_xlsx_text(raw, expected, sheet)
    if suffix == ".parquet":
        return read_parquet_text(raw, expected)
    raise UnreadableFile(f"unsupported file type {suffix!r}: send CSV, XLSX or Parquet")
