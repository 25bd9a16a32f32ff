"""Write a centre's report pack: the workbook, CSV and Parquet per sheet, the HTML summary.

Layout: ``<folder>/<level>_<code>/<level>_<code>_<year>.xlsx``, ``…_<sheet>.csv|parquet`` and
``…_summary.html``; the Thai font the pages use sits once in ``<folder>/fonts/``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import polars as pl

from reports import charts, html, write
from reports.pack import (
    HIDDEN,
    SHEETS,
    Area,
    Pack,
    columns,
    headline,
    map_areas,
    rate,
    rule_change_note,
    trend,
    with_hidden,
)
from schemas import catalog

FORMATS = ("xlsx", "csv", "parquet", "html")
SUMMARY_TAB = "สรุป Summary"
LEVEL_NAMES = {  # Thai, English
    "country": ("ประเทศ", "Country"),
    "region": ("ภาค", "Region"),
    "province": ("จังหวัด", "Province"),
    "district": ("อำเภอ", "District"),
}
# TPMAP's figures, the ones centres know: poor = deprived on any of the 17 indicators (the
# union rule). The Alkire-Foster figures (k = 1/3) stay on the MPI sheet, where k is explained.
HEADLINE = {
    "persons": ("จำนวนคนที่สำรวจ", "Persons surveyed", "count"),
    "households": ("ครัวเรือน", "Households", "count"),
    "mpi_poor_persons": (
        "คนจนตาม TPMAP (ไม่ผ่านเกณฑ์อย่างน้อย 1 ใน 17 ตัวชี้วัด)",
        "Poor persons, TPMAP (failing any of the 17 indicators)",
        "count",
    ),
    "mpi_poor_rate": ("สัดส่วนคนจนตาม TPMAP", "Poor rate, TPMAP", "rate"),
    "target_poor_persons": ("คนจนเป้าหมาย TPMAP", "TPMAP target-poor persons", "count"),
    "target_poor_rate": ("สัดส่วนคนจนเป้าหมาย TPMAP", "TPMAP target-poor rate", "rate"),
}


def pack_name(area: Area) -> str:
    return f"{area.level}_{area.code}"


def area_title(area: Area) -> str:
    """The area's Thai name as a title: "จังหวัดแม่ฮ่องสอน", "อำเภอเมืองแม่ฮ่องสอน", but
    "ประเทศไทย" and "ภาคเหนือ" as they are (their names say the level already), and Bangkok
    and its districts (เขต) without the level of other provinces."""
    level_th = LEVEL_NAMES[area.level][0]
    name = area.name_th
    if area.level in ("country", "region") or name.startswith((level_th, "เขต", "กรุงเทพ")):
        return name
    return f"{level_th}{name}"


def titles(area: Area, year: int) -> list[str]:
    """The pack's title lines, Thai then English."""
    level_en = LEVEL_NAMES[area.level][1]
    return [f"{area_title(area)} ปี {year}", f"{level_en} {area.name_en} ({area.code}), {year}"]


def missing_alerts(missing: list[dict[str, str]]) -> list[tuple[str, str]]:
    """A line (Thai, English) per province held whole: its data is missing, and why."""
    return [
        (
            f"ข้อมูลของจังหวัด{m['name_th']} ({m['code']}) ไม่อยู่ในตัวเลขปีนี้ "
            f"เพราะไฟล์ถูกกักทั้งไฟล์: {m['held']} ตัวเลขของพื้นที่นี้จึงไม่รวมจังหวัดดังกล่าว "
            "จนกว่าจะได้รับไฟล์ที่แก้ไขแล้ว",
            f"{m['name_en']} province ({m['code']}) is missing from this year's figures, its "
            f"files held whole: {m['held']}. This area's figures leave the province out until "
            "a corrected file arrives.",
        )
        for m in missing
    ]


def alerts(pack: Pack) -> list[tuple[str, str]]:
    """What a reader must know before the figures: provinces missing, a rule that changed."""
    years = sorted({*pack.history, pack.year.year_be})
    found = missing_alerts(pack.missing)
    note = rule_change_note(years, pack.year.year_be)
    return found + ([note] if note else [])


