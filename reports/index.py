"""What makes the year's packs findable and checkable: ``index.html`` beside the pack folders
(every centre by its Thai and English name, region -> province -> district, linking its summary
page and its zip), a ``SHA256SUMS`` in each pack folder (``sha256sum -c SHA256SUMS`` checks the
files), and a zip per centre in ``zips/`` with its own ``SHA256SUMS`` beside them.

Layout under ``<exports>/<year>/packs/``::

    index.html
    <level>_<code>/...                 the pack, with SHA256SUMS
    zips/<level>_<code>_<year>.zip     the pack folder, SHA256SUMS included
    zips/SHA256SUMS                    the zips' checksums

Names come from the packs themselves (the marts' areas, the provinces held whole), never from
the data's rows; the index holds no figure.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterable
from pathlib import Path

from reports import html, write
from reports.build import LEVEL_NAMES, area_title, missing_alerts, pack_name
from reports.pack import Area
from schemas import catalog

SUMS = "SHA256SUMS"
ZIPS = "zips"
INDEX = "index.html"
# Already compressed: stored as they are, deflating them again only costs time.
STORED = (".xlsx", ".parquet", ".png", ".zip")
CHUNK = 1 << 20


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_sums(folder: Path, names: Iterable[str]) -> Path:
    """``SHA256SUMS`` of the files ``names`` in ``folder``, as ``sha256sum`` writes it (two
    spaces, the name), so ``sha256sum -c SHA256SUMS`` checks them."""
    lines = "".join(f"{sha256(folder / n)}  {n}\n" for n in sorted(names))
    path = folder / SUMS
    write.replace(path, lambda p: p.write_text(lines, encoding="utf-8"))
    return path


def pack_files(folder: Path) -> list[str]:
    """The pack's own files (not its checksums, nor a half-written file)."""
    return sorted(
        p.name
        for p in folder.iterdir()
        if p.is_file() and p.name != SUMS and not p.name.endswith(".partial")
    )


def zip_pack(folder: Path, zips: Path, year: int) -> Path:
    """The pack folder, its ``SHA256SUMS`` written first, as one zip: unzipped, it is the
    folder again."""
    names = pack_files(folder)
    write_sums(folder, names)
    path = zips / f"{folder.name}_{year}.zip"

    def pack(partial: Path) -> None:
        with zipfile.ZipFile(partial, "w") as archive:
            for name in [*names, SUMS]:
                stored = name.endswith(STORED)
                # dated as xlsxwriter dates a workbook's parts, not by the files' times: the
                # same pack gives the same zip, run after run
                entry = zipfile.ZipInfo(f"{folder.name}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
                entry.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
                entry.external_attr = 0o644 << 16
                archive.writestr(entry, (folder / name).read_bytes())

    write.replace(path, pack)
    return path


def _entry(area: Area, year: int, out: Path, missing: dict[str, dict[str, str]]) -> dict:
    name = pack_name(area)
    page = f"{name}/{name}_{year}_summary.html"
    zipped = f"{ZIPS}/{name}_{year}.zip"
    entry = {
        "name_th": area_title(area),
        "name_en": f"{area.name_en}",
        "code": area.code,
        "href": page if (out / page).exists() else None,
        "zip": zipped if (out / zipped).exists() else None,
    }
    if area.code in missing and area.level == "province":
        th, en = missing_alerts([missing[area.code]])[0]
        entry["missing"] = f"{th} {en}"
    return entry


def write_index(
    areas: list[Area], year: int, out: Path, missing: list[dict[str, str]] = ()
) -> Path:
    """``index.html`` in ``out``: the country, then each region with its provinces, each
    province with its districts, by Thai then English name; a province held whole is listed
    with why."""
    held = {m["code"]: m for m in missing}
    by_level: dict[str, list[Area]] = {}
    for area in areas:
        by_level.setdefault(area.level, []).append(area)

    def named(items: list[Area]) -> list[Area]:
        return sorted(items, key=lambda a: a.code)

    region_of = {p.code: catalog.region_of(p.code).code for p in by_level.get("province", [])}
    sections = []
    for country in by_level.get("country", []):
        sections.append((f"{LEVEL_NAMES['country'][0]} {LEVEL_NAMES['country'][1]}",
                         _entry(country, year, out, held), []))  # fmt: skip
    for region in named(by_level.get("region", [])):
        provinces = []
        for province in named(by_level.get("province", [])):
            if region_of[province.code] != region.code:
                continue
            districts = [
                _entry(d, year, out, held)
                for d in named(by_level.get("district", []))
                if d.code[:2] == province.code
            ]
            heading = f"{area_title(province)} {province.name_en}"
            provinces.append((heading, _entry(province, year, out, held), districts))
        sections.append(
            (f"{area_title(region)} {region.name_en}", _entry(region, year, out, held), provinces)
        )
    html.install_font(out / "fonts")
    page = html.index_page(
        font=f"fonts/{html.FONT}",
        title=f"Chipao report packs {year}",
        heading=f"ชุดรายงานของศูนย์ฯ ปีสำรวจ {year}",
        subheading=f"Centres' report packs, survey year {year}",
        notes=[
            "คลิกชื่อพื้นที่เพื่อเปิดหน้าสรุป หรือ zip เพื่อดาวน์โหลดชุดรายงานทั้งชุด "
            f"ตรวจความครบถ้วนของไฟล์ได้ด้วย {SUMS} (sha256sum -c {SUMS})",
            "Click a name for its one-page summary, or zip for the whole pack; each pack's "
            f"{SUMS} checks its files (sha256sum -c {SUMS}).",
        ],
        sections=sections,
    )
    path = out / INDEX
    write.replace(path, lambda p: p.write_text(page, encoding="utf-8"))
    return path


def finish(areas: list[Area], year: int, out: Path, missing: list[dict[str, str]] = ()) -> Path:
    """After the packs of ``areas`` are written in ``out``: a zip per pack, the zips'
    checksums, then the index that links them."""
    zips = out / ZIPS
    zips.mkdir(parents=True, exist_ok=True)
    written = [zip_pack(out / pack_name(a), zips, year) for a in areas]  # one pass per pack
    write_sums(zips, [p.name for p in written])
    return write_index(areas, year, out, missing)
