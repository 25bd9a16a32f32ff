"""Writers of files for people: Excel workbook, CSV (UTF-8 with BOM, formula-looking text
neutralised) and Parquet (typed, column descriptions in its metadata).

A sheet frame comes from reports/pack.py: typed columns and ``<column>__hidden`` flags. What is
hidden is written as "<5" (the threshold of schemas/catalog/disclosure.yaml) in the workbook and
the CSV, and as null in Parquet, whose ``suppressed`` column names the hidden cells of each row.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import xlsxwriter

from reports import suppression
from reports.pack import HIDDEN, columns

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
}
WIDTHS = {"text": 18, "count": 12, "rate": 11, "ratio": 11, "baht": 14, "index": 12, "year": 8,
          "number": 14, "flag": 10}  # fmt: skip
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


def _kind(col: str) -> str:
    return columns()[col]["kind"]


def _shown(frame: pl.DataFrame) -> list[str]:
    return [c for c in frame.columns if not c.endswith(HIDDEN)]


def for_people(frame: pl.DataFrame) -> pl.DataFrame:
    """All text: hidden cells as "<5" or "x", text neutralised; headers Thai then English."""
    out = []
    for col in _shown(frame):
        kind = _kind(col)
        value = pl.col(col).cast(pl.String)
        if kind == "text":
            value = value.map_elements(neutralise, return_dtype=pl.String)
        elif kind == "flag":
            value = pl.col(col).replace_strict(FLAG, default=None, return_dtype=pl.String)
        if col + HIDDEN in frame.columns:
            small = (pl.col(col) < suppression.threshold()) if kind == "count" else pl.lit(False)
            shown = pl.when(small).then(pl.lit(hidden_mark())).otherwise(pl.lit(OTHER_MARK))
            value = pl.when(pl.col(col + HIDDEN)).then(shown).otherwise(value)
        label = columns()[col]
        out.append(value.alias(f"{label['th']} / {label['en']}"))
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


class Workbook:
    """An xlsx file: a summary sheet with charts, then one sheet per frame. Values, never
    formulas; Thai labels in the first header row, English in the second; headers frozen."""

    def __init__(self, path: Path):
        self.path = path
        self.partial = path.with_name(path.name + ".partial")
        path.parent.mkdir(parents=True, exist_ok=True)
        self.book = xlsxwriter.Workbook(
            str(self.partial),
            # in memory: no temporary file per part of the zip
            {"strings_to_formulas": False, "strings_to_urls": False, "in_memory": True},
        )
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

    def summary(
        self,
        name: str,
        title: Sequence[str],
        facts: Sequence[tuple[str, str, object, bool, str]],
        notes: Sequence[tuple[str, str]],
        charts: Sequence[bytes],
    ) -> None:
        """Title lines, facts (Thai label, English label, value, hidden, kind), notes (Thai,
        English) and the chart PNGs below."""
        ws = self.book.add_worksheet(name)
        ws.set_column(0, 0, 34)
        ws.set_column(1, 1, 34)
        ws.set_column(2, 2, 16)
        row = 0
        for line in title:
            ws.write_string(row, 0, line, self.title)
            row += 1
        row += 1
        for th, en, value, hidden, kind in facts:
            ws.write_string(row, 0, th)
            ws.write_string(row, 1, en)
            if hidden:
                ws.write_string(row, 2, mark(value, kind), self.hidden)
            elif value is not None:
                ws.write_number(row, 2, value, self.fmt[kind])
            row += 1
        row += 1
        for th, en in notes:
            ws.write_string(row, 0, th, self.wrap)
            ws.write_string(row, 1, en, self.wrap)
            ws.set_row(row, 60)
            row += 1
        row += 1
        for n, png in enumerate(charts):
            ws.insert_image(
                row + (n // 2) * 22,
                4 * (n % 2),
                f"chart{n}.png",
                {"image_data": io.BytesIO(png), "x_scale": 0.7, "y_scale": 0.7},
            )

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
            ws.set_column(j, j, 40 if col.endswith(("_th", "_en")) else WIDTHS[kind])
            values = frame[col].to_list()
            hidden = frame[col + HIDDEN].to_list() if col + HIDDEN in frame.columns else None
            fmt = self.fmt[kind]
            for i, value in enumerate(values):  # xlsxwriter writes cell by cell
                if hidden is not None and hidden[i]:
                    ws.write_string(i + 2, j, mark(value, kind), self.hidden)
                elif value is None:
                    continue
                elif kind == "text":
                    ws.write_string(i + 2, j, str(value))
                elif kind == "flag":
                    ws.write_string(i + 2, j, FLAG[value])
                else:
                    ws.write_number(i + 2, j, value, fmt)
        ws.freeze_panes(2, 0)
        ws.set_row(0, 30)
        ws.set_row(1, 30)

    def close(self) -> None:
        self.book.close()
        os.replace(self.partial, self.path)
