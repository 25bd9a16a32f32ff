"""Thai area names (or codes) as people write them -> DOPA codes, with geothai.

What is read: a DOPA code of 2, 4 or 6 digits; a name with or without its level word or short
form (จังหวัด/จ., อำเภอ/อ./กิ่งอำเภอ/เขต, ตำบล/ต./แขวง; the short form needs its dot, as in
geothai); "อำเภอเมือง"/"อ.เมือง"/"Mueang" for the capital district of the province given beside
it; กทม./กรุงเทพ/อยุธยา and the English names (geothai's normalisation: case, spaces, dots,
hyphens); and names or codes of abolished areas with a single successor. A name without a level
word is taken at the coarsest level that has it (a province before a district before a
subdistrict); a province column, where the table has one, narrows districts and subdistricts.

Matching runs as joins over the table's distinct (area, province) pairs against one lookup of
every current and abolished name, never per row. What does not match gets a reason:
``area_unknown`` (with the nearest names, for a misspelling), ``area_ambiguous`` (the name is
that of several areas: give the province or the code) or ``area_abolished`` (no single successor).
"""

from __future__ import annotations

import difflib
from functools import cache

import geothai
import polars as pl
from geothai.abolished import abolished_areas

LEVELS = {2: "province", 4: "district", 6: "subdistrict"}
RANK = {"province": 1, "district": 2, "subdistrict": 3}

# The level a leading word or short form states; geothai's normalize() then strips it.
_HINTS = [
    (r"^\s*(?:จังหวัด|จ\.)", "province"),
    (r"^\s*(?:อำเภอ|กิ่งอำเภอ|อ\.|เขต)", "district"),
    (r"^\s*(?:ตำบล|ต\.|แขวง)", "subdistrict"),
]
# geothai's own short forms of provinces (geothai._areas), and the capital district's words.
PROVINCE_ALIASES = {"กทม": "10", "กรุงเทพ": "10", "อยุธยา": "14", "ayutthaya": "14"}
CAPITAL = ("เมือง", "mueang")


@cache
def lookup() -> pl.DataFrame:
    """Every name key -> (level, code, province code, successor, abolished)."""
    rows: list[tuple] = []
    for p in geothai.provinces():
        for name in (p.name_th, p.name_en):
            rows.append((geothai.normalize(name), "province", p.code, p.code, p.code, False))
    rows += [(k, "province", c, c, c, False) for k, c in PROVINCE_ALIASES.items()]
    for p in geothai.provinces():
        for d in geothai.districts(p.code):
            for name in (d.name_th, d.name_en):
                rows.append((geothai.normalize(name), "district", d.code, p.code, d.code, False))
            if d.code.endswith("01") and p.code != "10":  # Bangkok has no capital district
                rows += [(k, "district", d.code, p.code, d.code, False) for k in CAPITAL]
            for s in geothai.subdistricts(d.code):
                for name in (s.name_th, s.name_en):
                    rows.append(
                        (geothai.normalize(name), "subdistrict", s.code, p.code, s.code, False)
                    )
    for a in abolished_areas():
        successor = a.successors[0] if len(a.successors) == 1 else None
        for name in (a.name_th, a.name_en or ""):
            if name:
                rows.append((geothai.normalize(name), a.level, a.code, a.code[:2], successor, True))
    frame = pl.DataFrame(
        rows,
        schema=["key", "level", "code", "province_code", "successor", "abolished"],
        orient="row",
    )
    return frame.unique().filter(pl.col("key") != "")


@cache
def current_codes() -> pl.DataFrame:
    return lookup().filter(~pl.col("abolished")).select("code", "level").unique()


def _normalised(values: pl.Series) -> pl.Series:
    """geothai.normalize over the distinct values only (a table has few distinct names)."""
    distinct = values.unique().drop_nulls()
    keys = pl.Series([geothai.normalize(v) for v in distinct.to_list()], dtype=pl.String)
    mapping = dict(zip(distinct.to_list(), keys.to_list(), strict=True))
    return values.replace_strict(mapping, default=None, return_dtype=pl.String)


def _hint(column: str) -> pl.Expr:
    expr = pl.lit(None, dtype=pl.String)
    for pattern, level in reversed(_HINTS):
        expr = pl.when(pl.col(column).str.contains(pattern)).then(pl.lit(level)).otherwise(expr)
    # a bare "กทม." reads as Bangkok whatever the column
    return expr


