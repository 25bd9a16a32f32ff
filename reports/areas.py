"""Which area a user means: a code or a Thai or English name, matched with geothai's own
normalisation (``geothai.normalize``: case, spaces, hyphens and a leading "จังหวัด"/"อำเภอ" do
not matter) against the areas that have data in the year."""

from __future__ import annotations

import difflib

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


LEVELS = ("region", "province", "district")


def _matches(level: str, text: str) -> list[tuple[str, str, str]]:
    wanted = geothai.normalize(text)
    return [
        (code, th, en)
        for code, th, en in _names(level)
        if text.strip() == code or wanted in (geothai.normalize(th), geothai.normalize(en))
    ]


def lookup(level: str, text: str) -> tuple[str, str, str]:
    """(code, name_th, name_en) of the one area of ``level`` that ``text`` names, from the
    geography alone (no data read); AreaError with a suggestion otherwise."""
    if level == "country":
        if geothai.normalize(text) not in COUNTRY_NAMES:
            raise AreaError(f"the country is TH (ประเทศไทย), not {text!r}")
        return ("TH", "ประเทศไทย", "Thailand")
    candidates = _matches(level, text)
    if len(candidates) > 1:
        listed = ", ".join(f"{code} {th} ({en})" for code, th, en in candidates[:8])
        raise AreaError(f"{text!r} names {len(candidates)} {level}s: {listed}; give the code")
    if candidates:
        return candidates[0]
    elsewhere = [other for other in LEVELS if other != level and _matches(other, text)]
    if elsewhere:
        hint = f"; {text!r} is a {elsewhere[0]}: use --level {elsewhere[0]}"
    else:
        names = {
            geothai.normalize(name): f"{th} ({en}, {code})"
            for code, th, en in _names(level)
            for name in (th, en)
        }
        close = difflib.get_close_matches(geothai.normalize(text), list(names), n=3, cutoff=0.75)
        hint = (
            f"; did you mean {' or '.join(dict.fromkeys(names[c] for c in close))}?"
            if close
            else ""
        )
    raise AreaError(
        f"no {level} is called or coded {text!r}{hint} (geothai {geothai.DATA_VERSION})"
    )


def resolve(level: str, text: str, areas: pl.DataFrame, year_be: int) -> Area:
    """The area of ``level`` that ``text`` names, among ``areas`` (level, area_code, name_th,
    name_en: the areas with data in ``year_be``)."""
    code, name_th, name_en = lookup(level, text)
    row = areas.filter((pl.col("level") == level) & (pl.col("area_code") == code))
    if row.is_empty():
        raise AreaError(
            f"{level} {code} {name_th} ({name_en}) has no data in survey year {year_be}"
        )
    return Area(level, code, row["name_th"][0], row["name_en"][0])