def _facts(pack: Pack) -> list[tuple[str, str, object, bool, str]]:
    rows = headline(pack).iter_rows(named=True)  # six figures
    return [
        (*HEADLINE[r["measure"]][:2], r["value"], r["value" + HIDDEN], HEADLINE[r["measure"]][2])
        for r in rows
    ]


def _shown(value: object, hidden: bool, kind: str) -> str:
    if hidden:
        return write.mark(value, kind)
    if value is None:
        return "-"
    return {"count": f"{value:,.0f}", "rate": f"{value:.1%}"}.get(kind, f"{value:.3f}")


def _notes(pack: Pack) -> list[tuple[str, str]]:
    year = pack.year.year_be
    rule_th, rule_en = write.suppression_rule()
    files, delivered = pack.note.get("files", "-"), pack.note.get("delivered", "-")
    return [
        ("การปกปิดข้อมูล: " + rule_th, "Suppression: " + rule_en),
        (
            "ตัวเลขหลักเป็นของ TPMAP: คนจนคือผู้ที่ไม่ผ่านเกณฑ์อย่างน้อย 1 ใน 17 ตัวชี้วัด "
            "ดัชนี Alkire-Foster (k = 1/3) อยู่ในแผ่นงานความยากจนหลายมิติ",
            "Key figures are TPMAP's: poor means failing any of the 17 indicators. The "
            "Alkire-Foster index (k = 1/3) is on the MPI sheet.",
        ),
        (
            f"แหล่งข้อมูล: ข้อมูลความจำเป็นพื้นฐาน (จปฐ.) ปี {year} จาก {files} ไฟล์ "
            f"(ไฟล์ล่าสุดรับเมื่อ {delivered}) คำนวณโดย Chipao ตามตัวชี้วัด TPMAP",
            f"Source: Basic Minimum Needs survey (BMN) {year}, {files} delivered files (last "
            f"received {delivered}), computed by Chipao on the 17 TPMAP indicators; values, "
            "not formulas.",
        ),
    ]


def _charts(pack: Pack, frames: dict[str, pl.DataFrame]) -> list[bytes]:
    mapped, child_level = map_areas(pack)
    return [
        charts.trend_chart(trend(pack)),
        charts.indicator_chart(frames["indicators"]),
        charts.ranking_chart(frames["ranking"]),
        charts.map_chart(mapped, child_level),
    ]


def _delivered(note: dict[str, str]) -> str | None:
    """The day the year's last file arrived (``data.data_note``), if known."""
    day = note.get("delivered", "-")
    return None if day == "-" else day


def write_pack(pack: Pack, folder: Path, formats: Iterable[str] = FORMATS) -> list[Path]:
    """Every file of the pack in ``formats``; returns the paths written."""
    formats = set(formats)
    area, year = pack.area, pack.year.year_be
    out = folder / pack_name(area)
    stem = f"{pack_name(area)}_{year}"
    frames = {sheet.key: sheet.build(pack) for sheet in SHEETS}
    facts = _facts(pack)
    title = titles(area, year)
    warned = alerts(pack)
    png = _charts(pack, frames) if formats & {"xlsx", "html"} else []
    written = []
    if "xlsx" in formats:
        book = write.Workbook(out / f"{stem}.xlsx", title[1], _delivered(pack.note))
        book.summary(SUMMARY_TAB, title, facts, _notes(pack), png, warned)
        for sheet in SHEETS:
            book.sheet(sheet.title, frames[sheet.key], sheet.note)
        book.close()
        written.append(book.path)
    for sheet in SHEETS:
        if "csv" in formats:
            write.write_csv(frames[sheet.key], out / f"{stem}_{sheet.key}.csv")
            written.append(out / f"{stem}_{sheet.key}.csv")
        if "parquet" in formats:
            write.write_parquet(frames[sheet.key], out / f"{stem}_{sheet.key}.parquet")
            written.append(out / f"{stem}_{sheet.key}.parquet")
    if "html" in formats:
        facts_shown = [(th, en, _shown(v, h, k)) for th, en, v, h, k in facts]
        notes = [n for pair in _notes(pack) for n in pair]
        written.append(_summary_page(folder, out / f"{stem}_summary.html", title, facts_shown,
                                     png, notes, warned))  # fmt: skip
    return written


