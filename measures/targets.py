"""Centres' targets and baselines, and whether an area is on track to reach them.

A centre (ศจพ.) keeps one YAML file, ``landing/targets/<anything>.yaml``::

    centre: "50"              # its area: TH, a region 1-5, a province (2 digits), a district (4)
    baseline_year_be: 2565    # optional: the year progress is measured from (default: earliest)
    targets:
      - measure: target_poor_persons   # a measure of marts.area_progress
        reduce_by: 0.5                 # by half of the baseline value ... or
      # value: 0                       # ... down to this value (exactly one of the two)
        by_year_be: 2570
        area: "5001"                   # optional: an area under the centre, down to a village
                                       # (8 digits; default: the centre)
        age_band: all                  # optional (default: all)

Every progress measure is one where less is better (poverty, deprivation, inequality, gaps,
targeting errors), so a target is a level to get down to: "every child in school" is the
deprivation rate of indicator 3.x down to 0. On track: the actual value is at or below the
straight line from the baseline value (baseline year) to the target (target year); after the
target year the line stays at the target.

Pure: the asset reads the files and passes the text; errors are one line, ``TargetsError``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import yaml

# a target's area may be any area under the centre, down to a village
LEVEL_OF_CODE = {1: "region", 2: "province", 4: "district", 6: "subdistrict", 8: "village"}


class TargetsError(ValueError):
    """A target file that is missing or malformed: the message is one line, naming the file."""


@dataclass(frozen=True)
class Target:
    measure: str
    by_year_be: int
    level: str
    area_code: str
    age_band: str
    value: float | None
    reduce_by: float | None


@dataclass(frozen=True)
class Centre:
    file: str
    level: str
    area_code: str
    baseline_year_be: int | None
    targets: tuple[Target, ...]


def level_of(code: str) -> str | None:
    return "country" if code == "TH" else LEVEL_OF_CODE.get(len(code)) if code.isdigit() else None


def _year(value: object, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 2400 <= value <= 2700:
        raise TargetsError(f"{where}: must be a survey year BE (2400-2700), got {value!r}")
    return value


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TargetsError(f"{where}: must be a number, got {value!r}")
    return float(value)


def parse_centre(text: str, file: str, measures: Sequence[str], age_bands: Sequence[str]) -> Centre:
    """One centre's file. ``measures`` and ``age_bands``: the names a target may use."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise TargetsError(f"{file}: not valid YAML{line}") from None
    if not isinstance(doc, dict):
        raise TargetsError(f"{file}: expected a mapping with 'centre' and 'targets'")
    unknown = sorted(set(doc) - {"centre", "baseline_year_be", "targets"})
    if unknown:
        raise TargetsError(f"{file}: unknown key(s) {', '.join(map(str, unknown))}")
    code = str(doc.get("centre", "")).strip()
    level = level_of(code)
    if level is None:
        raise TargetsError(
            f"{file}: centre: {doc.get('centre')!r} is not an area code (TH, a region 1-5, "
            "a province of 2 digits or a district of 4, quoted)"
        )
    baseline = doc.get("baseline_year_be")
    if baseline is not None:
        baseline = _year(baseline, f"{file}: baseline_year_be")
    rows = doc.get("targets")
    if not isinstance(rows, list) or not rows:
        raise TargetsError(f"{file}: targets: expected a list of at least one target")
    targets = []
    for i, row in enumerate(rows):
        where = f"{file}: targets[{i}]"
        if not isinstance(row, dict):
            raise TargetsError(f"{where}: expected a mapping")
        extra = sorted(set(row) - {"measure", "value", "reduce_by", "by_year_be", "area",
                                   "age_band"})  # fmt: skip
        if extra:
            raise TargetsError(f"{where}: unknown key(s) {', '.join(map(str, extra))}")
        measure = row.get("measure")
        if measure not in measures:
            raise TargetsError(
                f"{where}.measure: {measure!r} is not a progress measure (docs/marts.md, "
                "marts.area_progress)"
            )
        if ("value" in row) == ("reduce_by" in row):
            raise TargetsError(f"{where}: give exactly one of 'value' and 'reduce_by'")
        value = _number(row["value"], f"{where}.value") if "value" in row else None
        reduce_by = _number(row["reduce_by"], f"{where}.reduce_by") if "reduce_by" in row else None
        if "by_year_be" not in row:
            raise TargetsError(f"{where}: by_year_be is missing")
        by_year = _year(row["by_year_be"], f"{where}.by_year_be")
        if baseline is not None and by_year <= baseline:
            raise TargetsError(f"{where}.by_year_be: {by_year} is not after the baseline year")
        area = str(row.get("area", code)).strip()
        area_level = level_of(area)
        # DOPA codes start with their parents' codes; a region's provinces do not
        under = level in ("country", "region") or area.startswith(code)
        if area_level is None or not under:
            raise TargetsError(f"{where}.area: {area!r} is not an area under centre {code}")
        band = str(row.get("age_band", "all"))
        if band not in age_bands:
            raise TargetsError(f"{where}.age_band: {band!r} is not one of {', '.join(age_bands)}")
        targets.append(Target(measure, by_year, area_level, area, band, value, reduce_by))
    return Centre(file, level, code, baseline, tuple(targets))


