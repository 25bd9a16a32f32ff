"""What a centre's report pack holds: one frame per sheet, strictly scoped to its area, counts
and rates suppressed where reports/suppression.py says so.

A sheet frame has typed columns (counts Int64, rates Float64, names String) and, for each column
that can be suppressed, a boolean ``<column>__hidden``; the writers (reports/write.py) turn a
hidden cell into "<5" for people and into a null in Parquet. ``SHEETS`` is the list of sheets in
workbook order.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files

import polars as pl
import yaml

from measures.progress import TARGET_RULES
from reports import suppression
from reports.data import Split, YearMarts
from schemas import catalog

HIDDEN = "__hidden"
# A column holding values of several kinds says each row's in ``<column>__kind`` (write.py).
KIND = "__kind"


@cache
def columns() -> dict[str, dict[str, str]]:
    return yaml.safe_load(files("reports").joinpath("columns.yaml").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Area:
    level: str
    code: str
    name_th: str
    name_en: str


@dataclass
class Pack:
    """One area's pack for one year; ``history`` holds the other years' marts for the trend."""

    area: Area
    year: YearMarts
    history: dict[int, YearMarts] = field(default_factory=dict)
    note: dict[str, str] = field(default_factory=dict)
    # provinces of the year held whole (data.missing_provinces) that this area covers
    missing: list[dict[str, str]] = field(default_factory=list)

    def mart(self, name: str) -> pl.DataFrame:
        return self.year.area(name, self.area.code)


def rate(num: str, den: str, name: str) -> list[pl.Expr]:
    """A rate of flagged rows: hidden where reports/derived.yaml says (its count or its base)."""
    value = pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den))
    return [value.alias(name), pl.col(name + HIDDEN)]


def _bands() -> pl.DataFrame:
    bands = [(b.code, b.name_th) for b in catalog.age_bands()] + [("all", "ทุกช่วงวัย")]
    return pl.DataFrame(
        {
            "age_band": [c for c, _ in bands],
            "age_band_th": [t for _, t in bands],
            "_order": list(range(len(bands))),
        }
    )


def _persons(pack: Pack, frame: pl.DataFrame, on=("area_code", "age_band")) -> pl.DataFrame:
    """``frame`` (rows of the pack's area) with the summary's persons (and whether it is
    hidden) of the same band."""
    persons = pack.mart("area_summary").select(*on, "persons", "persons" + HIDDEN)
    return frame.drop("persons", strict=False).join(persons, on=list(on), how="left")


def indicators_sheet(pack: Pack) -> pl.DataFrame:
    labels = (
        pl.DataFrame(
            [
                {
                    "indicator_code": i.code,
                    "indicator_th": i.name_th,
                    "indicator_en": i.name_en,
                    "dimension": i.dimension,
                }
                for i in catalog.indicators()
            ]
        )
        .join(_dimensions(), on="dimension")
        .drop("dimension")
    )
    return (
        pack.mart("area_indicator")
        .join(labels, on="indicator_code")
        .join(_bands(), on="age_band")
        .with_columns(rate("persons_deprived", "persons_in_scope", "deprived_rate"))
        .sort("indicator_code", "_order")
        .select(
            "indicator_code",
            "indicator_th",
            "indicator_en",
            "dimension_th",
            "dimension_en",
            "age_band",
            "age_band_th",
            *with_hidden(
                "persons_in_scope", "persons_deprived", "deprived_rate", "households_deprived"
            ),
        )
    )


def _labelled(frame: pl.DataFrame, col: str, kind: str) -> pl.DataFrame:
    """``frame`` with ``<col>_th`` and ``<col>_en``: the Thai and English names of its rule or
    line codes (schemas/catalog/poverty_rules.yaml), for people who do not read codes."""
    labels = catalog.rule_labels(kind)
    return frame.with_columns(
        pl.col(col).replace_strict({c: th for c, (th, _) in labels.items()}, default=pl.col(col))
        .alias(f"{col}_th"),
        pl.col(col).replace_strict({c: en for c, (_, en) in labels.items()}, default=pl.col(col))
        .alias(f"{col}_en"),
    )  # fmt: skip


def with_hidden(*cols: str) -> list[str]:
    return [c for col in cols for c in (col, col + HIDDEN)]


def _dimensions() -> pl.DataFrame:
    return pl.DataFrame(
        [
            {"dimension": d.code, "dimension_th": d.name_th, "dimension_en": d.name_en}
            for d in catalog.dimensions()
        ]
    )


def dimensions_sheet(pack: Pack) -> pl.DataFrame:
    """The dimensions' headcounts (ratios of the mart, not sums of persons), hidden with every
    count they are made of (reports/derived.yaml): with the persons, a headcount gives the sum
    of its indicators' deprived counts."""
    frame = pack.mart("area_mpi_component").filter(pl.col("component_type") == "dimension")
    return _labelled(
        frame.join(_dimensions().rename({"dimension": "component"}), on="component").sort(
            "rule", "component"
        ),
        "rule",
        "mpi",
    ).select(
        "rule_th",
        "rule_en",
        "dimension_th",
        "dimension_en",
        "weight",
        *with_hidden("uncensored_headcount", "censored_headcount", "contribution_share"),
        "rule",
    )


def mpi_sheet(pack: Pack) -> pl.DataFrame:
    frame = _persons(pack, pack.mart("area_mpi")).join(_bands(), on="age_band")
    return (
        _labelled(frame, "rule", "mpi")
        .sort("rule", "_order")
        .select(
            "rule_th",
            "rule_en",
            "age_band",
            "age_band_th",
            *with_hidden("persons", "poor_persons", "h", "a", "m0"),
            "rule",
        )
    )


def income_sheet(pack: Pack) -> pl.DataFrame:
    frame = _persons(pack, pack.mart("area_income_poverty")).join(_bands(), on="age_band")
    return (
        _labelled(frame, "line", "income_line")
        .sort("line", "_order")
        .select(
            "line_th",
            "line_en",
            "age_band",
            "age_band_th",
            "line_min",
            "line_max",
            *with_hidden("persons", "poor_persons", "fgt0", "fgt1", "fgt2"),
            "line",
        )
    )


LEVEL_TH = {
    "country": "ประเทศ",
    "region": "ภาค",
    "province": "จังหวัด",
    "district": "อำเภอ",
    "subdistrict": "ตำบล",
    "village": "หมู่บ้าน",
}
# Measures in baht; the others are indices.
BAHT = ("mean_income", "median_income")
INEQUALITY = {
    "mean_income": ("รายได้เฉลี่ยต่อคน (บาท/ปี)", "Mean income per person (baht/year)"),
    "median_income": ("รายได้มัธยฐานต่อคน (บาท/ปี)", "Median income per person (baht/year)"),
    "gini": ("สัมประสิทธิ์จีนี", "Gini coefficient"),
    "theil": ("ดัชนีไทล์ (T)", "Theil index T"),
    "mld": ("ค่าเบี่ยงเบนลอการิทึมเฉลี่ย", "Mean log deviation"),
    "atkinson_05": ("ดัชนีแอตกินสัน ε = 0.5", "Atkinson ε = 0.5"),
    "atkinson_1": ("ดัชนีแอตกินสัน ε = 1", "Atkinson ε = 1"),
    "atkinson_2": ("ดัชนีแอตกินสัน ε = 2", "Atkinson ε = 2"),
    "palma": ("อัตราส่วนพัลมา", "Palma ratio"),
    "s80_s20": ("อัตราส่วน S80/S20", "S80/S20 ratio"),
}


def inequality_sheet(pack: Pack) -> pl.DataFrame:
    """The area's inequality measures and its Theil decomposition, one measure a row; hidden
    when the area's persons are (a measure of four persons describes those four)."""
    row = _persons(pack, pack.mart("area_inequality").with_columns(age_band=pl.lit("all")))
    if row.is_empty():
        return pl.DataFrame(
            schema={
                "measure_th": pl.String,
                "measure_en": pl.String,
                "value": pl.Float64,
                "value" + HIDDEN: pl.Boolean,
                "value" + KIND: pl.String,
            }
        )
    rows = [
        (th, en, row[c][0], row[c + HIDDEN][0], "baht" if c in BAHT else "index")
        for c, (th, en) in INEQUALITY.items()
    ]
    theil = pack.mart("area_theil_decomposition")
    for r in theil.sort("child_level").iter_rows(named=True):  # a handful of rows per area
        rows += [
            (
                f"ไทล์ภายใน{LEVEL_TH[r['child_level']]}",
                f"Theil within {r['child_level']}s",
                r["within"],
                r["within" + HIDDEN],
                "index",
            ),
            (
                f"ไทล์ระหว่าง{LEVEL_TH[r['child_level']]}",
                f"Theil between {r['child_level']}s",
                r["between"],
                r["between" + HIDDEN],
                "index",
            ),
        ]
    return pl.DataFrame(
        {
            "measure_th": [r[0] for r in rows],
            "measure_en": [r[1] for r in rows],
            "value": [r[2] for r in rows],
            "value" + HIDDEN: [bool(r[3]) for r in rows],
            "value" + KIND: [r[4] for r in rows],
        },
        schema_overrides={"value": pl.Float64},
    )


def ranking_sheet(pack: Pack) -> pl.DataFrame:
    """The child areas, highest target-poor rate first; an area whose rate is hidden is listed
    without a rank."""
    code = pack.area.code
    return ranked(pack.year.children("area_summary", code), pack.year.children("area_mpi", code))


def map_areas(pack: Pack) -> tuple[pl.DataFrame, str]:
    """The areas the map shows: the provinces for the country, else the child areas."""
    if pack.area.level == "country":
        provinces = pl.col("level") == "province"
        return ranked(
            pack.year.flags("area_summary", provinces), pack.year.flags("area_mpi", provinces)
        ), "province"
    child = {"region": "province", "province": "district", "district": "subdistrict"}
    return ranking_sheet(pack), child[pack.area.level]


def ranked(summary: pl.DataFrame, mpi: pl.DataFrame) -> pl.DataFrame:
    """The areas of the flagged ``summary`` and ``mpi`` rows, ranked."""
    summary = summary.filter(pl.col("age_band") == "all")
    mpi = mpi.filter((pl.col("age_band") == "all") & (pl.col("rule") == "tpmap_union")).select(
        "area_code", "m0", "m0" + HIDDEN
    )
    frame = summary.join(mpi, on="area_code", how="left").with_columns(
        rate("mpi_poor_persons", "persons", "mpi_poor_rate")
        + rate("target_poor_persons", "persons", "target_poor_rate")
    )
    shown = pl.when(~pl.col("target_poor_rate" + HIDDEN)).then(pl.col("target_poor_rate"))
    return (
        frame.with_columns(rank=shown.rank("min", descending=True).cast(pl.Int64))
        .sort(pl.col("rank").is_null(), "rank", "area_code")
        .select(
            "rank",
            "area_code",
            "name_th",
            "name_en",
            *with_hidden(
                "persons",
                "mpi_poor_persons",
                "mpi_poor_rate",
                "target_poor_persons",
                "target_poor_rate",
                "m0",
            ),
        )
    )


def headline(pack: Pack) -> pl.DataFrame:
    """The area's key figures (age band all) for the summary sheet."""
    s = (
        pack.mart("area_summary")
        .filter(pl.col("age_band") == "all")
        .with_columns(
            rate("mpi_poor_persons", "persons", "mpi_poor_rate")
            + rate("target_poor_persons", "persons", "target_poor_rate")
        )
    )
    rows = []
    for col in (
        "persons",
        "households",
        "mpi_poor_persons",
        "mpi_poor_rate",
        "target_poor_persons",
        "target_poor_rate",
    ):
        rows.append(
            (col, s[col][0] if s.height else None, bool(s[col + HIDDEN][0]) if s.height else True)
        )
    return pl.DataFrame(
        {
            "measure": [r[0] for r in rows],
            "value": [r[1] for r in rows],
            "value" + HIDDEN: [r[2] for r in rows],
        },
        schema_overrides={"value": pl.Float64},
    )


def same_rule_rate(rule: str) -> str:
    """The figure (reports/derived.yaml, marts.area_progress) of the target-poor rate counted
    on ``rule`` in every year; under the union of every MPI-poor person, the MPI-poor rate."""
    return "mpi_poor_rate" if rule == "all_mpi_poor" else f"target_poor_rate_{rule}"


def _same_rule(rule: str) -> list[pl.Expr]:
    """The target-poor rate on ``rule`` of summary rows (its parts: suppression's
    TARGET_POOR_PARTS), hidden as reports/derived.yaml says."""
    count = pl.sum_horizontal(suppression.TARGET_POOR_PARTS[rule])
    name = same_rule_rate(rule)
    value = pl.when(pl.col("persons") > 0).then(count / pl.col("persons"))
    same = "target_poor_rate_same"
    return [value.alias(same), pl.col(name + HIDDEN).alias(same + HIDDEN)]


def trend(pack: Pack) -> pl.DataFrame:
    """Per year: the official target-poor rate (each year on its own rule), the target-poor
    rate on this year's rule in every year (``target_poor_rate_same``: a rule change is not
    read as a change of poverty), the MPI-poor rate and M0 (TPMAP rule) of the area."""
    years = {**pack.history, pack.year.year_be: pack.year}
    rule = catalog.target_poor_rule(pack.year.year_be)
    out = []
    for year_be in sorted(years):  # a few survey years
        ym = years[year_be]
        s = ym.area("area_summary", pack.area.code).filter(pl.col("age_band") == "all")
        m = ym.area("area_mpi", pack.area.code).filter(
            (pl.col("age_band") == "all") & (pl.col("rule") == "tpmap_union")
        )
        if s.is_empty() or m.is_empty():
            continue
        out.append(
            s.with_columns(
                rate("target_poor_persons", "persons", "target_poor_rate")
                + rate("mpi_poor_persons", "persons", "mpi_poor_rate")
                + _same_rule(rule)
            ).select(
                "year_be",
                *with_hidden("target_poor_rate", "target_poor_rate_same", "mpi_poor_rate"),
                m0=m["m0"][0],
                m0__hidden=m["m0" + HIDDEN][0],
            )
        )
    return pl.concat(out) if out else pl.DataFrame()


def rule_changes(years: list[int]) -> list[tuple[int, int, str, str]]:
    """(earlier year, later year, earlier rule, later rule) of each change of the target-poor
    rule between consecutive ``years``."""
    rules = [(y, catalog.target_poor_rule(y)) for y in sorted(years)]
    return [(y0, y1, r0, r1) for (y0, r0), (y1, r1) in zip(rules, rules[1:], strict=False)
            if r0 != r1]  # fmt: skip


def rule_change_note(years: list[int], this_year: int) -> tuple[str, str] | None:
    """A line (Thai, English) on the target-poor rule changing within ``years``, and which
    series to read across it; None when it did not change."""
    changes = rule_changes(years)
    if not changes:
        return None
    label = catalog.rule_label
    rule = catalog.target_poor_rule(this_year)
    th = "; ".join(
        f"เกณฑ์คนจนเป้าหมายเปลี่ยนจาก{label('target_poor', r0)[0]} (จปฐ. {y0}) "
        f"เป็น{label('target_poor', r1)[0]} (จปฐ. {y1})"
        for y0, y1, r0, r1 in changes
    )
    en = "; ".join(
        f"the target-poor rule changed from {label('target_poor', r0)[1]} (BMN {y0}) to "
        f"{label('target_poor', r1)[1]} (BMN {y1})"
        for y0, y1, r0, r1 in changes
    )
    return (
        f"{th}: ตัวเลขทางการของแต่ละปีนับตามเกณฑ์ของปีนั้น การเปลี่ยนแปลงข้ามปีที่เปลี่ยนเกณฑ์จึงรวมผลของ"
        f"การเปลี่ยนเกณฑ์ ให้อ่านชุดที่นับตามเกณฑ์ปี {this_year} "
        f"({label('target_poor', rule)[0]}) ทุกปี (เส้นประในแผนภูมิแนวโน้ม "
        "และแถว 'เกณฑ์เดียวกันทั้งสองปี' ในแผ่นความก้าวหน้า)",
        f"{en[0].upper()}{en[1:]}. Each year's official figure is counted on that year's rule, "
        "so a change across the rule change mixes the two rules: read the series counted on "
        f"{this_year}'s rule ({label('target_poor', rule)[1]}) in every year (the dashed line "
        "of the trend chart, the 'same rule in both years' rows of the progress sheet).",
    )


# The key figures whose change the progress sheet shows (measures of marts.area_progress): not
# the Alkire-Foster M0 (the MPI sheet's) nor FGT0 on the NSO line (the income sheet's).
KEY_FIGURES = (
    "target_poor_persons",
    "target_poor_rate",
    "mpi_poor_persons",
    "mpi_poor_rate",
    "m0_tpmap_union",
    "fgt0_bmn",
    "gini",
)
# The official target-poor figures (each year on its own rule) and, beside them where the rule
# changed, the same figures on one rule in both years (marts.area_progress ``series``).
TARGET_POOR = ("target_poor_persons", "target_poor_rate")
SAME_RULE_FIGURES = tuple(f"{m}_{r}" for m in TARGET_POOR for r in TARGET_RULES)
SAME_RULE_SERIES = ("later_rule", "earlier_rule")
SERIES_NAMES = {
    "official": "ทางการ (เกณฑ์ของแต่ละปี) official, each year on its own rule",
    "later_rule": "เกณฑ์ปีนี้ทั้งสองปี same rule in both years: this year's",
    "earlier_rule": "เกณฑ์ปีฐานทั้งสองปี same rule in both years: the base year's",
}
MEASURE_NAMES = {  # Thai, English; h_/a_/m0_<rule>, fgt0_<line>, target_poor_*_<rule> below
    "target_poor_persons": ("คนจนเป้าหมาย", "Target-poor persons"),
    "target_poor_rate": ("สัดส่วนคนจนเป้าหมาย", "Target-poor rate"),
    "mpi_poor_persons": ("คนจนหลายมิติ", "MPI-poor persons"),
    "mpi_poor_rate": ("สัดส่วนคนจนหลายมิติ", "MPI-poor rate"),
    "gini": ("สัมประสิทธิ์จีนี", "Gini coefficient"),
    "theil_between_share": ("สัดส่วนไทล์ระหว่างพื้นที่ย่อย", "Share of Theil between child areas"),
    "exclusion_persons": ("คนจนที่ไม่มีบัตรสวัสดิการ", "MPI-poor without a welfare card"),
    "exclusion_rate": ("สัดส่วนคนจนที่ไม่มีบัตรสวัสดิการ", "Exclusion rate"),
    "inclusion_persons": ("ผู้ถือบัตรที่ไม่จนหลายมิติ", "Card holders not MPI-poor"),
    "inclusion_rate": ("สัดส่วนผู้ถือบัตรที่ไม่จน", "Inclusion rate"),
}
PREFIX_NAMES = {  # a measure made of a prefix and a rule or line code: Thai, English, kind
    "h": ("อัตราส่วนคนจน (H)", "Headcount ratio H", "mpi"),
    "a": ("ความรุนแรง (A)", "Intensity A", "mpi"),
    "m0": ("ดัชนี MPI (M0)", "MPI M0", "mpi"),
    "fgt0": ("สัดส่วนคนจนด้านรายได้", "Income headcount FGT0", "income_line"),
    "target_poor_persons": ("คนจนเป้าหมาย", "Target-poor persons", "target_poor"),
    "target_poor_rate": ("สัดส่วนคนจนเป้าหมาย", "Target-poor rate", "target_poor"),
}
COMPARISON_NAMES = {
    "target": "เป้าหมาย target",
    "previous": "เทียบปีก่อน since the previous survey year",
    "baseline": "เทียบปีฐาน since the baseline year",
}
# How a measure's values read (write.py's kinds), and the unit column that says so.
UNITS = {"whole": "คน persons", "rate": "ร้อยละ %", "index": "ดัชนี index"}


def measure_name(code: str) -> tuple[str, str]:
    """Thai and English name of a progress measure (its code when it has none); a rule or
    line in it by its name in schemas/catalog/poverty_rules.yaml."""
    if code in MEASURE_NAMES:
        return MEASURE_NAMES[code]
    for prefix, (th, en, kind) in sorted(PREFIX_NAMES.items(), key=lambda p: -len(p[0])):
        tail = code.removeprefix(prefix + "_")
        if tail != code and tail in catalog.rule_labels(kind):
            rule_th, rule_en = catalog.rule_label(kind, tail)
            if kind == "target_poor":  # whose count it is
                return f"{th} ({rule_th})", f"{en} ({rule_en})"
            return f"{th} {rule_th}", f"{en}, {rule_en}"
    return code, code


def measure_kind(code: str) -> str:
    """How a progress measure's value reads: a number of persons, a rate or an index."""
    if code.endswith("_persons") or "_persons_" in code:
        return "whole"
    if code.startswith(("m0_", "gini")):
        return "index"
    return "rate"


def measure_hidden(ym: YearMarts) -> pl.DataFrame:
    """area_code, age_band, measure, hidden: whether a progress measure of the year is built on
    a suppressed count (reports/derived.yaml), for every area at once. A measure not listed (the
    targeting counts and the child-area spreads, which the year's suppression does not cover)
    is hidden."""
    index = ["area_code", "age_band"]
    summary = ym.flags("area_summary").select(
        *index,
        *(
            pl.col(c + HIDDEN).alias(c)
            for c in (
                "mpi_poor_persons",
                "target_poor_persons",
                "mpi_poor_rate",
                "target_poor_rate",
                *SAME_RULE_FIGURES,
            )
        ),
        theil_between_share=pl.col("persons" + HIDDEN),
    )
    parts = [
        summary.unpivot(index=index, variable_name="measure", value_name="hidden"),
        ym.flags("area_inequality").select(
            "area_code",
            age_band=pl.lit("all"),
            measure=pl.lit("gini"),
            hidden=pl.col("gini" + HIDDEN),
        ),
    ]
    for mart, key, prefixes in (
        ("area_mpi", "rule", ("h", "a", "m0")),
        ("area_income_poverty", "line", ("fgt0",)),
    ):
        flagged = ym.flags(mart)
        parts += [
            flagged.select(
                *index,
                (pl.lit(f"{p}_") + pl.col(key)).alias("measure"),
                hidden=pl.col(p + HIDDEN),
            )
            for p in prefixes
        ]
    return pl.concat(parts)


def _hidden_by_area(ym: YearMarts) -> Split:
    marks = measure_hidden(ym).with_columns(pl.lit(ym.year_be, pl.Int32).alias("year_be"))
    return Split(marks, "area_code")


def _hidden_in(pack: Pack, frame: pl.DataFrame, year: str, measure: str, out: str):
    """``frame`` with ``out``: the measure of the area in the year (columns named) is hidden;
    a year without its marts hides it."""
    years = {**pack.history, pack.year.year_be: pack.year}
    marks = [
        years[y].derived("measure_hidden", _hidden_by_area).get(code)
        for y, code in frame.select(year, "area_code").unique().iter_rows()  # a few
        if y in years
    ]
    if not marks:
        return frame.with_columns(pl.lit(True).alias(out))
    marks = pl.concat(marks).rename({"year_be": year, "measure": measure, "hidden": out})
    return frame.join(marks, on=["area_code", "age_band", measure, year], how="left").with_columns(
        pl.col(out).fill_null(True)
    )


def _with_breaks(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with ``_break``: the break of the official target-poor series between its
    base_year_be and year_be, in Thai and English, the rules by name (null where the rule did
    not change). Worked out per pair of years (a few), then joined."""
    pairs = frame.select("year_be", "base_year_be").unique().drop_nulls()
    notes = [
        " ".join(rule_change_note([y0, y1], y1) or ()) or None
        for y1, y0 in pairs.iter_rows()  # a few pairs of years
    ]
    pairs = pairs.with_columns(pl.Series("_break", notes, dtype=pl.String))
    return frame.join(pairs, on=["year_be", "base_year_be"], how="left", maintain_order="left")


def progress_sheet(pack: Pack) -> pl.DataFrame:
    """The targets of the centre (those it set and those set for its area) with the actual
    value and whether it is on track, then the change of the key figures since the previous
    and the baseline year: the target-poor figures official (each year on its own rule) and,
    where the rule changed between the two years, on one rule in both years too, with a note
    on the break. A value built on a suppressed count of its year is hidden, and so is what is
    worked out from it (a target set as a share of the base value, the change)."""
    code = pack.area.code
    year = pl.col("year_be").cast(pl.Int32)
    rule_now = catalog.target_poor_rule(pack.year.year_be)
    targets = (
        pack.year["area_target"]
        .filter((pl.col("centre") == code) | (pl.col("area_code") == code))
        .unique(["centre", "area_code", "age_band", "measure", "by_year_be"])
        .with_columns(
            comparison=pl.lit("target"),
            absolute=pl.col("actual_value") - pl.col("base_value"),
            relative=pl.when(pl.col("base_value") != 0).then(
                pl.col("actual_value") / pl.col("base_value") - 1
            ),
        )
    )
    if "series_break" not in targets.columns:
        targets = targets.with_columns(series_break=pl.lit(None, pl.String))
    # a target-poor target across a rule change starts from the baseline year counted on this
    # year's rule (marts.area_target): that is the base value to hide or show
    recounted = pl.col("series_break").is_not_null() & pl.col("measure").is_in(TARGET_POOR)
    targets = targets.with_columns(
        series=pl.when(recounted)
        .then(pl.lit("later_rule"))
        .when(pl.col("measure").is_in(TARGET_POOR))
        .then(pl.lit("official")),
        _base_measure=pl.when(recounted)
        .then(pl.col("measure") + pl.lit(f"_{rule_now}"))
        .otherwise(pl.col("measure")),
    )
    progress = pack.mart("area_progress")
    if "series" not in progress.columns:
        progress = progress.with_columns(series=pl.lit(None, pl.String))
    official = pl.col("measure").is_in(list(KEY_FIGURES))
    same_rule = pl.col("measure").is_in(list(SAME_RULE_FIGURES)) & pl.col("series").is_in(
        SAME_RULE_SERIES
    )
    changes = (
        _with_breaks(progress.filter((pl.col("age_band") == "all") & (official | same_rule)))
        # one rule in both years is worth a row only where the official series breaks
        .filter(official | pl.col("_break").is_not_null())
        .rename({"value": "actual_value"})
        .with_columns(
            target_value=pl.lit(None, pl.Float64),
            by_year_be=pl.lit(None, pl.Int32),
            expected_value=pl.lit(None, pl.Float64),
            on_track=pl.lit(None, pl.Boolean),
            attained=pl.lit(None, pl.Boolean),
            reduce_by=pl.lit(None, pl.Float64),
            _base_measure=pl.col("measure"),
        )
        .drop("_break")
    )
    cols = ["year_be", "comparison", "area_code", "name_th", "name_en", "age_band", "measure",
            "_base_measure", "series", "base_year_be", "base_value", "actual_value", "absolute",
            "relative", "reduce_by", "target_value", "by_year_be", "expected_value", "on_track",
            "attained"]  # fmt: skip
    order = {"target": 0, "previous": 1, "baseline": 2}
    frame = pl.concat(
        [
            f.select(cols).with_columns(
                year,
                pl.col("base_year_be").cast(pl.Int32),
                pl.col("by_year_be").cast(pl.Int32),
            )
            for f in (targets, changes)
        ]
    )
    frame = _hidden_in(pack, frame, "year_be", "measure", "_now")
    frame = _hidden_in(pack, frame, "base_year_be", "_base_measure", "_base")
    base_or_now = pl.col("_now") | pl.col("_base")
    # a target given as a share of the base value gives the base value away
    target = pl.col("reduce_by").is_not_null() & pl.col("_base")
    names = pl.col("measure").map_elements(  # a few measures per pack
        lambda m: dict(zip(("th", "en", "kind"), (*measure_name(m), measure_kind(m)),
                           strict=True)),
        return_dtype=pl.Struct({"th": pl.String, "en": pl.String, "kind": pl.String}),
    )  # fmt: skip
    kind = pl.col("_kind")
    # the official series' rows across a rule change say so, and which rows to read instead
    broken = (pl.col("series") == "official") & (pl.col("base_year_be") != pl.col("year_be"))
    return (
        _with_breaks(frame.with_columns(names.alias("_names")))
        .with_columns(
            comparison_th=pl.col("comparison").replace_strict(COMPARISON_NAMES),
            measure_th=pl.col("_names").struct.field("th"),
            measure_en=pl.col("_names").struct.field("en"),
            _kind=pl.col("_names").struct.field("kind"),
            series_th=pl.col("series").replace_strict(SERIES_NAMES, default=None),
            series_break=pl.when(broken).then(pl.col("_break")),
            _order=pl.col("comparison").replace_strict(order, return_dtype=pl.Int8),
            _series=pl.col("series").replace_strict(
                {"official": 0, "later_rule": 1, "earlier_rule": 2},
                default=0,
                return_dtype=pl.Int8,
            ),
            actual_value__hidden=pl.col("_now"),
            base_value__hidden=pl.col("_base"),
            absolute__hidden=base_or_now,
            relative__hidden=base_or_now,
            target_value__hidden=target,
            expected_value__hidden=target | pl.col("_base"),
            on_track__hidden=base_or_now,
            attained__hidden=pl.col("_now") | target,
        )
        .with_columns(
            unit=kind.replace_strict(UNITS),
            **{
                f"{c}{KIND}": kind
                for c in (
                    "base_value",
                    "actual_value",
                    "absolute",
                    "target_value",
                    "expected_value",
                )
            },
        )  # fmt: skip
        .sort(
            "_order",
            "area_code",
            pl.col("measure")
            .str.extract(r"^(target_poor_(?:persons|rate))")
            .fill_null(pl.col("measure")),
            "_series",
            "measure",
            "by_year_be",
            nulls_last=True,
        )
        .select(
            "comparison_th",
            "area_code",
            "name_th",
            "name_en",
            "age_band",
            "measure_th",
            "measure_en",
            "series_th",
            "unit",
            "base_year_be",
            *[
                c
                for col in ("base_value", "actual_value", "absolute")
                for c in (col, col + HIDDEN, col + KIND)
            ],
            *with_hidden("relative"),
            "by_year_be",
            "target_value",
            "target_value" + HIDDEN,
            "target_value" + KIND,
            "expected_value",
            "expected_value" + HIDDEN,
            "expected_value" + KIND,
            *with_hidden("on_track", "attained"),
            "series_break",
            "measure",
        )  # fmt: skip
    )


EXCEL_TAB = 31  # characters Excel allows in a sheet's name


@dataclass(frozen=True)
class Sheet:
    key: str  # file stem of its CSV and Parquet
    name_th: str
    name_en: str
    build: Callable[[Pack], pl.DataFrame]
    tab: str  # the sheet's name in the workbook, Thai then English, whole words
    note: tuple[str, str] | None = None  # a line (Thai, English) under the table

    def __post_init__(self):
        if len(self.tab) > EXCEL_TAB:  # Excel would cut it mid-word
            raise ValueError(f"sheet {self.key}: tab {self.tab!r} is past {EXCEL_TAB} characters")

    @property
    def title(self) -> str:
        return self.tab


SHEETS = [
    Sheet("indicators", "ตัวชี้วัด", "Indicators", indicators_sheet, "ตัวชี้วัด Indicators"),
    Sheet("dimensions", "มิติ", "Dimensions", dimensions_sheet, "มิติ Dimensions"),
    Sheet(
        "mpi",
        "ความยากจนหลายมิติ",
        "MPI",
        mpi_sheet,
        "ความยากจนหลายมิติ MPI",
        note=(
            "k คือสัดส่วนถ่วงน้ำหนักของตัวชี้วัดที่คนหนึ่งต้องไม่ผ่านจึงนับเป็นคนจน: เกณฑ์ TPMAP "
            "นับผู้ที่ไม่ผ่านตัวชี้วัดใดก็ได้ ส่วน Alkire-Foster k = 1/3 นับผู้ที่ไม่ผ่านอย่างน้อย 1 ใน 3 "
            "ของน้ำหนักรวม",
            "k is the weighted share of the indicators a person must fail to count as poor: "
            "the TPMAP rule counts anyone failing any indicator; Alkire-Foster k = 1/3 counts "
            "those failing at least a third of the weights.",
        ),
    ),
    Sheet(
        "income_poverty",
        "ความยากจนด้านรายได้",
        "Income poverty",
        income_sheet,
        "ความยากจนรายได้ Income poverty",
        note=(
            "เส้น สศช. (nso) เป็นเส้นความยากจนด้านการบริโภคที่ใช้กับรายได้ต่อหัวของ จปฐ. "
            "จึงไม่ใช่อัตราความยากจนทางการ และเทียบกับอัตราทางการไม่ได้",
            "The NSO line (nso) is NESDC's consumption poverty line applied to BMN income per "
            "head: this is not the official poverty rate and is not comparable with it.",
        ),
    ),
    Sheet("inequality", "ความเหลื่อมล้ำ", "Inequality", inequality_sheet, "ความเหลื่อมล้ำ Inequality"),
    Sheet(
        "progress",
        "ความก้าวหน้าตามเป้าหมาย",
        "Progress against targets",
        progress_sheet,
        "ความก้าวหน้าตามเป้าหมาย Targets",
        note=(
            "แถวคนจนเป้าหมาย 'ทางการ' นับแต่ละปีตามเกณฑ์ของปีนั้น เมื่อเกณฑ์เปลี่ยนระหว่างสองปี "
            "การเปลี่ยนแปลงของแถวทางการรวมผลของการเปลี่ยนเกณฑ์ (ดูหมายเหตุ) แถว 'เกณฑ์ปีนี้ทั้งสองปี' "
            "และ 'เกณฑ์ปีฐานทั้งสองปี' นับทั้งสองปีตามเกณฑ์เดียวกัน จึงเทียบกันได้",
            "The 'official' target-poor rows count each year on its own rule; where the rule "
            "changed between the two years, their change mixes the two rules (see the note). "
            "The rows 'same rule in both years' count both years on one rule: read those.",
        ),
    ),
    Sheet("ranking", "อันดับพื้นที่ย่อย", "Child areas", ranking_sheet, "อันดับพื้นที่ย่อย Child areas"),
]