def _summary_page(folder: Path, path: Path, title, facts, charts, notes, alerts) -> Path:
    """A pack's one-page HTML summary, its Thai font once in ``folder``/fonts."""
    html.install_font(folder / "fonts")
    page = html.page(
        font=f"../fonts/{html.FONT}",
        title=title[1],
        heading=title[0],
        subheading=title[1],
        facts=facts,
        charts=charts,
        notes=notes,
        alerts=alerts,
    )
    write.replace(path, lambda p: p.write_text(page, encoding="utf-8"))
    return path


def write_missing(
    area: Area, year: int, missing: list[dict[str, str]], folder: Path, note: dict[str, str]
) -> list[Path]:
    """The pack of a province held whole: it has no figures this year, so its workbook and HTML
    say only that its data is missing, why, and what its office sends to fix it."""
    out = folder / pack_name(area)
    stem = f"{pack_name(area)}_{year}"
    title = titles(area, year)
    warned = missing_alerts(missing)
    todo = (
        "ส่งไฟล์ที่แก้ไขแล้ว (CSV แบบ UTF-8 หรือ Parquet) ให้ผู้ดูแลระบบ ตรวจก่อนส่งได้ด้วย chipao check",
        "Send the corrected file (CSV in UTF-8, or Parquet) to your operator; chipao check "
        "checks a file before it is sent.",
    )
    book = write.Workbook(out / f"{stem}.xlsx", title[1], _delivered(note))
    book.summary(SUMMARY_TAB, title, [], [todo], [], warned)
    book.close()
    path = _summary_page(folder, out / f"{stem}_summary.html", title, [], [], list(todo), warned)
    return [book.path, path]


def national_wide(ym, level: str) -> pl.DataFrame:
    """The whole country at one level, one row per area, the indicators' deprived rates as
    columns (age band all): the country-wide export for people, suppressed like the packs, with
    the packs' rate rule (``rate``)."""
    here = (pl.col("level") == level) & (pl.col("age_band") == "all")
    summary = ym.flags("area_summary", here).with_columns(
        rate("mpi_poor_persons", "persons", "mpi_poor_rate")
        + rate("target_poor_persons", "persons", "target_poor_rate")
    )
    rates = ym.flags("area_indicator", here).with_columns(
        rate("persons_deprived", "persons_in_scope", "deprived_rate")
    )
    wide = rates.pivot(on="indicator_code", index="area_code", values="deprived_rate")
    flags = rates.pivot(on="indicator_code", index="area_code", values="deprived_rate" + HIDDEN)
    # the catalog's order, not the order the rows happen to come in
    order = [i.code for i in catalog.indicators(ym.year_be)]
    codes = sorted((c for c in wide.columns if c != "area_code"), key=order.index)
    wide = wide.rename({c: f"rate_{c}" for c in codes}).join(
        flags.rename({c: f"rate_{c}{HIDDEN}" for c in codes}), on="area_code"
    )
    base = ["year_be", "level", "area_code", "name_th", "name_en", "parent_code"]
    counts = with_hidden(
        "households",
        "persons",
        "mpi_poor_persons",
        "mpi_poor_rate",
        "target_poor_persons",
        "target_poor_rate",
    )
    rated = [c for code in codes for c in (f"rate_{code}", f"rate_{code}{HIDDEN}")]
    return (
        summary.select(*base, *counts)
        .join(wide.select("area_code", *rated), on="area_code", how="left")
        .sort("area_code")
    )


def indicator_column(code: str) -> dict[str, str]:
    """Labels of a wide export's rate column, from the indicator catalog."""
    from schemas import catalog

    ind = next(i for i in catalog.indicators() if i.code == code)
    return {
        "th": f"{code} {ind.name_th}",
        "en": f"{code} {ind.name_en} (deprived rate)",
        "kind": "rate",
        "description": f"Share of persons in scope deprived on {code}",
    }


def register_indicator_columns() -> None:
    """Wide exports have one column per indicator; their labels join the column catalog."""
    from schemas import catalog

    for ind in catalog.indicators():
        columns().setdefault(f"rate_{ind.code}", indicator_column(ind.code))