def load_centres(
    paths: Iterable[Path], measures: Sequence[str], age_bands: Sequence[str]
) -> list[Centre]:
    """Every centre file; two files for one centre are refused (which would win?)."""
    centres: list[Centre] = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise TargetsError(f"{path}: no such target file") from None
        except UnicodeDecodeError:
            raise TargetsError(f"{path}: not UTF-8 text") from None
        centre = parse_centre(text, str(path), measures, age_bands)
        twin = next((c for c in centres if c.area_code == centre.area_code), None)
        if twin is not None:
            raise TargetsError(f"{path}: centre {centre.area_code} already has {twin.file}")
        centres.append(centre)
    return centres


def ancestors(areas: pl.DataFrame, levels: Sequence[str]) -> pl.DataFrame:
    """(level, area_code, depth, anc_level, anc_code): each area and every area above it
    (depth 0 = itself), from the areas' (level, area_code, parent_code)."""
    parent_of = {child: parent for parent, child in zip(levels, levels[1:], strict=False)}
    areas = areas.select("level", "area_code", "parent_code").unique()
    step = areas.select(
        "level", "area_code", pl.lit(0).alias("depth"),
        pl.col("level").alias("anc_level"), pl.col("area_code").alias("anc_code"),
    )  # fmt: skip
    out = [step]
    for depth in range(1, len(levels)):
        step = (
            step.join(
                areas,
                left_on=["anc_level", "anc_code"],
                right_on=["level", "area_code"],
                suffix="_a",
            )  # fmt: skip
            .filter(pl.col("parent_code").is_not_null())
            .select(
                "level",
                "area_code",
                pl.lit(depth).alias("depth"),
                pl.col("anc_level").replace_strict(parent_of, default=None).alias("anc_level"),
                pl.col("parent_code").alias("anc_code"),
            )  # fmt: skip
            .filter(pl.col("anc_level").is_not_null())
        )
        if not step.height:
            break
        out.append(step)
    return pl.concat(out)


def baselines(
    areas: pl.DataFrame, centres: Sequence[Centre], levels: Sequence[str]
) -> pl.DataFrame:
    """(level, area_code, baseline_year_be): the baseline of the nearest centre at or above
    each area that sets one."""
    set_ = [c for c in centres if c.baseline_year_be is not None]
    if not set_:
        return pl.DataFrame(schema={"level": pl.String, "area_code": pl.String,
                                    "baseline_year_be": pl.Int64})  # fmt: skip
    table = pl.DataFrame(
        {"anc_level": [c.level for c in set_], "anc_code": [c.area_code for c in set_],
         "baseline_year_be": [c.baseline_year_be for c in set_]},
        schema_overrides={"baseline_year_be": pl.Int64},
    )  # fmt: skip
    return (
        ancestors(areas, levels)
        .join(table, on=["anc_level", "anc_code"])
        .sort("depth")
        .group_by("level", "area_code", maintain_order=True)
        .agg(pl.col("baseline_year_be").first())
    )


def targets_frame(centres: Sequence[Centre]) -> pl.DataFrame:
    rows = [
        {"centre": c.area_code, "centre_level": c.level, "measure": t.measure,
         "by_year_be": t.by_year_be, "level": t.level, "area_code": t.area_code,
         "age_band": t.age_band, "value": t.value, "reduce_by": t.reduce_by}
        for c in centres
        for t in c.targets
    ]  # fmt: skip
    schema = {"centre": pl.String, "centre_level": pl.String, "measure": pl.String,
              "by_year_be": pl.Int64, "level": pl.String, "area_code": pl.String,
              "age_band": pl.String, "value": pl.Float64, "reduce_by": pl.Float64}  # fmt: skip
    return pl.DataFrame(rows, schema=schema)


def attainment(progress: pl.DataFrame, centres: Sequence[Centre], year_be: int) -> pl.DataFrame:
    """One row per target of the year's baseline comparisons in ``progress`` (the output of
    ``measures.progress.progress``): target and expected values, actual, on track, attained.
    A target whose area or measure has no baseline row this year is left out."""
    targets = targets_frame(centres)
    base = progress.filter(pl.col("comparison") == "baseline").select(
        "level", "area_code", "age_band", "measure", "base_year_be", "base_value", "value"
    )
    j = targets.rename({"value": "value_t"}).join(
        base.rename({"value": "actual_value"}), on=["level", "area_code", "age_band", "measure"]
    )
    target = pl.coalesce(pl.col("value_t"), pl.col("base_value") * (1 - pl.col("reduce_by")))
    span = (pl.col("by_year_be") - pl.col("base_year_be")).cast(pl.Float64)
    done = ((year_be - pl.col("base_year_be")) / span).clip(upper_bound=1.0)
    expected = pl.col("base_value") + (pl.col("target_value") - pl.col("base_value")) * done
    tol = 1e-12  # a rate on the line exactly is on track, whatever the last bit says
    return (
        j.with_columns(target.alias("target_value"))
        .with_columns(expected.alias("expected_value"))
        .select(
            "centre", "level", "area_code", "age_band", "measure", "base_year_be", "base_value",
            "reduce_by", "target_value", "by_year_be", "expected_value", "actual_value",
            (pl.col("actual_value") - pl.col("target_value")).alias("gap_to_target"),
            (pl.col("actual_value") <= pl.col("expected_value") + tol).alias("on_track"),
            (pl.col("actual_value") <= pl.col("target_value") + tol).alias("attained"),
        )
    )  # fmt: skip


__all__ = [
    "Centre",
    "Target",
    "TargetsError",
    "ancestors",
    "attainment",
    "baselines",
    "load_centres",
    "parse_centre",
    "targets_frame",
]
