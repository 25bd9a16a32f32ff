"""measures.cases on hand-built case records and households, with the values worked out by hand."""

from datetime import date

import polars as pl
import pytest

from measures.cases import case_counts, case_outcome
from store.areas import LEVELS

V1, V2 = 50010101, 50010201  # two villages of district 5001 (subdistricts 500101, 500102)


def problems() -> pl.DataFrame:
    d = date
    rows = [  # village, household, dimension, indicator, status, raised, resolved, budget
        (V1, 1, "health", "1.2", "helped", d(2023, 6, 1), d(2023, 6, 11), 1000.0),  # 10 days
        (V1, 1, "living", "2.1", "helped", d(2023, 6, 1), d(2023, 7, 1), 20000.0),  # 30 days
        (V1, 2, "living", "2.1", "helped", d(2023, 6, 1), None, 5000.0),  # not resolved
        (V1, 3, "living", "2.4", "solved_by_household", d(2023, 5, 1), d(2023, 5, 21), None),
        (V2, 4, "living", "2.1", "in_progress", d(2023, 6, 1), None, 3000.0),
        (V2, 5, "income", "4.3", "unreachable", d(2023, 6, 1), None, None),
        (V2, 5, "health", "1.2", "target", d(2023, 8, 1), None, None),
    ]
    columns = ["village_code", "household_key", "dimension", "indicator_code", "status",
               "raised_on", "resolved_on", "budget_baht"]  # fmt: skip
    return pl.DataFrame(rows, schema=columns, orient="row").with_columns(
        pl.col("village_code").cast(pl.UInt32)
    )


def row(frame: pl.DataFrame, level: str, area: str, dimension: str, indicator: str) -> dict:
    (found,) = frame.filter(
        (pl.col("level") == level) & (pl.col("area_code") == area)
        & (pl.col("dimension") == dimension) & (pl.col("indicator_code") == indicator)
    ).iter_rows(named=True)  # fmt: skip
    return found


def test_case_counts_per_area_and_problem():
    out = case_counts(problems(), LEVELS)
    everything = row(out, "country", "TH", "all", "all")
    assert (everything["problems_raised"], everything["households"]) == (7, 5)
    assert [everything[s] for s in ("target", "helped", "solved_by_household", "in_progress",
                                    "unreachable")] == [1, 3, 1, 1, 1]  # fmt: skip
    # resolved: 1.2 and 2.1 of household 1 (helped, dated) and 2.4 (solved): 10, 30, 20 days
    assert everything["resolved"] == 3 and everything["median_days_to_resolution"] == 20
    # budget 1000 + 20000 + 5000 + 3000 over 3 resolved problems
    assert everything["budget_baht"] == 29000
    assert everything["budget_per_resolved"] == pytest.approx(29000 / 3)
    housing = row(out, "district", "5001", "living", "2.1")  # 3 raised, 1 resolved in 30 days
    assert (housing["problems_raised"], housing["helped"], housing["in_progress"]) == (3, 2, 1)
    assert housing["median_days_to_resolution"] == 30 and housing["budget_per_resolved"] == 28000
    living = row(out, "village", str(V1), "living", "all")  # 2.1 twice and 2.4: 30 and 20 days
    assert (living["problems_raised"], living["resolved"]) == (3, 2)
    assert living["median_days_to_resolution"] == 25
    unresolved = row(out, "village", str(V2), "all", "all")
    assert unresolved["resolved"] == 0 and unresolved["budget_per_resolved"] is None
    assert unresolved["median_days_to_resolution"] is None
    assert set(out["level"]) == set(LEVELS)
    assert row(out, "subdistrict", "500102", "income", "4.3")["unreachable"] == 1


# (village, dimension, score before, helped, followed, left poverty, households)
OUTCOME = [
    (V1, "health", 2, True, True, True, 3), (V1, "health", 2, True, True, False, 1),   # 3/4
    (V1, "health", 2, False, True, True, 2), (V1, "health", 2, False, True, False, 6),  # 2/8
    (V1, "health", 2, True, False, False, 2),  # helped, not followed: counted, not compared
    (V2, "health", 4, True, True, False, 2),   # district 5001 too, score 4: 0/2 ...
    (V2, "health", 4, False, True, False, 2),  # ... against 0/2
    (60010101, "health", 2, True, True, True, 1),  # another province: no comparable household
    (V1, "all", 5, True, True, True, 1), (V1, "all", 5, False, True, False, 1),
]  # fmt: skip


def outcome_households() -> pl.DataFrame:
    rows = [
        {"village_code": v, "dimension": d, "score_before": s, "helped": h, "linked": f,
         "left_poverty": lp}
        for v, d, s, h, f, lp, n in OUTCOME for _ in range(n)
    ]  # fmt: skip
    return pl.DataFrame(rows).with_columns(pl.col("village_code").cast(pl.UInt32))


def test_case_outcome_compares_helped_with_the_unhelped_of_their_cell():
    out = case_outcome(outcome_households(), LEVELS)
    assert set(out["level"]) == {"country", "region", "province", "district"}
    (district,) = out.filter(
        (pl.col("area_code") == "5001") & (pl.col("dimension") == "health")
    ).iter_rows(named=True)
    # cells of district 5001: score 2, helped 3/4 vs 2/8; score 4, helped 0/2 vs 0/2
    # weights 4/6 and 2/6: helped 0.75*4/6 = 0.5, comparison 0.25*4/6 = 1/6, difference 1/3
    assert (district["helped_households"], district["helped_unlinked"],
            district["helped_followed"], district["helped_matched"],
            district["comparison_households"]) == (8, 2, 6, 6, 10)  # fmt: skip
    assert district["helped_left"] == 3
    assert district["left_rate_helped"] == pytest.approx(0.5)
    assert district["left_rate_comparison"] == pytest.approx(1 / 6)
    assert district["difference"] == pytest.approx(1 / 3)
    # var = (4/6)^2 (0.1875/4 + 0.1875/8) + (2/6)^2 (0 + 0)
    se = (4 / 6) * (0.1875 / 4 + 0.1875 / 8) ** 0.5
    assert district["se"] == pytest.approx(se)
    assert district["ci_low"] == pytest.approx(1 / 3 - 1.959963985 * se)
    # the country adds province 60's helped household, which has nobody to compare with
    (country,) = out.filter(
        (pl.col("level") == "country") & (pl.col("dimension") == "health")
    ).iter_rows(named=True)
    assert (country["helped_households"], country["helped_matched"]) == (9, 6)
    assert country["difference"] == pytest.approx(1 / 3)
    (alone,) = out.filter(
        (pl.col("area_code") == "6001") & (pl.col("dimension") == "health")
    ).iter_rows(named=True)
    assert alone["helped_matched"] == 0 and alone["difference"] is None
    (mpi,) = out.filter((pl.col("area_code") == "5001") & (pl.col("dimension") == "all")).iter_rows(
        named=True
    )
    assert mpi["difference"] == pytest.approx(1.0) and mpi["unhelped_households"] == 1
