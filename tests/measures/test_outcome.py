"""measures.outcome: helped against comparable unhelped households, on hand-built cells whose
difference is known."""

import math

import polars as pl
import pytest

from measures.outcome import helped_vs_comparable

# (area, dimension, score the year before, helped, left poverty, households)
CELLS = [
    ("1", "health", 2, True, True, 6), ("1", "health", 2, True, False, 4),    # 6/10
    ("1", "health", 2, False, True, 8), ("1", "health", 2, False, False, 12), # 8/20
    ("1", "health", 3, True, True, 1), ("1", "health", 3, True, False, 4),    # 1/5
    ("1", "health", 3, False, True, 1), ("1", "health", 3, False, False, 4),  # 1/5
    ("2", "health", 2, True, True, 3),                                       # nobody to compare
    ("1", "income", 2, True, True, 2), ("1", "income", 2, True, False, 2),    # 2/4
    ("1", "income", 2, False, False, 4),                                     # 0/4
]  # fmt: skip


def households() -> pl.DataFrame:
    rows = [
        {"area_code": a, "dimension": d, "score_before": s, "helped": h, "left_poverty": lp}
        for a, d, s, h, lp, n in CELLS
        for _ in range(n)
    ]
    return pl.DataFrame(rows)


def test_the_difference_is_the_helped_weighted_mean_over_matched_cells():
    out = {r["dimension"]: r for r in helped_vs_comparable(households()).iter_rows(named=True)}
    health = out["health"]
    assert (health["helped_households"], health["helped_matched"],
            health["comparison_households"]) == (18, 15, 25)  # fmt: skip
    # weights 10/15 and 5/15: helped 0.6, 0.2 -> 7/15; comparable 0.4, 0.2 -> 5/15
    assert health["left_rate_helped"] == pytest.approx(7 / 15)
    assert health["left_rate_comparison"] == pytest.approx(5 / 15)
    assert health["difference"] == pytest.approx(2 / 15)
    se = math.sqrt((10 / 15) ** 2 * (0.24 / 10 + 0.24 / 20) + (5 / 15) ** 2 * (0.16 / 5 + 0.16 / 5))
    assert health["se"] == pytest.approx(se)  # 0.1520
    assert health["ci_low"] == pytest.approx(2 / 15 - 1.959963985 * se)
    assert health["ci_high"] == pytest.approx(2 / 15 + 1.959963985 * se)
    income = out["income"]
    assert income["difference"] == pytest.approx(0.5) and income["se"] == pytest.approx(0.25)
    # over all dimensions: cells of 10, 5 and 4 helped, differences 0.2, 0 and 0.5
    assert out["all"]["difference"] == pytest.approx(4 / 19)
    assert out["all"]["helped_households"] == 22


def test_helped_households_without_any_comparable_one_give_no_difference():
    only = households().filter(pl.col("area_code") == "2")
    (row,) = (
        helped_vs_comparable(only).filter(pl.col("dimension") == "health").iter_rows(named=True)
    )
    assert row["helped_households"] == 3 and row["helped_matched"] == 0
    assert row["difference"] is None and row["ci_low"] is None
