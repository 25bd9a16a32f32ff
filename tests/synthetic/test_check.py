"""synthetic.check: TPMAP's household counting on generated rows, and the tiny province against
its own TPMAP 2561 figures."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from pipelines.cli import main
from synthetic import check, deprivation
from tests.handmade import household, member, write_landing
from tests.synthetic.synthetic_checks import (
    INDICATORS,
    households_counted,
    person_flags,
    read_table,
    with_mpi,
)

SIGMAS = 4.0  # a figure this many standard errors off is a calibration error, not chance


def _households(sample) -> pl.DataFrame:
    year = sample.years[0]
    flags = with_mpi(
        person_flags(
            read_table(sample.out, "households", year), read_table(sample.out, "members", year)
        )
    )
    poor = flags.group_by("survey_year", "house_code").agg(
        pl.col("mpi_poor").first(), pl.col("target_poor").sum().alias("verified_poor")
    )
    return households_counted(flags).join(poor, on=["survey_year", "house_code"])


def test_check_counts_the_written_files_as_an_independent_reading_does(tiny):
    """check.py scored the frames in memory; the test's own rules score the files on disk."""
    counted = _households(tiny)
    persons = pl.col("persons")
    expected = (
        counted.group_by("district")
        .agg(
            pl.len().alias("households"),
            persons.sum(),
            persons.filter(pl.col("mpi_poor")).sum().alias("mpi_poor"),
            pl.col("verified_poor").sum().alias("target_poor"),
            *(
                pl.col(f"{name} {c}").sum().alias(f"{name}_{c}")
                for c in INDICATORS
                for name in ("all", "cnt")
            ),
        )
        .with_columns(pl.exclude("district").cast(pl.Int64))
        .sort("district")
    )
    got = tiny.district_counts[tiny.years[0]].sort("district")
    assert got.select(expected.columns).equals(expected)
    # The summary's own counts (the generator's internals) agree with the files.
    assert tiny.mpi_poor[tiny.years[0]] == expected["mpi_poor"].sum()
    assert tiny.verified_poor[tiny.years[0]] == expected["target_poor"].sum()


def _clustered_se(p: float, sizes: pl.Series) -> float:
    """Standard error of a share of people when households fail as wholes:
    sqrt(p (1 - p) sum(size^2)) / sum(size). For target poor (the card is per person) this is
    an upper bound."""
    w = sizes.cast(pl.Float64)
    return math.sqrt(max(p * (1 - p), 0.0) * (w**2).sum()) / w.sum()


def test_tiny_province_matches_its_tpmap_2561_figures(tiny):
    report = tiny.check
    counted = _households(tiny)
    poor = counted.filter(pl.col("mpi_poor"))
    denominators = {
        "MPI-poor": counted["persons"],
        "target poor": counted["persons"],
        "verified among MPI-poor": poor["persons"],
        **{
            f"indicator {c} CNT/ALL": counted.filter(pl.col(f"in {c}"))["persons"]
            for c in INDICATORS
        },
    }
    for name, sizes in denominators.items():
        figure = report.figure(name)
        tolerance = SIGMAS * _clustered_se(figure.target, sizes)
        assert abs(figure.observed - figure.target) <= tolerance, (name, figure, tolerance)
    # Mae Hong Son's districts range from 17 % to 63 % MPI-poor; some 285 households each
    # measure that spread to within about 3 points.
    assert report.figure("district correlation of MPI-poor rates").passed


def test_counting_rule_on_handmade_households(tmp_path):
    """Household counting, the 4.1 scope and blank answers, on households built by hand."""
    people = [
        # House 1: a child not enrolled fails 3.2 for all three; the father's blank exercise
        # answer is in scope of 1.4 and not deprived.
        member(1, 1, birth_date="01/01/2526", exercise=""),
        member(1, 2, member_no=2, birth_date="01/01/2528"),
        member(1, 3, member_no=3, birth_date="01/06/2557", schooling=0, literate="", occupation=0,
               income_year=0),
        # House 2: unable to work but neither disabled nor ill: in 4.1's scope, and fails it.
        member(2, 4, able_to_work=0, occupation=0, income_year=0),
        member(2, 5, member_no=2),
        # House 3: unable to work and chronically ill: out of 4.1's scope.
        member(3, 6, able_to_work=0, chronic_illness=1, occupation=0, income_year=0),
    ]  # fmt: skip
    houses = [
        household(1, members_declared=3, income_main=90_000),  # 30,000 a head: fails 4.3
        household(2, members_declared=2),
        household(3, members_declared=1),
    ]
    write_landing(tmp_path, 2566, houses, people)
    counts = check.district_counts(
        read_table(tmp_path, "households", 2566), read_table(tmp_path, "members", 2566), 2566
    ).row(0, named=True)
    assert (counts["households"], counts["persons"]) == (3, 6)
    assert (counts["all_3.2"], counts["cnt_3.2"]) == (3, 3)
    assert (counts["all_1.4"], counts["cnt_1.4"]) == (6, 0)
    assert (counts["all_4.1"], counts["cnt_4.1"]) == (5, 2)
    assert (counts["all_4.3"], counts["cnt_4.3"]) == (6, 3)
    assert counts["mpi_poor"] == 5  # house 3 fails nothing


def test_household_thresholds_meet_the_rate_in_expectation():
    # One district, four households; 45 % of the 10 people ends inside the third household.
    lowest = np.array([0.1, -1.0, 0.5, 2.0])
    weight = np.array([1, 2, 3, 4])
    district = np.zeros(4, dtype=np.int64)
    offsets = (np.arange(1000) + 0.5) / 1000
    failing = [
        weight[lowest < deprivation.household_thresholds(
            lowest, weight, district, np.array([0.45]), np.array([u])
        )[0]].sum()
        for u in offsets
    ]  # fmt: skip
    assert set(failing) == {3, 6}  # whole households: 2 + 1 people, or those and 3 more
    assert np.mean(failing) == pytest.approx(4.5, abs=0.01)
    none = deprivation.household_thresholds(lowest, weight, district, np.array([0.0]), offsets[:1])
    every = deprivation.household_thresholds(lowest, weight, district, np.array([1.0]), offsets[:1])
    assert not (lowest < none[0]).any() and (lowest < every[0]).all()


def test_chipao_generate_prints_the_check(tmp_path, capsys):
    assert main(["generate", "--scale", "tiny", "--years", "2565", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "check of 2565 against TPMAP 2561 (household counting)" in out
    assert "MPI-poor" in out and "(TPMAP 2561 34.71%, ±0.5 points)" in out
    assert all(f"indicator {c} CNT/ALL" in out for c in INDICATORS)