def match_areas(
    table: pl.DataFrame, area: str = "area", province: str | None = None, level: str | None = None
) -> pl.DataFrame:
    """``table`` with ``level``, ``area_code`` and, where no code was found, ``rule`` and
    ``reason``; the same rows in the same order."""
    pairs = table.select(
        pl.col(area).cast(pl.String).str.strip_chars().alias("area_raw"),
        (pl.col(province).cast(pl.String).str.strip_chars() if province else pl.lit(None))
        .cast(pl.String)
        .alias("province_raw"),
    )
    distinct = pairs.unique().with_row_index("pair")
    distinct = distinct.with_columns(
        hint=_hint("area_raw"),
        key=_normalised(distinct["area_raw"]),
        province_key=_normalised(distinct["province_raw"]),
        digits=pl.col("area_raw").str.replace_all(r"\.0$", "").str.contains(r"^\d+$"),
    )
    provinces = lookup().filter(pl.col("level") == "province", ~pl.col("abolished"))
    distinct = distinct.join(
        provinces.select(pl.col("key").alias("province_key"), pl.col("code").alias("in_province")),
        on="province_key",
        how="left",
    )
    by_code = _by_code(distinct.filter(pl.col("digits")))
    by_name = _by_name(distinct.filter(~pl.col("digits")), level)
    resolved = pl.concat([by_code, by_name], how="diagonal_relaxed")
    result = pairs.join(
        distinct.select("pair", "area_raw", "province_raw"),
        on=["area_raw", "province_raw"],
        how="left",
        nulls_equal=True,
    ).join(resolved, on="pair", how="left")
    return table.with_columns(
        result.select("level", "area_code", "rule", "reason").to_dict(as_series=True).values()
    )


def _by_code(rows: pl.DataFrame) -> pl.DataFrame:
    codes = rows.with_columns(code=pl.col("area_raw").str.replace_all(r"\.0$", ""))
    current = current_codes()
    abolished = lookup().filter("abolished").select("code", "successor").unique("code")
    out = codes.join(current, on="code", how="left").join(abolished, on="code", how="left")
    return out.select(
        "pair",
        pl.coalesce(
            "level", pl.col("code").str.len_chars().replace_strict(LEVELS, default=None)
        ).alias("level"),
        pl.coalesce(pl.when(pl.col("level").is_not_null()).then("code"), "successor").alias(
            "area_code"
        ),
        pl.when(pl.col("level").is_not_null() | pl.col("successor").is_not_null())
        .then(None)
        .when(pl.col("code").is_in(abolished["code"].implode()))
        .then(pl.lit("area_abolished"))
        .otherwise(pl.lit("area_unknown"))
        .alias("rule"),
        pl.when(pl.col("level").is_null() & pl.col("successor").is_null())
        .then(pl.format("{} is not a DOPA code in use", "area_raw"))
        .alias("reason"),
    )


def _by_name(rows: pl.DataFrame, level: str | None) -> pl.DataFrame:
    if rows.is_empty():
        return pl.DataFrame(schema={"pair": pl.UInt32})
    candidates = rows.join(lookup(), on="key", how="inner").filter(
        pl.col("hint").is_null() | (pl.col("level") == pl.col("hint")),
        pl.lit(level is None) | (pl.col("level") == pl.lit(level)),
        pl.col("in_province").is_null()
        | (pl.col("province_code") == pl.col("in_province"))
        | (pl.col("level") == "province"),
        # the capital district's word needs its province
        ~pl.col("key").is_in(list(CAPITAL)) | pl.col("in_province").is_not_null(),
    )
    # current names before abolished ones, then the coarsest level that has the name
    candidates = candidates.with_columns(
        rank=pl.col("abolished").cast(pl.Int8) * 10 + pl.col("level").replace_strict(RANK)
    ).filter(pl.col("rank") == pl.col("rank").min().over("pair"))
    chosen = candidates.group_by("pair").agg(
        pl.col("level").first(),
        pl.col("abolished").first(),
        pl.col("successor").unique().alias("successors"),
        pl.col("code").unique().sort().alias("codes"),
    )
    out = rows.join(chosen, on="pair", how="left").with_columns(
        n=pl.col("codes").list.len(),
        single=pl.col("successors").list.drop_nulls().list.len() == 1,
    )
    area_code = (
        pl.when(pl.col("n") == 1)
        .then(pl.when("abolished").then(pl.col("successors").list.first()).otherwise(
            pl.col("codes").list.first()))
    )  # fmt: skip
    matched = out.with_columns(area_code=area_code).with_columns(
        rule=pl.when(pl.col("area_code").is_not_null())
        .then(None)
        .when(pl.col("n").is_null())
        .then(pl.lit("area_unknown"))
        .when(pl.col("n") > 1)
        .then(pl.lit("area_ambiguous"))
        .otherwise(pl.lit("area_abolished")),
    )
    reasons = {
        row["pair"]: _reason(row)
        for row in matched.filter(pl.col("rule").is_not_null()).iter_rows(named=True)
    }  # one line per distinct unmatched name, for people to read
    return matched.with_columns(
        reason=pl.col("pair").replace_strict(reasons, default=None, return_dtype=pl.String)
    ).select("pair", "level", "area_code", "rule", "reason")


def _reason(row: dict) -> str:
    name = row["area_raw"]
    if row["rule"] == "area_ambiguous":
        codes = ", ".join(row["codes"])
        return f"{name} names {row['n']} {row['level']}s ({codes}): give the province or the code"
    if row["rule"] == "area_abolished":
        return f"{name} was abolished and has no single successor: give the current code"
    near = difflib.get_close_matches(row["key"] or "", _keys(), n=3, cutoff=0.75)
    hint = f" (did you mean {', '.join(near)}?)" if near else ""
    return f"{name} is not the name of a Thai area{hint}"


@cache
def _keys() -> list[str]:
    return lookup().filter(~pl.col("abolished"))["key"].unique().sort().to_list()
