"""The quality page of a survey year: one self-contained HTML file built from the same
Great Expectations results as GX's Data Docs, readable offline (no script, no stylesheet or
font from elsewhere: GX's own index draws its tables with scripts from CDNs, and offline shows
only a logo and two links).

It states, per suite, what was checked and what failed, with counts of rows only: no example
value of a cell (GX's pages list up to 20; a count of 1 to 4 would be suppressed in every
export) and no identifier. Flagged areas are named (area codes and names are public), with
their persons (every flagged area has at least MIN_PERSONS) and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

PAGE = "quality.html"  # the file name of every quality page, beside GX's index.html

STYLE = """
body { font-family: "Noto Sans Thai", "Noto Sans", "DejaVu Sans", sans-serif; margin: 2rem;
       color: #1d2430; max-width: 70rem; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #c9d1dc; padding: .25rem .6rem; text-align: left; }
th { background: #eef2f7; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.pass { color: #1b7f3b; font-weight: 600; } .fail { color: #b42318; font-weight: 600; }
.warn { color: #9a6700; font-weight: 600; } p.note { color: #555; font-size: .9rem; }
"""


def expectation_columns(kwargs: dict[str, Any]) -> tuple[str, ...]:
    """The columns a GX expectation's kwargs name, as its label shows them."""
    if "column" in kwargs:
        return (kwargs["column"],)
    if "column_A" in kwargs:
        return (kwargs["column_A"], kwargs["column_B"])
    return tuple(kwargs.get("column_list") or ())


def _status(success: bool, severity: str) -> tuple[str, str]:
    if success:
        return "pass", "passed · ผ่าน"
    if severity == "warning":
        return "warn", "to look at · ควรตรวจสอบ"
    return "fail", "failed · ไม่ผ่าน"


def _table(header: Sequence[str], rows: Iterable[Sequence[Any]], numeric: set[int]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            if isinstance(value, tuple):  # (css class, text)
                cells.append(f'<td class="{value[0]}">{escape(value[1])}</td>')
            elif i in numeric:
                cells.append(f'<td class="n">{value:,}</td>' if value is not None else "<td></td>")
            else:
                cells.append(f"<td>{escape('' if value is None else str(value))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def render(
    title: str,
    outcomes: Sequence[Any],
    flagged: dict[str, list[dict[str, Any]]] | None = None,
    gx_index: str | None = None,
    now: datetime | None = None,
) -> str:
    """The page for ``outcomes`` (schemas.expectations.Outcome); ``flagged``: per suite, the
    areas its findings name (level, area_code, name_th, name_en, persons)."""
    flagged = flagged or {}
    parts = [f"<h1>{escape(title)}</h1>"]
    when = (now or datetime.now()).strftime("%Y-%m-%d %H:%M")
    parts.append(
        f'<p class="note">Checked {when}. Counts are of rows; no cell value is shown. '
        "แสดงเฉพาะจำนวนแถว ไม่แสดงค่าข้อมูลรายบุคคล</p>"
    )
    summary = []
    for o in outcomes:
        severities = {f.severity for f in o.failures}
        severity = "warning" if severities == {"warning"} else "critical"
        summary.append([o.suite, o.rows, o.evaluated, o.failed, _status(o.success, severity)])
    parts.append(_table(["suite", "rows", "expectations", "failed", "outcome"], summary, {1, 2, 3}))
    for o in outcomes:
        parts.append(f"<h2>{escape(o.suite)}</h2>")
        failed = {f.expectation: f for f in o.failures}
        rows = []
        for r in o.result.results:
            config = r.expectation_config
            columns = expectation_columns(dict(config.kwargs))
            name = f"{config.type}({', '.join(columns)})" if columns else config.type
            failure = failed.get(name)
            severity = failure.severity if failure else "critical"
            count = (r.result or {}).get("unexpected_count")
            rows.append([name, count, _status(failure is None, severity)])
        for name in set(failed) - {row[0] for row in rows}:  # did not run at all
            rows.append([name, None, _status(False, "critical")])
        parts.append(_table(["expectation", "rows unexpected", "outcome"], rows, {1}))
        areas = flagged.get(o.suite) or []
        if areas:
            parts.append(
                f"<p>Areas to look at, largest change first · พื้นที่ที่ควรตรวจสอบ ({len(areas):,})</p>"
            )
            parts.append(
                _table(
                    ["level", "area code", "ชื่อ", "name", "persons", "what changed · สิ่งที่เปลี่ยน"],
                    (
                        [
                            a["level"],
                            a["area_code"],
                            a["name_th"],
                            a["name_en"],
                            a["persons"],
                            a.get("what_changed"),
                        ]  # fmt: skip
                        for a in areas
                    ),
                    {4},
                )
            )
    if gx_index:
        parts.append(
            f'<p class="note">Great Expectations\' own Data Docs: <a href="{escape(gx_index)}">'
            f"{escape(gx_index)}</a> (styled only with a connection to the internet).</p>"
        )
    return (
        '<!DOCTYPE html><html lang="th"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(parts)}</body></html>"
    )


def render_rules(
    title: str,
    table: str,
    rows: int,
    rules: Sequence[tuple[str, str, int, str | None]],
    now: datetime | None = None,
) -> str:
    """The page of the row rules checked over every row of ``table`` (schemas/checks.py): per
    rule (name, what must hold, rows that break it, first village where one does) its outcome.
    Village codes are public; no key and no cell value is shown."""
    when = (now or datetime.now()).strftime("%Y-%m-%d %H:%M")
    broken = sum(1 for r in rules if r[2])
    parts = [
        f"<h1>{escape(title)}</h1>",
        f'<p class="note">Checked {when} over every row, not a sample. Counts are of rows; no '
        "cell value is shown. ตรวจทุกแถว แสดงเฉพาะจำนวนแถว ไม่แสดงค่าข้อมูลรายบุคคล</p>",
        _table(
            ["table", "rows", "rules", "broken", "outcome"],
            [[table, rows, len(rules), broken, _status(rows > 0 and not broken, "critical")]],
            {1, 2, 3},
        ),
        _table(
            ["rule", "what must hold · เงื่อนไข", "rows breaking it", "first village", "outcome"],
            (
                [name, holds, count, village, _status(not count, "critical")]
                for name, holds, count, village in rules
            ),
            {2},
        ),
    ]
    return (
        '<!DOCTYPE html><html lang="th"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(parts)}</body></html>"
    )


def write(path: Path, html: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path
