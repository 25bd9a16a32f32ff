"""Case records (ThaiQM / TPMAP Logbook) for the synthetic households, and the help that works.

In each survey year some deprived households get a case per problem (an indicator they fail);
help reaches some of them, more often on some dimensions, and the help given works better on
some problems than others: a helped household is lifted out of deprivation on the indicator in
the next survey year with the probability EFFECT gives (ProvinceModel.lifted, read by
survey.answer_year). Person-level problems (literacy, work) are helped too, without effect.
The first year's answers are never changed, so its TPMAP calibration (check.py) stands; later
years lose a few deprivations more than the district trends (modest: EFFECT x HELP x RAISED).

One row per status change (the catalog's case_record, docs/marts.md "Case records"): a problem that
went past `target` has its first row (target, current 0) and its current row (current 1).
"""

from __future__ import annotations

import numpy as np
import polars as pl

from synthetic import catalog, deprivation
from synthetic.catalog import BE_OFFSET
from synthetic.survey import YearAnswers

CASE_SOURCE = "case_record"
RAISED = 0.35  # of the households deprived on an indicator, those with a case on it
HELP = {"health": 0.6, "living": 0.5, "education": 0.4, "income": 0.3, "access": 0.4}
EFFECT = {  # helped -> out of deprivation on the indicator the next year; 0: no effect
    "1.2": 0.5, "1.3": 0.4, "2.1": 0.15, "2.2": 0.6, "2.3": 0.5, "2.4": 0.3, "4.3": 0.2,
    "3.4": 0.0, "4.1": 0.0,
}  # fmt: skip
OTHER_STATUS = (("target", 0.35), ("in_progress", 0.3), ("solved_by_household", 0.2),
                ("unreachable", 0.15))  # fmt: skip
AGENCY = {
    "health": "สำนักงานสาธารณสุขอำเภอ", "living": "สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัด",
    "education": "สำนักงานเขตพื้นที่การศึกษา", "income": "สำนักงานพัฒนาชุมชนอำเภอ",
    "access": "องค์กรปกครองส่วนท้องถิ่น",
}  # fmt: skip
ASSISTANCE = {"health": 3, "living": 5, "education": 3, "income": 4, "access": 1}
BUDGET = {"health": 800.0, "living": 15000.0, "education": 2000.0, "income": 3000.0, "access": 1000}


def _dates(days: np.ndarray, year_be: int) -> pl.Series:
    """Days after 1 May of the survey year (CE) as dd/mm/yyyy BE."""
    start = np.datetime64(f"{year_be - BE_OFFSET}-05-01")
    day = pl.Series((start + days.astype("timedelta64[D]")).astype("datetime64[D]"))
    return (day.dt.strftime("%d/%m/") + (day.dt.year() + BE_OFFSET).cast(pl.Utf8)).alias("d")


def cases_for_year(
    rng: np.random.Generator, model, answers: YearAnswers, year_be: int
) -> pl.DataFrame:
    """The year's case rows, in the catalog's columns; sets ``model.lifted`` for the next year."""
    dimension_of = {i.code: i.dimension for i in catalog.indicators()}
    parts, lifted = [], {}
    house_codes = model.house_code_in(year_be)  # a re-registered house's code of the year
    for code, deprived in answers.deprived.items():
        dimension = dimension_of[code]
        houses = answers.house[deprived & (rng.random(deprived.size) < RAISED)]
        n = houses.size
        if n == 0:
            continue
        helped = rng.random(n) < HELP[dimension]
        other = rng.choice([s for s, _ in OTHER_STATUS], size=n, p=[p for _, p in OTHER_STATUS])
        status = np.where(helped, "helped", other)
        works = helped & (rng.random(n) < EFFECT[code])
        if code in deprivation.HOUSEHOLD_INDICATORS:  # the ones answer_year can lift
            lift = np.zeros(model.population.n_households, dtype=bool)
            lift[houses[works]] = True
            lifted[code] = lift
        raised = rng.integers(0, 120, n)
        took = 5 + rng.exponential(40.0, n).astype(np.int64)
        resolved = (status == "solved_by_household") | (helped & (rng.random(n) < 0.75))
        budget = np.where(
            helped, np.round(BUDGET[dimension] * rng.lognormal(0.0, 0.5, n), -1), np.nan
        )
        later = status != "target"
        current = pl.DataFrame({
            "house_code": pl.Series(house_codes[houses]).cast(pl.Utf8).str.zfill(11),
            "dimension": dimension, "indicator_code": code, "agency": AGENCY[dimension],
            "date_raised": _dates(raised, year_be),
            "date_resolved": pl.select(
                pl.when(pl.Series(resolved)).then(_dates(raised + took, year_be))
            ).to_series(),
            "assistance_type": pl.select(
                pl.when(pl.Series(helped)).then(ASSISTANCE[dimension])
            ).to_series().cast(pl.Int64),
            "budget_baht": pl.Series(budget).fill_nan(None),
            "status": status,
            "status_date": _dates(np.where(later, raised + took, raised), year_be),
            "current": pl.Series(np.ones(n, dtype=np.int64)),
        })  # fmt: skip
        history = current.filter(pl.Series(later)).with_columns(
            pl.lit(None, pl.Utf8).alias("date_resolved"),
            pl.lit(None, pl.Int64).alias("assistance_type"),
            pl.lit(None, pl.Float64).alias("budget_baht"),
            pl.lit("target").alias("status"),
            pl.col("date_raised").alias("status_date"),
            pl.lit(0, pl.Int64).alias("current"),
        )
        parts += [history, current]
    model.lifted = lifted
    types = {"str": pl.Utf8, "int": pl.Int64, "float": pl.Float64}
    schema = {f.name: types[f.type] for f in catalog.fields(CASE_SOURCE)}
    if not parts:
        return pl.DataFrame(schema=schema)
    rows = pl.concat([p.select(list(schema)).cast(schema) for p in parts])
    return rows.sort("house_code", "indicator_code")
