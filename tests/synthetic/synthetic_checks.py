"""Read generated BMN files back and score them with the indicator rules, independently of the
generator's internals (the rules are written here from indicators.yaml's words)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import yaml

CATALOG = Path(__file__).resolve().parents[2] / "schemas" / "catalog"

YEARS = (2565, 2566, 2567)
# A large province at a fraction giving ~34,000 people: enough for rates near 1 % to be checked.
CALIBRATION_PROVINCE = "30"  # Nakhon Ratchasima, 32 districts
CALIBRATION_FRACTION = 0.02
# One province per region and a few more, roughly demo-sized per province.
MIXED_PROVINCES = ("11", "20", "30", "34", "41", "50", "58", "65", "80", "90", "96")
MIXED_FRACTION = 0.006

INCOME_CRITERION = 38_000  # survey_rules.yaml, both editions
INCOME_ITEMS = ["income_main", "income_secondary", "income_other", "income_own_produce"]
SOURCES = {"households": "bmn_household", "members": "bmn_member"}
DTYPES = {"str": pl.Utf8, "int": pl.Int64, "float": pl.Float64}


def catalog_fields(table: str) -> list[dict]:
    fields = yaml.safe_load((CATALOG / "fields.yaml").read_text(encoding="utf-8"))
    return fields["sources"][SOURCES[table]]["fields"]


def read_table(out: Path, table: str, year: int | None = None) -> pl.DataFrame:
    """All files of one table (one year or every year), typed as fields.yaml says."""
    pattern = f"bmn/{year or '*'}/{table}/*"
    paths = sorted(out.glob(pattern))
    if not paths:
        raise FileNotFoundError(f"no {table} files under {out}")
    if paths[0].suffix == ".parquet":
        return pl.concat([pl.read_parquet(p) for p in paths])
    schema = {f["name"]: DTYPES[f["type"]] for f in catalog_fields(table)}
    return pl.concat([pl.read_csv(p, schema=schema) for p in paths])


def with_age(members: pl.DataFrame) -> pl.DataFrame:
    """Completed years on 31 March of the survey year (CE = BE - 543)."""
    parts = pl.col("birth_date").str.split("/")
    day = parts.list.get(0).cast(pl.Int32)
    month = parts.list.get(1).cast(pl.Int32)
    year_ce = parts.list.get(2).cast(pl.Int32) - 543
    survey_ce = pl.col("survey_year") - 543
    return members.with_columns(
        (survey_ce - year_ce - ((month * 100 + day) > 331).cast(pl.Int32)).alias("age")
    )


def person_flags(households: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """One row per member: for each indicator, 1 deprived, 0 not, null not in scope.

    A blank answer from a person in scope counts as not deprived (issue 8, item 11)."""
    per_capita = pl.sum_horizontal(INCOME_ITEMS) / pl.col("members_declared")
    house = households.select(
        "survey_year",
        "house_code",
        pl.col("village_code"),
        (pl.col("food_safe") == 0).alias("1.2"),
        (pl.col("medicine_safe") == 0).alias("1.3"),
        (pl.col("housing_secure") == 0).alias("2.1"),
        (pl.col("drinking_water_lpd") < 5).alias("2.2"),
        (pl.col("domestic_water_lpd") < 45).alias("2.3"),
        (pl.col("home_hygienic") == 0).alias("2.4"),
        (per_capita < INCOME_CRITERION).alias("4.3"),
        per_capita.alias("per_capita_income"),
    )
    age = pl.col("age")
    no_work = (pl.col("occupation") == 0) | (pl.col("income_year") == 0)
    student = pl.col("schooling").is_in([2, 3, 4])
    # The survey app leaves out of 4.1 only those unable to work and disabled or chronically ill.
    excused = (pl.col("able_to_work") == 0) & (
        (pl.col("disabled") == 1) | (pl.col("chronic_illness") == 1)
    )

    def scoped(scope: pl.Expr, deprived: pl.Expr, code: str) -> pl.Expr:
        return pl.when(scope).then(deprived.fill_null(False)).otherwise(None).alias(code)

    people = with_age(members).join(house, on=["survey_year", "house_code"], how="left")
    return people.with_columns(
        scoped(age <= 1, pl.col("birth_weight_g") < 2500, "1.1"),
        scoped(age >= 6, pl.col("exercise") == 0, "1.4"),
        scoped(age.is_between(3, 5), pl.col("schooling") != 1, "3.1"),
        scoped(age.is_between(6, 14), pl.col("schooling") == 0, "3.2"),
        scoped(pl.col("grade9_completed") == 1, pl.col("continued_grade10") == 0, "3.3"),
        scoped(age.is_between(15, 59), pl.col("literate") == 0, "3.4"),
        scoped(age.is_between(15, 59) & ~student & ~excused.fill_null(False), no_work, "4.1"),
        scoped((age >= 60) & (pl.col("self_care") == 1), no_work, "4.2"),
        scoped(age >= 60, pl.col("cared_for") == 0, "5.1"),
        scoped(pl.col("disabled") == 1, pl.col("cared_for") == 0, "5.2"),
    )


_CATALOG_INDICATORS = [
    i
    for edition in yaml.safe_load((CATALOG / "indicators.yaml").read_text(encoding="utf-8"))[
        "editions"
    ]
    for i in edition["indicators"]
]
INDICATORS = [str(i["code"]) for i in _CATALOG_INDICATORS]
COUNTED_BY_PERSON = {str(i["code"]) for i in _CATALOG_INDICATORS if i["counted_by"] == "person"}
HOUSEHOLD = ["survey_year", "house_code"]


def households_counted(flags: pl.DataFrame) -> pl.DataFrame:
    """TPMAP's counting, one row per household: `in <code>` when any member is in scope,
    `fails <code>` when any member fails, with the members and the district; `all <code>` and
    `cnt <code>` the people TPMAP counts in scope and deprived (the household's members, or for
    an indicator counted by the person, the members in scope and failing themselves)."""

    def counted(c: str, flag: pl.Expr) -> pl.Expr:
        if c in COUNTED_BY_PERSON:
            return flag.sum()
        return pl.len() * flag.any()

    return flags.group_by(HOUSEHOLD).agg(
        pl.col("village_code").first().str.slice(0, 4).alias("district"),
        pl.len().alias("persons"),
        *(pl.col(c).is_not_null().any().alias(f"in {c}") for c in INDICATORS),
        *(pl.col(c).fill_null(False).any().alias(f"fails {c}") for c in INDICATORS),
        *(counted(c, pl.col(c).is_not_null()).alias(f"all {c}") for c in INDICATORS),
        *(counted(c, pl.col(c).fill_null(False)).alias(f"cnt {c}") for c in INDICATORS),
    )


def with_mpi(flags: pl.DataFrame) -> pl.DataFrame:
    """MPI-poor as TPMAP counts them: every member of a household where anyone fails any
    indicator; target poor: those with a verified card."""
    any_fail = pl.any_horizontal([pl.col(c).fill_null(False) for c in INDICATORS])
    poor = any_fail.any().over(HOUSEHOLD)
    return flags.with_columns(
        poor.alias("mpi_poor"),
        (poor & (pl.col("welfare_card") == 2)).alias("target_poor"),
    )


def gini(values: np.ndarray) -> float:
    """Gini of equally weighted observations (each person counts once)."""
    x = np.sort(np.asarray(values, dtype=np.float64))
    n = x.size
    ranks = np.arange(1, n + 1)
    return float(2.0 * (ranks * x).sum() / (n * x.sum()) - (n + 1.0) / n)


def valid_citizen_id(code: str) -> bool:
    if len(code) != 13 or not code.isdigit():
        return False
    total = sum(int(code[i]) * (13 - i) for i in range(12))
    return (11 - total % 11) % 10 == int(code[12])
