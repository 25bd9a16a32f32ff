"""Writers of files for people: Excel workbook, CSV (UTF-8 with BOM, formula-looking text
neutralised, rounded for people) and Parquet (typed, full precision, column descriptions in its
metadata).

A sheet frame comes from reports/pack.py: typed columns and ``<column>__hidden`` flags, and
where one column holds values of several kinds (the progress sheet's values, the inequality
sheet's measures) a ``<column>__kind`` naming each row's kind. What is hidden is written as
"<5" or "x" (the threshold of schemas/catalog/disclosure.yaml) in the workbook and the CSV, and
as null in Parquet, whose ``suppressed`` column names the hidden cells of each row.

One convention for people everywhere: headers "Thai / English" in CSV (Thai then English rows in
the workbook); rates as percentages with one decimal ("(%)" in the CSV header says so), baht
and counts as whole numbers, indices with three decimals.
"""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter

from reports import suppression
from reports.pack import HIDDEN, KIND, columns

# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER_FORMATS = {
    "count": "#,##0",
    "rate": "0.0%",
    "ratio": "0.000",
    "baht": "#,##0",
    "index": "0.000",
    "year": "0",
    "number": "General",
    "whole": "#,##0",  # a whole number that is not a count of people (a change of one)
}
WIDTHS = {"text": 18, "count": 12, "rate": 11, "ratio": 11, "baht": 14, "index": 12, "year": 8,
          "number": 14, "flag": 10, "whole": 12}  # fmt: skip
# Decimals a CSV for people shows per kind (a rate as a percentage); None: as it is (text).
DECIMALS = {"count": 0, "rate": 1, "ratio": 3, "baht": 0, "index": 3, "year": 0, "number": 3,
            "whole": 0}  # fmt: skip
# Widest a text column gets (characters); narrower ones fit their longest value.
MAX_WIDTH = 60
# Thai vowels and tone marks above or below a consonant: they take no width of their own.
THAI_MARKS = "[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]"
FLAG = {True: "ใช่ yes", False: "ไม่ no"}


# A hidden count of the threshold or more, and a hidden rate or measure.
OTHER_MARK = "x"


def hidden_mark() -> str:
    return f"<{suppression.threshold()}"


def mark(value: object, kind: str) -> str:
    """How a hidden cell shows: a count below the threshold (0 included) as "<5", any other
    hidden count, rate or measure as "x"."""
    small = kind == "count" and value is not None and value < suppression.threshold()
    return hidden_mark() if small else OTHER_MARK


def suppression_rule() -> tuple[str, str]:
    t = suppression.threshold()
    return (
        f'จำนวน 1-{t - 1} คน/ครัวเรือน แสดงเป็น "<{t}" และอัตราที่คำนวณจากจำนวนเหล่านั้นแสดงเป็น "x"; '
        f'ช่องอื่นบางช่องถูกปิดด้วย ("<{t}" เมื่อเป็น 0, "x" เมื่อเป็น {t} ขึ้นไป) '
        "เพื่อไม่ให้คำนวณย้อนกลับจากผลรวมของแถว คอลัมน์ พื้นที่แม่ หรือช่วงวัยอื่นได้ "
        "อัตรา สัดส่วน และดัชนีที่คำนวณจากจำนวนที่ถูกปิดก็ถูกปิดด้วย "
        "จึงไม่มีจำนวนที่ถูกปิดใดที่คำนวณได้จากตัวเลขอื่นที่เผยแพร่",
        f'Counts of 1 to {t - 1} persons or households show as "<{t}", and rates built on '
        f'them as "x"; some other cells are hidden too ("<{t}" when 0, "x" when {t} or '
        "more) so that no hidden count can be worked out from its row, its column, its parent "
        "area or its sibling age bands; every rate, share and index built on a hidden count "
        "(reports/derived.yaml) is hidden with it. A hidden count cannot be worked out from the "
        "other published figures.",
    )


def neutralise(text: str) -> str:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + text if text.startswith(FORMULA_START) else text


def _neutralised(value: pl.Expr) -> pl.Expr:
    """``neutralise`` as one expression over a column (no Python call per cell)."""
    starts = "^[" + "".join("\\" + c if c in "-\\^]" else c for c in FORMULA_START) + "]"
    return pl.when(value.str.contains(starts)).then(pl.lit("'") + value).otherwise(value)


def _kind(col: str) -> str:
    return columns()[col]["kind"]


