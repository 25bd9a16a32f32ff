"""Answers agree with each other and with age; the panel improves over the years."""

from __future__ import annotations

import re

import numpy as np
import polars as pl

from schemas import catalog
from synthetic import income
from tests.synthetic.synthetic_checks import (
    INCOME_CRITERION,
    INCOME_ITEMS,
    person_flags,
    read_table,
    with_age,
    with_mpi,
)


def _members(sample) -> pl.DataFrame:
    return with_age(read_table(sample.out, "members"))


def _answered_exactly_when(frame: pl.DataFrame, column: str, scope: pl.Expr) -> bool:
    return frame.select((pl.col(column).is_not_null() == scope).all()).item()


def test_optional_answers_only_in_scope(tiny):
    m = _members(tiny)
    age = pl.col("age")
    assert _answered_exactly_when(m, "birth_weight_g", age <= 1)
    assert _answered_exactly_when(m, "exercise", age >= 6)
    assert _answered_exactly_when(m, "literate", age.is_between(15, 59))
    assert _answered_exactly_when(m, "grade9_completed", age.is_between(14, 16))
    assert _answered_exactly_when(m, "continued_grade10", pl.col("grade9_completed") == 1)
    assert _answered_exactly_when(m, "cared_for", (age >= 60) | (pl.col("disabled") == 1))


def test_grade9_is_completed_mostly_at_15(tiny):
    m = _members(tiny).filter(pl.col("age") == 15)
    share = m["grade9_completed"].mean()
    assert 0.6 < share < 0.95


def test_schooling_fits_age(tiny):
    m = _members(tiny)

    def schooling(lo: int, hi: int) -> set[int]:
        return set(m.filter(pl.col("age").is_between(lo, hi))["schooling"].unique().to_list())

    assert schooling(0, 1) == {0}
    assert schooling(3, 5) <= {0, 1}
    assert schooling(6, 13) <= {0, 2}
    assert schooling(26, 120) == {0}
    kids = m.filter(pl.col("age").is_between(6, 14))
    assert (kids["schooling"] == 2).mean() > 0.7
    teens = m.filter(pl.col("age").is_between(15, 17))
    assert (teens["schooling"] == 3).mean() > 0.6


def test_occupation_and_income_agree(tiny):
    m = _members(tiny)
    assert (m.filter(pl.col("occupation") == 0)["income_year"] == 0).all()
    assert (m.filter(pl.col("age") < 15)["occupation"] == 0).all()
    assert (m["able_to_work"] == 1).mean() > 0.7
    assert (m["self_care"] == 1).mean() > 0.9


def test_personal_incomes_add_up_to_the_household_earnings(tiny):
    households = read_table(tiny.out, "households")
    earned = (
        read_table(tiny.out, "members")
        .group_by("survey_year", "house_code")
        .agg(pl.col("income_year").sum().alias("personal"), pl.len().alias("n"))
    )
    joined = households.join(earned, on=["survey_year", "house_code"]).with_columns(
        (pl.col("income_main") + pl.col("income_secondary")).alias("earned")
    )
    gap = joined["earned"] - joined["personal"]
    assert (gap.abs() <= joined["n"]).all()  # only rounding to whole baht


def test_household_income_items_are_whole_and_plausible(tiny):
    households = read_table(tiny.out, "households")
    per_capita = households.select(
        pl.sum_horizontal(INCOME_ITEMS) / pl.col("members_declared")
    ).to_series()
    assert 40_000 < per_capita.median() < 120_000
    for item in INCOME_ITEMS:
        assert (households[item] == households[item].round(0)).all()


def _poverty_by_year(sample) -> pl.DataFrame:
    flags = with_mpi(
        person_flags(read_table(sample.out, "households"), read_table(sample.out, "members"))
    )
    return (
        flags.group_by("survey_year")
        .agg(
            pl.col("mpi_poor").mean(),
            pl.col("target_poor").mean(),
            # TPMAP 2567's rule: MPI-poor registered for the card, verified or not
            (pl.col("mpi_poor") & (pl.col("welfare_card") >= 1)).mean().alias("registered_poor"),
        )
        .sort("survey_year")
    )


