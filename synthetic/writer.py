"""Tables in the project's documented input layout, and the files that hold them.

OUT/bmn/<year_be>/households/synthetic_bmn_<year_be>_<province>_households.<csv|parquet>
OUT/bmn/<year_be>/members/synthetic_bmn_<year_be>_<province>_members.<csv|parquet>
OUT/cases/<year_be>/synthetic_cases_<year_be>_<province>.<csv|parquet>

Columns are exactly the catalog's fields in the catalog's order. Codes are digit strings with
their leading zeros; dates are dd/mm/yyyy in the Buddhist Era.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from synthetic import catalog
from synthetic.catalog import BE_OFFSET
from synthetic.survey import Blankable, YearAnswers

FORMATS = ("csv", "parquet")
# Float fields the generator fills with whole numbers; CSV shows them without a decimal part.
WHOLE_NUMBER_FLOATS = frozenset(
    {
        "income_main",
        "income_secondary",
        "income_other",
        "income_own_produce",
        "income_year",
        "birth_weight_g",
    }
)
CSV_FLOAT_DECIMALS = 1  # the water amounts

_DTYPES = {"str": pl.Utf8, "int": pl.Int64, "float": pl.Float64}


@dataclass
class YearFrames:
    """One province's household and member tables for one survey year.

    A later defect-injection step takes and returns these, between generation and writing.
    """

    year: int
    province: str
    households: pl.DataFrame
    members: pl.DataFrame


def _be_date_strings(yyyymmdd: np.ndarray) -> pl.Series:
    """yyyymmdd (CE) -> dd/mm/yyyy (BE)."""
    text = pl.Series(yyyymmdd.astype(np.int64) + BE_OFFSET * 10_000).cast(pl.Utf8)
    return pl.select(
        pl.concat_str(
            [text.str.slice(6, 2), text.str.slice(4, 2), text.str.slice(0, 4)], separator="/"
        )
    ).to_series()


def _column(field: catalog.Field, value: np.ndarray | Blankable) -> pl.Series:
    answered = None
    if isinstance(value, Blankable):
        value, answered = value.values, value.answered
    if field.name == "birth_date":
        series = _be_date_strings(value)
    elif field.digits:
        series = pl.Series(value.astype(np.int64)).cast(pl.Utf8).str.zfill(field.digits)
    else:
        series = pl.Series(value).cast(_DTYPES[field.type])
    if answered is not None:
        series = pl.select(pl.when(pl.Series(answered)).then(series).otherwise(None)).to_series()
    return series.alias(field.name)


def _frame(source: str, columns: dict[str, np.ndarray | Blankable]) -> pl.DataFrame:
    wanted = [f.name for f in catalog.fields(source)]
    if set(wanted) != set(columns):
        missing, extra = set(wanted) - set(columns), set(columns) - set(wanted)
        raise ValueError(f"{source}: generator lacks {sorted(missing)}, has extra {sorted(extra)}")
    return pl.DataFrame([_column(f, columns[f.name]) for f in catalog.fields(source)])


def to_frames(year: int, province: str, answers: YearAnswers) -> YearFrames:
    return YearFrames(
        year=year,
        province=province,
        households=_frame(catalog.HOUSEHOLD_SOURCE, answers.households),
        members=_frame(catalog.MEMBER_SOURCE, answers.members),
    )


def file_path(out: Path, year: int, province: str, table: str, fmt: str) -> Path:
    return out / "bmn" / str(year) / table / f"synthetic_bmn_{year}_{province}_{table}.{fmt}"


def _write(frame: pl.DataFrame, path: Path, fmt: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        whole = [c for c in frame.columns if c in WHOLE_NUMBER_FLOATS]
        frame.with_columns(pl.col(whole).cast(pl.Int64)).write_csv(
            path,
            include_header=True,
            separator=",",
            line_terminator="\n",
            null_value="",
            float_precision=CSV_FLOAT_DECIMALS,
        )
    elif fmt == "parquet":
        frame.write_parquet(path, compression="zstd", statistics=True)
    else:
        raise ValueError(f"unknown format {fmt!r}; use one of {FORMATS}")


def write_year(out: Path, frames: YearFrames, fmt: str) -> list[Path]:
    paths = []
    for table, frame in (("households", frames.households), ("members", frames.members)):
        path = file_path(out, frames.year, frames.province, table, fmt)
        _write(frame, path, fmt)
        paths.append(path)
    return paths


def write_cases(out: Path, year: int, province: str, frame: pl.DataFrame, fmt: str) -> Path:
    """OUT/cases/<year_be>/synthetic_cases_<year_be>_<province>.<fmt> (docs/marts.md, "Case
    records")."""
    path = out / "cases" / str(year) / f"synthetic_cases_{year}_{province}.{fmt}"
    _write(frame, path, fmt)
    return path


def write_readme(
    out: Path,
    *,
    scale: str,
    fraction: float,
    seed: int,
    years: list[int],
    provinces: list[str],
    fmt: str,
    calibration_source: str,
    defects: float = 0.0,
) -> Path:
    # No timestamp: the same arguments must give byte-identical output.
    defect_note = (
        f"about {defects:.2%} of rows carry one realistic defect (defects.py): some are "
        "repaired on the way in, the rest quarantined"
        if defects
        else "none (clean files)"
    )
    text = f"""# SYNTHETIC DATA: not real people

Every household and person in this folder is **synthetic**, generated by Chipao
(the `synthetic` package, `chipao generate`). No row describes a real person or dwelling; citizen
IDs and house codes have the right structure and check digits but are made up.

- seed: {seed}
- scale: {scale} (fraction {fraction:.6g} of the real households per district)
- survey years (BE): {", ".join(str(y) for y in years)}
- provinces: {len(provinces)} ({", ".join(provinces)})
- format: {fmt}
- defects: {defect_note}
- calibration source: {calibration_source}; district rates of the 17 TPMAP indicators,
  household size, elderly, disability, chronic illness and welfare-card shares. Geography:
  DOPA codes from the `geothai` package; village numbers are synthetic.

Layout (the project's input layout):

    bmn/<year_be>/households/synthetic_bmn_<year_be>_<province>_households.{fmt}
    bmn/<year_be>/members/synthetic_bmn_<year_be>_<province>_members.{fmt}
    cases/<year_be>/synthetic_cases_<year_be>_<province>.{fmt}

Columns follow schemas/catalog/fields.yaml (sources bmn_household, bmn_member and
case_record), in order. The case records say which deprived households were helped; help
works better on some problems than others and shows in the next year's answers.
The same households and people appear in every year (a panel): people age, some die and some
are born; each year about 3 % of the 18-34s move (into another household, or one of their own),
about 1 % of the households are re-registered under a new house code and 0.4 % leave the
province; a person keeps their citizen ID throughout. Deprivation falls unevenly between
districts over the years.
"""
    out.mkdir(parents=True, exist_ok=True)
    path = out / "README.md"
    path.write_text(text, encoding="utf-8", newline="\n")
    return path