def _shown(frame: pl.DataFrame) -> list[str]:
    return [c for c in frame.columns if not c.endswith((HIDDEN, KIND))]


def header(col: str, kind: str | None = None) -> str:
    """The CSV header of a column: "Thai / English", with "(%)" on both when its values are
    percentages."""
    label = columns()[col]
    unit = " (%)" if (kind or _kind(col)) == "rate" else ""
    return f"{label['th']}{unit} / {label['en']}{unit}"


def rounded(value: pl.Expr, kind: str) -> pl.Expr:
    """A number as people read it, as text: a rate as a percentage with one decimal, counts and
    baht whole, indices with three decimals. Rounding only takes away: the Parquet keeps the
    full value."""
    number = value.cast(pl.Float64)
    if kind == "rate":
        number = number * 100
    decimals = DECIMALS[kind]
    if decimals == 0:
        return number.round(0).cast(pl.Int64, strict=False).cast(pl.String)
    return _fixed(number, decimals)


def _fixed(number: pl.Expr, decimals: int) -> pl.Expr:
    """``number`` rounded to ``decimals`` as text with exactly that many ("1.0", not "1"), and
    never "-0.0"; NaN and infinity blank."""
    scaled = (number.abs() * 10**decimals).round(0).cast(pl.Int64, strict=False)
    whole = (scaled // 10**decimals).cast(pl.String)
    part = (scaled % 10**decimals).cast(pl.String).str.zfill(decimals)
    sign = pl.when((number < 0) & (scaled > 0)).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.concat_str(sign, whole, pl.lit("."), part)


def _cell(col: str, kind: str) -> pl.Expr:
    """The text of one column's cells of ``kind`` (hidden cells are marked by the caller)."""
    value = pl.col(col)
    if kind == "text":
        return _neutralised(value.cast(pl.String))
    if kind == "flag":
        return value.replace_strict(FLAG, default=None, return_dtype=pl.String)
    return rounded(value, kind)


def for_people(frame: pl.DataFrame) -> pl.DataFrame:
    """All text: hidden cells as "<5" or "x", numbers rounded for people, text neutralised;
    headers "Thai / English". A column with per-row kinds (``<col>__kind``) is rounded row by
    row."""
    out = []
    for col in _shown(frame):
        kind = _kind(col)
        if col + KIND in frame.columns:
            kinds = frame[col + KIND].unique().drop_nulls().to_list()  # a few kinds
            value = pl.lit(None, pl.String)
            for k in kinds:
                value = pl.when(pl.col(col + KIND) == k).then(_cell(col, k)).otherwise(value)
            heading = header(col, "mixed")
        else:
            value, heading = _cell(col, kind), header(col)
        if col + HIDDEN in frame.columns:
            small = (pl.col(col) < suppression.threshold()) if kind == "count" else pl.lit(False)
            shown = pl.when(small).then(pl.lit(hidden_mark())).otherwise(pl.lit(OTHER_MARK))
            value = pl.when(pl.col(col + HIDDEN)).then(shown).otherwise(value)
        out.append(value.alias(heading))
    return frame.select(out)


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    """UTF-8 with a byte-order mark: without it Excel shows Thai as mojibake."""
    replace(path, lambda p: for_people(frame).write_csv(p, include_bom=True))


def write_parquet(frame: pl.DataFrame, path: Path) -> None:
    """Typed columns, hidden cells null, each column's description in the file's metadata."""
    shown = _shown(frame)
    flags = [c for c in frame.columns if c.endswith(HIDDEN)]
    # the names of the row's hidden columns, comma-separated (null: none)
    suppressed = (
        pl.concat_str(
            [pl.when(pl.col(f)).then(pl.lit(f.removesuffix(HIDDEN))) for f in flags],
            separator=",",
            ignore_nulls=True,
        ).replace("", None)
        if flags
        else pl.lit(None, dtype=pl.String)
    )
    data = frame.select(
        *(
            pl.when(pl.col(c + HIDDEN)).then(None).otherwise(pl.col(c)).alias(c)
            if c + HIDDEN in frame.columns
            else pl.col(c)
            for c in shown
        ),
        suppressed.alias("suppressed"),
    )
    table = data.to_arrow()
    described = {
        **{c: columns()[c]["description"] for c in shown},
        "suppressed": "comma-separated columns of this row that are null because suppressed",
    }
    fields = [f.with_metadata({"description": described[f.name]}) for f in table.schema]
    meta = {
        b"chipao.suppression": suppression_rule()[1].encode(),
        b"chipao.columns": json.dumps(described, ensure_ascii=False).encode(),
    }
    table = table.cast(pa.schema(fields, metadata=meta))
    replace(path, lambda p: pq.write_table(table, p))


def replace(path: Path, write: Callable[[Path], None]) -> None:
    """Write beside ``path`` and rename over it: a killed run never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    write(partial)
    os.replace(partial, path)


def text_width(frame: pl.DataFrame, col: str) -> int:
    """Characters the widest value of a text column takes, Thai vowel and tone marks not
    counted (they sit above or below a letter)."""
    value = pl.col(col).cast(pl.String)
    width = (value.str.len_chars() - value.str.count_matches(THAI_MARKS)).max()
    return int(frame.select(width).item() or 0)


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels, from the PNG header (the IHDR chunk)."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _lines(text: str, width: float) -> int:
    """Lines ``text`` wraps to in a column ``width`` characters wide."""
    return max(1, -(-len(re.sub(THAI_MARKS, "", text)) // max(int(width), 1)))


class Workbook:
    """An xlsx file: a summary sheet that prints on one page, then one sheet per frame. Values,
    never formulas; Thai labels in the first header row, English in the second; headers frozen
    and repeated on every printed page; every sheet prints landscape on A4, fit to the page's
    width."""

    PAPER_A4 = 9
    # Columns of the summary: Thai label, English label, value; the charts to their right.
    SUMMARY_WIDTHS = (46, 46, 14)
    CHART_SCALE = 0.6
    ROW_PIXELS = 20
    COLUMN_PIXELS = 64

    def __init__(self, path: Path, caption: str = "", created: str | None = None):
        """``created`` (YYYY-MM-DD): the date the workbook's properties carry, the day its
        data arrived, so that the same data gives the same bytes (xlsxwriter dates its parts
        1980-01-01 and the properties now, unless told)."""
        self.path = path
        self.caption = caption
        self.partial = path.with_name(path.name + ".partial")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.book = xlsxwriter.Workbook(
            str(self.partial),
            # in memory: no temporary file per part of the zip
            {"strings_to_formulas": False, "strings_to_urls": False, "in_memory": True},
        )
        if created:
            self.book.set_properties({"created": datetime.strptime(created, "%Y-%m-%d")})
        f = self.book.add_format
        self.fmt = {k: f({"num_format": v}) for k, v in NUMBER_FORMATS.items()}
        self.fmt["text"] = self.fmt["flag"] = f({})
        self.hidden = f({"align": "right", "font_color": "#666666"})
        self.head_th = f({"bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "top"})
        self.head_en = f(
            {"italic": True, "bg_color": "#F2F2F2", "text_wrap": True, "valign": "top"}
        )
        self.title = f({"bold": True, "font_size": 14})
        self.wrap = f({"text_wrap": True, "valign": "top"})
        self.alert = f(
            {"text_wrap": True, "valign": "top", "bold": True, "font_color": "#9C0006",
             "bg_color": "#FFEB9C", "border": 1}
        )  # fmt: skip
        self.fact = {
            k: f({"num_format": v, "bold": True, "font_size": 12})
            for k, v in NUMBER_FORMATS.items()
        }

    def _print(self, ws, rows: int, cols: int, tall: int = 0) -> None:
        """Landscape A4, fit to the page's width (``tall`` pages high, 0: as many as it
        takes), the pack's name and page numbers in the margins."""
        ws.set_landscape()
        ws.set_paper(self.PAPER_A4)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.fit_to_pages(1, tall)
        ws.print_area(0, 0, max(rows - 1, 0), max(cols - 1, 0))
        if self.caption:
            ws.set_header("&L" + self.caption.replace("&", "&&") + "&R&A")
        ws.set_footer("&R&P / &N")

    def summary(
        self,
        name: str,
        title: Sequence[str],
        facts: Sequence[tuple[str, str, object, bool, str]],
        notes: Sequence[tuple[str, str]],
        charts: Sequence[bytes],
        alerts: Sequence[tuple[str, str]] = (),
    ) -> None:
        """One printed page: title lines, ``alerts`` (Thai, English: what a reader must know
        before the figures, such as a province whose data is missing), facts (Thai label,
        English label, value, hidden, kind) beside their values, notes (Thai, English); the
        chart PNGs two by two to the right."""
        ws = self.book.add_worksheet(name)
        widths = self.SUMMARY_WIDTHS
        for j, width in enumerate(widths):
            ws.set_column(j, j, width)
        ws.set_column(len(widths), len(widths), 2)
        row = 0
        for line in title:
            ws.write_string(row, 0, line, self.title)
            row += 1
        row += 1
        for th, en in alerts:
            ws.write_string(row, 0, th, self.alert)
            ws.write_string(row, 1, en, self.alert)
            lines = max(_lines(th, widths[0]), _lines(en, widths[1]))
            ws.set_row(row, 15 * lines + 4)
            row += 1
        if alerts:
            row += 1
        for th, en, value, hidden, kind in facts:
            ws.write_string(row, 0, th, self.wrap)
            ws.write_string(row, 1, en, self.wrap)
            if hidden:
                ws.write_string(row, 2, mark(value, kind), self.hidden)
            elif value is not None:
                ws.write_number(row, 2, value, self.fact[kind])
            ws.set_row(row, 15 * max(_lines(th, widths[0]), _lines(en, widths[1])) + 4)
            row += 1
        row += 1
        for th, en in notes:
            ws.write_string(row, 0, th, self.wrap)
            ws.write_string(row, 1, en, self.wrap)
            ws.set_row(row, 15 * max(_lines(th, widths[0]), _lines(en, widths[1])) + 4)
            row += 1
        sizes = [_png_size(png) for png in charts]
        scale = self.CHART_SCALE
        left = max((w for w, _ in sizes[0::2]), default=0) * scale
        right = max((w for w, _ in sizes[1::2]), default=0) * scale
        y = 0.0
        for n in range(0, len(charts), 2):  # two charts a row, right of the text
            for k, png in enumerate(charts[n : n + 2]):
                ws.insert_image(
                    0,
                    len(widths) + 1,
                    f"chart{n + k}.png",
                    {"image_data": io.BytesIO(png), "x_scale": scale, "y_scale": scale,
                     "x_offset": round(k * (left + 8)), "y_offset": round(y)},
                )  # fmt: skip
            y += max(h for _, h in sizes[n : n + 2]) * scale + 8
        chart_cols = len(widths) + 1 + -(-int(left + right + 16) // self.COLUMN_PIXELS)
        rows = max(row, -(-int(y) // self.ROW_PIXELS) + 1)
        self._print(ws, rows, chart_cols if charts else len(widths), tall=1)

    def sheet(self, name: str, frame: pl.DataFrame, note: tuple[str, str] | None = None) -> None:
        ws = self.book.add_worksheet(name)
        if note is not None:  # under the table, where it is read with the figures
            ws.write_string(frame.height + 3, 0, note[0])
            ws.write_string(frame.height + 4, 0, note[1])
        shown = _shown(frame)
        for j, col in enumerate(shown):
            label, kind = columns()[col], _kind(col)
            ws.write_string(0, j, label["th"], self.head_th)
            ws.write_string(1, j, label["en"], self.head_en)
            if kind == "text":  # wide enough for its longest name, Thai or English
                width = min(MAX_WIDTH, max(10, round(text_width(frame, col) * 1.15) + 2))
            else:
                width = WIDTHS[kind]
            ws.set_column(j, j, width)
            values = frame[col].to_list()
            hidden = frame[col + HIDDEN].to_list() if col + HIDDEN in frame.columns else None
            kinds = frame[col + KIND].to_list() if col + KIND in frame.columns else None
            fmt = self.fmt[kind]
            for i, value in enumerate(values):  # xlsxwriter writes cell by cell
                cell_kind = kinds[i] if kinds is not None and kinds[i] else kind
                if hidden is not None and hidden[i]:
                    ws.write_string(i + 2, j, mark(value, cell_kind), self.hidden)
                elif value is None:
                    continue
                elif kind == "text":
                    ws.write_string(i + 2, j, str(value))
                elif kind == "flag":
                    ws.write_string(i + 2, j, FLAG[value])
                else:
                    ws.write_number(i + 2, j, value, self.fmt[cell_kind] if kinds else fmt)
        ws.freeze_panes(2, 0)
        ws.set_row(0, 30)
        ws.set_row(1, 30)
        ws.repeat_rows(0, 1)
        last = frame.height + 2 + (3 if note is not None else 0)
        self._print(ws, last, len(shown))

    def close(self) -> None:
        self.book.close()
        os.replace(self.partial, self.path)
