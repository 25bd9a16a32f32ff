"""Typed access to the YAML catalogs in ``schemas/catalog/``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

PII_CLASSES = ("direct", "quasi", "none")
FIELD_TYPES = ("str", "int", "float")


def _load(name: str) -> dict[str, Any]:
    text = files("schemas").joinpath(f"catalog/{name}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@dataclass(frozen=True)
class Indicator:
    code: str
    column: str
    bmn_no: int
    dimension: str
    unit: str  # whose answers the rule reads: person or household
    counted_by: str  # how TPMAP counts persons in scope and deprived: household or person
    name_th: str
    name_en: str
    scope: str
    deprived_when: str
    rollup: str
    source: str


COUNTING_UNITS = ("household", "person")


@dataclass(frozen=True)
class Assumption:
    """A rule the project applies without a confirming source (docs/domain.md §10)."""

    id: str
    what: str
    source: str
    if_confirmed: str


@dataclass(frozen=True)
class IndicatorEdition:
    """The indicators of one BMN questionnaire edition, for survey years first..last (None open)."""

    edition: str
    first_year: int
    last_year: int | None
    source: str
    indicators: tuple[Indicator, ...]
    assumption: Assumption | None = None

    def covers(self, year_be: int) -> bool:
        return self.first_year <= year_be and (self.last_year is None or year_be <= self.last_year)


@dataclass(frozen=True)
class Dimension:
    code: str
    name_th: str
    name_en: str


@dataclass(frozen=True)
class AgeBand:
    code: str
    name_th: str
    name_en: str
    min_age: int
    max_age: int | None


@dataclass(frozen=True)
class Region:
    code: str
    name_th: str
    name_en: str
    province_ranges: tuple[tuple[int, int], ...]
    bmn_surveyed: bool = True  # the BMN surveys no household in Bangkok (docs/domain.md §2)

    def holds(self, province_code: str) -> bool:
        number = int(province_code)
        return any(low <= number <= high for low, high in self.province_ranges)


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    label_th: str
    label_en: str
    required: bool
    pii: str
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    digits: int | None = None
    pad_zeros: bool = False  # only codes that can start with 0; padding others fabricates codes
    allowed: dict[int, str] | None = None

    @property
    def label(self) -> str:
        """The bilingual label used in reports: Thai first, then English."""
        return f"{self.label_th} ({self.label_en})"


@dataclass(frozen=True)
class Source:
    name: str
    title_th: str
    title_en: str
    key: tuple[str, ...]
    fields: tuple[Field, ...]
    encoding: str | None = None  # a fixed text encoding for CSV; None detects
    sheet: str | None = None  # the XLSX sheet to read; None reads the first

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"source {self.name!r} has no field {name!r}")

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]


def _assumption(row: dict[str, Any] | None) -> Assumption | None:
    return None if row is None else Assumption(**row)


@cache
def indicator_editions() -> tuple[IndicatorEdition, ...]:
    """Every edition of indicators.yaml, in order; their survey years must not overlap."""
    editions = tuple(
        IndicatorEdition(
            edition=row["edition"],
            first_year=row["first_year"],
            last_year=row["last_year"],
            source=row["source"],
            indicators=tuple(Indicator(**i) for i in row["indicators"]),
            assumption=_assumption(row.get("assumption")),
        )
        for row in _load("indicators")["editions"]
    )
    for before, after in zip(editions, editions[1:], strict=False):
        if before.last_year is None or before.last_year >= after.first_year:
            raise ValueError(
                f"indicators.yaml: edition {before.edition} overlaps {after.edition}: "
                "close it before the next one starts"
            )
    return editions


def indicator_edition(year_be: int) -> IndicatorEdition:
    for edition in indicator_editions():
        if edition.covers(year_be):
            return edition
    raise KeyError(f"no indicator edition covers survey year {year_be}: add it to indicators.yaml")


@cache
def indicators(year_be: int | None = None) -> tuple[Indicator, ...]:
    """The indicators of the survey year's edition. Without a year: the one edition the SQL of
    the facts implements, while indicators.yaml holds one; with several, pass the year."""
    if year_be is not None:
        return indicator_edition(year_be).indicators
    editions = indicator_editions()
    if len(editions) > 1:
        raise ValueError("indicators.yaml holds several editions: pass the survey year")
    return editions[0].indicators


@cache
def dimensions() -> tuple[Dimension, ...]:
    return tuple(Dimension(**row) for row in _load("dimensions")["dimensions"])


@cache
def age_bands() -> tuple[AgeBand, ...]:
    return tuple(AgeBand(**row) for row in _load("age_bands")["age_bands"])


@cache
def regions() -> tuple[Region, ...]:
    return tuple(
        Region(
            code=row["code"],
            name_th=row["name_th"],
            name_en=row["name_en"],
            province_ranges=tuple(tuple(r) for r in row["province_ranges"]),
            bmn_surveyed=row.get("bmn_surveyed", True),
        )
        for row in _load("regions")["regions"]
    )


def region_of(province_code: str) -> Region:
    for region in regions():
        if region.holds(province_code):
            return region
    raise KeyError(f"province {province_code!r} is in no region of regions.yaml")


@cache
def sources() -> dict[str, Source]:
    out = {}
    for name, spec in _load("fields")["sources"].items():
        out[name] = Source(
            name=name,
            title_th=spec["title_th"],
            title_en=spec["title_en"],
            key=tuple(spec["key"]),
            fields=tuple(Field(**f) for f in spec["fields"]),
            encoding=spec.get("encoding"),
            sheet=spec.get("sheet"),
        )
    return out


@cache
def survey_rules() -> dict[str, Any]:
    return _load("survey_rules")


def _in_years(entry: dict[str, Any], year_be: int) -> bool:
    last = entry["last_year"]
    return entry["first_year"] <= year_be and (last is None or year_be <= last)


def income_criterion(year_be: int) -> float:
    """Baht per person per year below which a household fails indicator 4.3 in that year."""
    for entry in survey_rules()["income_criterion"]:
        if _in_years(entry, year_be):
            return float(entry["baht_per_person_year"])
    raise KeyError(
        f"no BMN income criterion covers survey year {year_be}: add it to survey_rules.yaml"
    )


def tpmap_year(year_be: int) -> int:
    """The TPMAP year a BMN survey year feeds: TPMAP year Y reports on BMN survey Y-1."""
    return year_be + int(survey_rules()["tpmap_year_offset"])


def target_poor_entry(year_be: int) -> dict[str, Any]:
    """The target-poor rule of the TPMAP year that BMN survey ``year_be`` feeds."""
    tpmap = tpmap_year(year_be)
    for entry in survey_rules()["target_poor"]:
        last = entry["tpmap_last_year"]
        if entry["tpmap_first_year"] <= tpmap and (last is None or tpmap <= last):
            return entry
    raise KeyError(
        f"no target-poor rule covers TPMAP {tpmap} (BMN survey {year_be}): "
        "add it to survey_rules.yaml"
    )


def target_poor_rule(year_be: int) -> str:
    """card_verified, card_any or all_mpi_poor, for BMN survey ``year_be`` (by its TPMAP year)."""
    return target_poor_entry(year_be)["rule"]


@cache
def _poverty_rules() -> dict[str, dict[str, dict[str, str]]]:
    return _load("poverty_rules")


def rule_label(kind: str, code: str) -> tuple[str, str]:
    """Thai and English name of a poverty rule or line (poverty_rules.yaml): ``kind`` is mpi,
    income_line or target_poor."""
    try:
        entry = _poverty_rules()[kind][code]
    except KeyError:
        raise KeyError(f"no label for {kind} {code!r}: add it to poverty_rules.yaml") from None
    return entry["name_th"], entry["name_en"]


def rule_labels(kind: str) -> dict[str, tuple[str, str]]:
    """Every code of ``kind`` with its Thai and English name."""
    return {code: rule_label(kind, code) for code in _poverty_rules()[kind]}


def assumptions() -> tuple[Assumption, ...]:
    """Every assumption noted in the catalogs (docs/domain.md §10 describes each)."""
    rules = survey_rules()
    rows = [e["assumption"] for e in rules["income_criterion"] if "assumption" in e]
    rows += [e["assumption"] for e in rules["target_poor"] if "assumption" in e]
    rows.append(rules["age_reference_day_assumption"])
    rows.append(_load("age_bands")["assumption"])
    found = [Assumption(**row) for row in rows]
    found += [e.assumption for e in indicator_editions() if e.assumption is not None]
    return tuple(found)


@cache
def small_cell() -> int:
    """Counts from 1 to this minus 1 are suppressed in files for people (disclosure.yaml)."""
    return int(_load("disclosure")["small_cell"])


def age_reference_day() -> str:
    """Month-day (MM-DD) on which ages are counted in completed years."""
    return survey_rules()["age_reference_day"]


def poverty_line_source() -> str | None:
    """The source whose published lines replace ``poverty_line_monthly`` (None: the YAML's)."""
    return survey_rules().get("poverty_line_source")


def poverty_line(year_be: int, region_code: str, lines: dict[str, Any] | None = None) -> float:
    """Monetary poverty line of the year and NSO region, baht per person per YEAR; ``lines`` in
    the shape of survey_rules.yaml's ``poverty_line_monthly`` (default: that section)."""
    lines = lines or survey_rules()["poverty_line_monthly"]
    if year_be not in lines["national"]:
        raise KeyError(f"no national poverty line for {year_be}: add it to survey_rules.yaml")
    scale = lines["regional"][region_code] / lines["national_in_regional_year"]
    return 12.0 * lines["national"][year_be] * scale


@cache
def column_descriptions() -> dict[str, str]:
    """What each warehouse column means (columns.yaml); input columns are in fields.yaml."""
    return dict(_load("columns")["columns"])
