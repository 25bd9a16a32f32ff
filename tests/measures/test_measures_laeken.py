"""Quantiles, median, S80/S20, Gini and Palma against laeken 0.5.3 itself.

The expected values are what tests/reference/measures/laeken_eusilc.R printed with laeken 0.5.3
(tests/reference/measures/laeken_eusilc.out; provenance in PROVENANCE.md), on the project's
copy of laeken's ``eusilc``: income eqIncome, weight rb050, region db040.
"""

import polars as pl
import pytest

import measures as m

REL = 1e-12  # the .out files print 15 significant digits; sums run in another order here


@pytest.fixture(scope="module")
def regions(eusilc):
    return sorted(eusilc["db040"].unique().to_list())


def test_the_reference_was_printed_by_laeken_053(laeken):
    assert "laeken 0.5.3" in laeken
    assert "csv_same_regions TRUE" in laeken
    # the CSV's shortest decimals differ from laeken's doubles by at most one ulp ...
    assert max(laeken["csv_max_relative_difference income weight"]) < 1e-15
    # ... which does not reach the printed digits
    for name in ("qsr", "weightedMedian", "gini"):
        assert laeken[f"data_eusilc {name}"] == laeken[f"all {name}"]


def test_s80_s20_is_the_ratio_of_totals(eusilc, laeken):
    """laeken >= 0.5.0 prints 3.970004 on eusilc; the ratio of group means gave 3.971415."""
    x, w = eusilc["eqIncome"], eusilc["rb050"]
    assert m.quantile_share_ratio(x, w) == pytest.approx(laeken["all qsr"][0], rel=REL)
    assert m.quantile_share_ratio(x, w) == pytest.approx(3.970004, abs=5e-7)


def test_weighted_quantiles_and_median(eusilc, laeken):
    x, w = eusilc["eqIncome"], eusilc["rb050"]
    probs = laeken["probs"]
    assert [m.quantile(x, p, w) for p in probs] == pytest.approx(
        laeken["all weightedQuantile"], rel=REL
    )
    assert m.median(x, w) == pytest.approx(laeken["all weightedMedian"][0], rel=REL)


def test_gini_and_palma(eusilc, laeken):
    x, w = eusilc["eqIncome"], eusilc["rb050"]
    assert 100 * m.gini(x, w) == pytest.approx(laeken["all gini"][0], rel=REL)
    assert m.palma(x, w) == pytest.approx(laeken["all palma"][0], rel=REL)


def test_every_region_in_one_grouped_pass(eusilc, laeken, regions):
    """The expressions the marts use, per region, against laeken per region."""
    probs = laeken["probs"]
    out = (
        eusilc.group_by("db040")
        .agg(
            m.qsr_expr("eqIncome", "rb050"),
            m.palma_expr("eqIncome", "rb050"),
            m.gini_expr("eqIncome", "rb050"),
            m.median_expr("eqIncome", "rb050"),
            *(m.quantile_expr("eqIncome", p, "rb050").alias(f"q{p}") for p in probs),
        )
        .sort("db040")
    )
    assert out["db040"].to_list() == regions and len(regions) == 9
    for row in out.iter_rows(named=True):
        key = row["db040"].replace(" ", "_")
        assert row["qsr"] == pytest.approx(laeken[f"{key} qsr"][0], rel=REL)
        assert row["palma"] == pytest.approx(laeken[f"{key} palma"][0], rel=REL)
        assert 100 * row["gini"] == pytest.approx(laeken[f"{key} gini"][0], rel=REL)
        assert row["median"] == pytest.approx(laeken[f"{key} weightedMedian"][0], rel=REL)
        assert [row[f"q{p}"] for p in probs] == pytest.approx(
            laeken[f"{key} weightedQuantile"], rel=REL
        )


def test_rank_columns_give_laekens_values_too(eusilc, laeken, regions):
    """The marts read running sums (rank_frame) instead of sorting each area."""
    ranked = m.rank_frame(eusilc.sort("db040", "eqIncome"), "eqIncome", "rb050", by="db040")
    out = ranked.group_by("db040", maintain_order=True).agg(
        m.qsr_expr("eqIncome", "rb050", ranks=m.RANKS),
        m.median_expr("eqIncome", "rb050", ranks=m.RANKS),
    )
    for row in out.iter_rows(named=True):
        key = row["db040"].replace(" ", "_")
        assert row["qsr"] == pytest.approx(laeken[f"{key} qsr"][0], rel=REL)
        assert row["median"] == pytest.approx(laeken[f"{key} weightedMedian"][0], rel=REL)


def test_exact_ties_take_the_next_income(laeken):
    """laeken 0.5.x: the first x whose cumulative share is strictly above p, no averaging."""
    x = [1, 2, 3, 4]
    assert [m.quantile(x, p) for p in (0.25, 0.5, 0.75)] == laeken["tie weightedQuantile"]
    assert m.median(x) == laeken["tie weightedMedian"][0]
    assert [m.quantile(x, p, [1, 1, 2, 4]) for p in (0.25, 0.5)] == laeken[
        "tie weighted weightedQuantile"
    ]
    ties = [1, 2, 2, 3, 4, 5, 6, 7, 7, 9]
    assert [m.quantile(ties, p) for p in (0.2, 0.8)] == laeken["ties weightedQuantile"]
    assert m.quantile_share_ratio(ties) == pytest.approx(laeken["ties qsr"][0], rel=REL)


def test_one_quantile_rule_for_median_s80_s20_and_palma():
    """The groups of S80/S20 and Palma are cut at the quantiles the median uses."""
    x = pl.Series([0.0, 3, 3, 5, 8, 8, 8, 13, 21, 34, 55, 89])
    w = pl.Series([1.0, 2, 1, 1, 3, 1, 1, 2, 1, 1, 1, 1])

    def ratio(low, high):
        q_low, q_high = m.quantile(x, low, w), m.quantile(x, high, w)
        return (w * x).filter(x > q_high).sum() / (w * x).filter(x <= q_low).sum()

    assert m.quantile_share_ratio(x, w) == pytest.approx(ratio(0.2, 0.8), rel=1e-15)
    assert m.palma(x, w) == pytest.approx(ratio(0.4, 0.9), rel=1e-15)
    assert m.median(x, w) == m.quantile(x, 0.5, w)
