"""The first survey year reproduces the TPMAP 2561 district rates it is calibrated to, counted
as TPMAP counts them (by household)."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from synthetic import calibration
from tests.synthetic.synthetic_checks import (
    INDICATORS,
    gini,
    households_counted,
    person_flags,
    read_table,
    with_mpi,
)


@pytest.fixture(scope="module")
def first_year(calibration_sample) -> pl.DataFrame:
    year = min(calibration_sample.years)
    flags = with_mpi(
        person_flags(
            read_table(calibration_sample.out, "households", year),
            read_table(calibration_sample.out, "members", year),
        )
    )
    targets = calibration.district_targets()
    district = pl.DataFrame(
        {
            "district": targets.codes,
            "target_poor_share": targets.target_poor_share,
            "elderly_share": targets.elderly_share,
            "disabled_share": targets.disabled_share,
            "verified_share": targets.verified_share,
            **{f"rate {code}": targets.deprivation[code] for code in INDICATORS},
        }
    )
    return flags.with_columns(pl.col("house_code").str.slice(0, 4).alias("district")).join(
        district, on="district", how="left"
    )


@pytest.fixture(scope="module")
def households(first_year) -> pl.DataFrame:
    rates = first_year.select("district", *(f"rate {c}" for c in INDICATORS)).unique("district")
    return households_counted(first_year).join(rates, on="district", how="left")


def test_sample_is_moderately_large(first_year):
    assert 25_000 < first_year.height < 50_000


@pytest.mark.parametrize("code", INDICATORS)
def test_indicator_rate_matches_tpmap(households, code):
    # TPMAP's CNT/ALL: people of the failing households over people of the households in scope.
    in_scope = households.filter(pl.col(f"in {code}"))
    size = in_scope["persons"].cast(pl.Float64)
    observed = (size * in_scope[f"fails {code}"]).sum() / size.sum()
    # TPMAP's district rates weighted by the sample's own people in scope.
    expected = (size * in_scope[f"rate {code}"]).sum() / size.sum()
    # Households fail as wholes: the variance of a share of people counted by household is
    # p (1 - p) sum(size^2) / sum(size)^2.
    se = math.sqrt(expected * (1 - expected) * (size**2).sum()) / size.sum()
    assert abs(observed - expected) <= 4.0 * se + 3e-4, (code, in_scope.height, observed, expected)


def test_rates_differ_between_districts_as_tpmap_does(households):
    # Compulsory education (3.2) varies a lot between districts: the sample must follow.
    by_district = (
        households.filter(pl.col("in 3.2"))
        .group_by("district")
        .agg(
            ((pl.col("persons") * pl.col("fails 3.2")).sum() / pl.col("persons").sum()).alias(
                "observed"
            ),
            pl.col("rate 3.2").first().alias("tpmap"),
        )
    )
    assert np.corrcoef(by_district["observed"], by_district["tpmap"])[0, 1] > 0.6


def test_income_failure_rate_matches_tpmap(first_year):
    observed = first_year["4.3"].mean()
    expected = first_year["rate 4.3"].mean()
    assert abs(observed - expected) < 0.35 * expected + 5e-4


def test_target_poor_share_matches_tpmap(first_year):
    observed = first_year["target_poor"].mean()
    expected = first_year["target_poor_share"].mean()
    assert abs(observed - expected) < 0.12 * expected
    # Target poor are MPI-poor card holders, and the card favours the poor.
    poor = first_year.filter(pl.col("mpi_poor"))
    assert (poor["welfare_card"] == 2).mean() > (first_year["welfare_card"] == 2).mean()


def test_population_shares_match_tpmap(first_year):
    elderly = (first_year["age"] >= 60).mean()
    assert abs(elderly - first_year["elderly_share"].mean()) < 0.015
    disabled = first_year["disabled"].mean()
    assert abs(disabled - first_year["disabled_share"].mean()) < 0.004
    verified = (first_year["welfare_card"] == 2).mean()
    assert abs(verified - first_year["verified_share"].mean()) < 0.02
    male = (first_year["sex"] == 1).mean()
    assert 0.47 < male < 0.51


def test_household_size_matches_tpmap(calibration_sample):
    year = min(calibration_sample.years)
    targets = calibration.district_targets().for_province("30")
    expected = targets.persons.sum() / targets.households.sum()
    observed = calibration_sample.persons[year] / calibration_sample.households[year]
    assert abs(observed - expected) < 0.05 * expected


def test_gini_of_per_capita_income_is_near_thailands(mixed_sample):
    flags = person_flags(
        read_table(mixed_sample.out, "households"), read_table(mixed_sample.out, "members")
    )
    value = gini(flags["per_capita_income"].to_numpy())
    assert 0.36 <= value <= 0.42


def test_gini_helper_on_known_values():
    assert gini(np.array([1.0, 1.0, 1.0])) == pytest.approx(0.0)
    assert gini(np.array([0.0, 0.0, 0.0, 1.0])) == pytest.approx(0.75)