def test_later_years_have_fewer_mpi_poor(tiny, calibration_sample):
    for sample in (tiny, calibration_sample):
        rates = _poverty_by_year(sample)
        first, later = rates.row(0, named=True), rates.slice(1)
        assert (later["mpi_poor"] < first["mpi_poor"]).all()
        assert (later["target_poor"] < first["target_poor"]).all()


def test_summary_poverty_counts_match_the_files(calibration_sample):
    """The summary's target poor follow the rule of each year's TPMAP year, as the warehouse's
    do: 2565 (TPMAP 2566) verified cards, 2567 (TPMAP 2568) any registration."""
    rates = _poverty_by_year(calibration_sample)
    assert [catalog.target_poor_rule(y) for y in rates["survey_year"]] == [
        "card_verified",
        "card_any",
    ]
    for row in rates.iter_rows(named=True):
        year = row["survey_year"]
        persons = calibration_sample.persons[year]
        by_rule = {"card_verified": row["target_poor"], "card_any": row["registered_poor"]}
        assert abs(calibration_sample.mpi_poor[year] / persons - row["mpi_poor"]) < 1e-9
        assert abs(calibration_sample.verified_poor[year] / persons - row["target_poor"]) < 1e-9
        target = by_rule[catalog.target_poor_rule(year)]
        assert abs(calibration_sample.target_poor[year] / persons - target) < 1e-9
    # The printed summary names each year's rule, so a change of rule reads as one.
    printed = str(calibration_sample).splitlines()
    assert printed[1].endswith("(TPMAP 2566 rule card_verified)")
    assert re.search(r"\(TPMAP 2568 rule card_any, verified \d+\.\d\d%\)$", printed[2])


def test_incomes_run_down_to_zero_without_an_earner():
    criterion = 38_000.0
    gap = np.array([-5.0, -5.0, -0.01, 0.5])  # far below, far below, just below, above
    propensity = gap - 3.0  # threshold -3: a district where few fail
    has_earner = np.array([False, True, True, True])
    per_capita = income.per_capita_income(
        propensity, gap, np.full(4, 10.0), np.ones(4), criterion, has_earner
    )
    assert per_capita[0] == 0.0  # nobody earns: no income at all
    assert 0.0 < per_capita[1] <= 0.01 * criterion  # an earner: a few hundred baht
    assert 0.8 * criterion < per_capita[2] < criterion
    assert per_capita[3] > criterion


def test_households_below_the_criterion_include_very_low_incomes(tiny):
    households = read_table(tiny.out, "households")
    total = households.select(pl.sum_horizontal(INCOME_ITEMS)).to_series()
    per_capita = total / households["members_declared"]
    assert (per_capita < 0.1 * INCOME_CRITERION).sum() >= 3
    # A household with no income has nobody with an income of their own.
    broke = households.filter(total == 0).select("survey_year", "house_code")
    members = read_table(tiny.out, "members").join(broke, on=["survey_year", "house_code"])
    assert broke.height >= 1 and (members["income_year"] == 0).all()


def test_unable_to_work_stays_in_scope_of_41_unless_disabled_or_ill(tiny):
    # The survey app leaves out of 4.1 only those unable to work AND disabled or chronically ill.
    in_scope = _members(tiny).filter(
        pl.col("age").is_between(15, 59),
        ~pl.col("schooling").is_in([2, 3, 4]),
        pl.col("able_to_work") == 0,
        pl.col("disabled") == 0,
        pl.col("chronic_illness") == 0,
    )
    assert in_scope.height > 0
    working = in_scope.filter(pl.col("occupation") > 0)
    assert working.height > 0 and set(working["occupation"]) == {5}  # income without a trade
