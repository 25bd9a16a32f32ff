"""How close a generated sample is to TPMAP 2561, counted by TPMAP's own rules.

TPMAP counts every indicator by household (docs/domain.md §3): a household is in scope of an
indicator when any member is, and fails it when any member in scope fails (household indicators:
when the household fails). `indicatorN.ALL` is the people of the households in scope,
`indicatorN.CNT` the people of the failing households, and the MPI-poor are the people of the
households failing any of the 17. Target poor: MPI-poor with a verified welfare card (TPMAP 2561,
2560 register). A blank answer from a person in scope counts as not deprived.

The rules are written here from indicators.yaml's words, on the rows as written (the catalog's
fields), not from the generator's internals, so the generator is checked by what it wrote.
Pure polars; nothing of the pipeline. `district_counts` runs per province and year; `report`
compares their sum with TPMAP's counts of the same districts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl

from synthetic import calibration, catalog

# The bounds of issue 8 on the calibrated (first) survey year, in shares (0.005 = 0.5 points).
MPI_POOR_BOUND = 0.005
TARGET_POOR_BOUND = 0.001
VERIFIED_BOUND = 0.015  # "near": MPI-poor and target-poor within their bounds allow about this
INDICATOR_BOUND = 0.005
MIN_DISTRICT_CORRELATION = 0.9

INCOME_ITEMS = ("income_main", "income_secondary", "income_other", "income_own_produce")
VERIFIED_CARD = 2


def _age() -> pl.Expr:
    """Completed years on the catalog's reference day of the survey year (both in BE)."""
    month, day = catalog.age_reference_day()
    parts = pl.col("birth_date").str.split("/")
    born_md = parts.list.get(1).cast(pl.Int32) * 100 + parts.list.get(0).cast(pl.Int32)
    years = pl.col("survey_year").cast(pl.Int32) - parts.list.get(2).cast(pl.Int32)
    return years - (born_md > month * 100 + day).cast(pl.Int32)


def _is(column: str, value: int) -> pl.Expr:
    return (pl.col(column) == value).fill_null(False)


def _rules(criterion: float) -> dict[str, tuple[pl.Expr, pl.Expr]]:
    """Indicator code -> (in scope, deprived), per member row joined with its household."""
    age = pl.col("age")
    every = pl.lit(True)
    per_capita = pl.sum_horizontal(INCOME_ITEMS) / pl.col("members_declared")
    no_work = _is("occupation", 0) | _is("income_year", 0)
    student = pl.col("schooling").is_in([2, 3, 4]).fill_null(False)
    excused = _is("able_to_work", 0) & (_is("disabled", 1) | _is("chronic_illness", 1))
    return {
        "1.1": (age <= 1, (pl.col("birth_weight_g") < 2500).fill_null(False)),
        "1.2": (every, _is("food_safe", 0)),
        "1.3": (every, _is("medicine_safe", 0)),
        "1.4": (age >= 6, _is("exercise", 0)),
        "2.1": (every, _is("housing_secure", 0)),
        "2.2": (every, (pl.col("drinking_water_lpd") < 5).fill_null(False)),
        "2.3": (every, (pl.col("domestic_water_lpd") < 45).fill_null(False)),
        "2.4": (every, _is("home_hygienic", 0)),
        "3.1": (age.is_between(3, 5), (pl.col("schooling") != 1).fill_null(False)),
        "3.2": (age.is_between(6, 14), _is("schooling", 0)),
        "3.3": (_is("grade9_completed", 1), _is("continued_grade10", 0)),
        "3.4": (age.is_between(15, 59), _is("literate", 0)),
        "4.1": (age.is_between(15, 59) & ~student & ~excused, no_work),
        "4.2": ((age >= 60) & _is("self_care", 1), no_work),
        "4.3": (every, (per_capita < criterion).fill_null(False)),
        "5.1": (age >= 60, _is("cared_for", 0)),
        "5.2": (_is("disabled", 1), _is("cared_for", 0)),
    }


def codes() -> list[str]:
    return [ind.code for ind in catalog.indicators()]


HOUSEHOLD_COLUMNS = (
    "members_declared",
    *INCOME_ITEMS,
    "food_safe",
    "medicine_safe",
    "housing_secure",
    "drinking_water_lpd",
    "domestic_water_lpd",
    "home_hygienic",
)


