"""Which area a user means: a code or a Thai or English name, matched with geothai's own
normalisation (``geothai.normalize``: case, spaces, hyphens and a leading "จังหวัด"/"อำเภอ" do
not matter) against the areas that have data in the year."""

from __future__ import annotations

import geothai
import polars as pl

from reports.pack import Area
from schemas import catalog

COUNTRY_NAMES = ("th", "thailand", "ประเทศไทย", "ไทย", "country")


class AreaError(ValueError):
    """A one-line reason why the area cannot be reported."""


def _names(level: str) -> list[tuple[str, str, str]]:
    """(code, name_th, name_en) of every area of the level that exists, data or not."""
    if level == "region":
        return [(r.code, r.name_th, r.name_en) for r in catalog.regions()]
    if level == "province":
        return [(p.code, p.name_th, p.name_en) for p in geothai.provinces()]
    if level == "district":
        return [
            (d.code, d.name_th, d.name_en)
            for p in geothai.provinces()
            for d in geothai.districts(p.code)
        ]
    raise AreaError(
        f"no report packs at level {level!r}: use country, region, province or district"
    )


def resolve(level: str, text: str, areas: pl.DataFrame, year_be: int) -> Area:
    """The area of ``level`` that ``text`` names, among ``areas`` (level, area_code, name_th,
    name_en: the areas with data in ``year_be``)."""
    here = areas.filter(pl.col("level") == level)
    if level == "country":
        if geothai.normalize(text) not in COUNTRY_NAMES:
            raise AreaError(f"the country is TH (ประเทศไทย), not {text!r}")
        candidates = [("TH", "ประเทศไทย", "Thailand")]
    else:
        wanted = geothai.normalize(text)
        candidates = [
            (code, th, en)
            for code, th, en in _names(level)
            if text.strip() == code or wanted in (geothai.normalize(th), geothai.normalize(en))
        ]
    if not candidates:
        raise AreaError(f"no {level} is called or coded {text!r} (geothai {geothai.DATA_VERSION})")
    if len(candidates) > 1:
        listed = ", ".join(f"{code} {th} ({en})" for code, th, en in candidates[:8])
        raise AreaError(f"{text!r} names {len(candidates)} {level}s: {listed}; give the code")
    code, name_th, name_en = candidates[0]
    row = here.filter(pl.col("area_code") == code)
    if row.is_empty():
        raise AreaError(
            f"{level} {code} {name_th} ({name_en}) has no data in survey year {year_be}"
        )
    return Area(level, code, row["name_th"][0], row["name_en"][0])