@cache
def _aggregations(criterion: float) -> tuple[tuple[pl.Expr, ...], tuple[pl.Expr, ...]]:
    """Per-household and per-district aggregations, built once per criterion (building the
    polars expressions costs more than running them on a province)."""
    rules = _rules(criterion)
    if set(rules) != set(codes()):
        raise ValueError(f"check.py scores {sorted(rules)}, indicators.yaml lists {codes()}")
    # One bit per indicator: a household's scope and failures are the OR of its members'.
    bits = {code: 1 << i for i, code in enumerate(rules)}
    scope_bits = pl.sum_horizontal(
        pl.when(scope).then(bits[code]).otherwise(0) for code, (scope, _) in rules.items()
    )
    fail_bits = pl.sum_horizontal(
        pl.when(scope & deprived).then(bits[code]).otherwise(0)
        for code, (scope, deprived) in rules.items()
    )
    per_household = (
        pl.col("district").first(),
        pl.len().alias("persons"),
        (pl.col("welfare_card") == VERIFIED_CARD).fill_null(False).sum().alias("verified"),
        scope_bits.cast(pl.Int64).bitwise_or().alias("scope"),
        fail_bits.cast(pl.Int64).bitwise_or().alias("fails"),
    )
    persons = pl.col("persons").cast(pl.Int64)
    poor = (pl.col("fails") > 0).cast(pl.Int64)
    per_district = (
        pl.len().cast(pl.Int64).alias("households"),
        persons.sum().alias("persons"),
        (persons * poor).sum().alias("mpi_poor"),
        (pl.col("verified").cast(pl.Int64) * poor).sum().alias("target_poor"),
        *(
            (persons * (pl.col(mask).and_(bits[code]) > 0).cast(pl.Int64))
            .sum()
            .alias(f"{name}_{code}")
            for code in rules
            for mask, name in (("scope", "all"), ("fails", "cnt"))
        ),
    )
    return per_household, per_district


def district_counts(households: pl.DataFrame, members: pl.DataFrame, year: int) -> pl.DataFrame:
    """Per district (first 4 digits of the village code): households, persons, MPI-poor and
    target-poor persons, and all_<code> / cnt_<code> per indicator, counted as TPMAP does."""
    per_household, per_district = _aggregations(catalog.income_criterion(year))
    key = ["survey_year", "house_code"]
    house = households.lazy().select(
        *key, pl.col("village_code").str.slice(0, 4).alias("district"), *HOUSEHOLD_COLUMNS
    )
    return (
        members.lazy()
        .join(house, on=key, how="inner")
        .with_columns(_age().alias("age"))
        .group_by(key)
        .agg(*per_household)
        .group_by("district")
        .agg(*per_district)
        .sort("district")
        .collect()
    )


@dataclass(frozen=True)
class Figure:
    name: str
    observed: float
    target: float  # TPMAP 2561 over the same districts; for a correlation, its minimum
    bound: float | None  # |observed - target| allowed; None: observed must reach the target

    @property
    def passed(self) -> bool:
        if self.bound is None:
            return self.observed >= self.target
        return abs(self.observed - self.target) <= self.bound + 1e-12

    def __str__(self) -> str:
        verdict = "pass" if self.passed else "FAIL"
        if self.bound is None:
            return f"{self.name} {self.observed:.3f} (at least {self.target:.2f}): {verdict}"
        return (
            f"{self.name} {self.observed:.2%} (TPMAP 2561 {self.target:.2%}, "
            f"±{self.bound * 100:.1f} points): {verdict}"
        )


@dataclass(frozen=True)
class Report:
    year: int
    figures: tuple[Figure, ...]

    @property
    def passed(self) -> bool:
        return all(f.passed for f in self.figures)

    def figure(self, name: str) -> Figure:
        return next(f for f in self.figures if f.name == name)

    def lines(self) -> list[str]:
        failed = [f.name for f in self.figures if not f.passed]
        head = f"check of {self.year} against TPMAP 2561 (household counting): " + (
            "every figure within its bound" if not failed else f"{len(failed)} out of bounds"
        )
        return [head, *(f"  {f}" for f in self.figures)]


def _share(numerator: pl.Series, denominator: pl.Series) -> float:
    total = float(denominator.sum())
    return float(numerator.sum()) / total if total else float("nan")


def _district_correlation(sample: pl.DataFrame, tpmap: pl.DataFrame) -> float:
    both = sample.join(tpmap, on="district", suffix="_tpmap").filter(pl.col("persons") > 0)
    if both.height < 3:
        return float("nan")
    ours = (both["mpi_poor"] / both["persons"]).to_numpy()
    theirs = (both["mpi_poor_tpmap"] / both["persons_tpmap"]).to_numpy()
    return float(np.corrcoef(ours, theirs)[0, 1])


def report(counts: pl.DataFrame, year: int) -> Report:
    """Compare summed `district_counts` with TPMAP 2561's counts of the same districts."""
    sample = counts.group_by("district").agg(pl.exclude("district").sum())
    tpmap = calibration.tpmap_counts().filter(pl.col("district").is_in(sample["district"]))

    def pair(num: str, den: str) -> tuple[float, float]:
        return _share(sample[num], sample[den]), _share(tpmap[num], tpmap[den])

    figures = [
        Figure("MPI-poor", *pair("mpi_poor", "persons"), MPI_POOR_BOUND),
        Figure("target poor", *pair("target_poor", "persons"), TARGET_POOR_BOUND),
        Figure("verified among MPI-poor", *pair("target_poor", "mpi_poor"), VERIFIED_BOUND),
        *(
            Figure(f"indicator {c} CNT/ALL", *pair(f"cnt_{c}", f"all_{c}"), INDICATOR_BOUND)
            for c in codes()
        ),
        Figure(
            "district correlation of MPI-poor rates",
            _district_correlation(sample, tpmap),
            MIN_DISTRICT_CORRELATION,
            None,
        ),
    ]
    return Report(year=year, figures=tuple(figures))
