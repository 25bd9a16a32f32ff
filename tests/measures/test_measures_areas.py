"""measures.areas: every area's row is what the scalar API gives on that area's persons, the
same persons give the same bits in any order, and identical persons may come counted once."""

import math

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import measures as m
from measures import areas

LEVELS = {"country": pl.lit("XX"), "district": "district", "village": "village"}
WEIGHTS = {"d1": 0.25, "d2": 0.25, "d3": 0.5}  # two dimensions: (d1, d2) and (d3)
SPEC = areas.MPISpec(
    weights=WEIGHTS,
    codes={"d1": "1.1", "d2": "1.2", "d3": "2.1"},
    dimensions={"d1": "one", "d2": "one", "d3": "two"},
    rules={"union": 0.25, "half": 0.5},
)
BANDS = pl.Enum(["young", "old"])


@pytest.fixture(scope="module")
def persons() -> pl.DataFrame:
    """Three districts of four villages; whole-number incomes make ties common, a few are 0;
    households (equal village and income) hold several persons; some statuses are missing."""
    rng = np.random.default_rng(11)
    households = 240
    size = rng.integers(1, 5, households)
    village = np.repeat(rng.integers(0, 12, households), size)
    n = village.size
    income = np.repeat(rng.integers(0, 60, households) * 100.0, size)
    frame = pl.DataFrame(
        {
            "district": [f"D{v // 4}" for v in village],
            "village": [f"D{v // 4}V{v % 4}" for v in village],
            "age_band": pl.Series(rng.choice(["young", "old"], n), dtype=BANDS),
            "income": income,
            "region_line": np.where(village < 6, 2500.0, 3000.0),
        }
    )
    statuses = {}
    for j, c in enumerate(WEIGHTS):
        values = (rng.random(n) < 0.2 + 0.1 * j).astype(float)
        values[rng.random(n) < 0.1] = np.nan
        statuses[c] = pl.Series(values).fill_nan(None).cast(pl.Int8)
    return frame.with_columns(**statuses)


LINES = {"regional": pl.col("region_line"), "flat": pl.lit(2800.0)}


def income(frame: pl.DataFrame, **kwargs) -> areas.IncomeMarts:
    return areas.income_marts(
        frame,
        LEVELS,
        LINES,
        income="income",
        decompositions=[("country", "district"), ("district", "village")],
        **kwargs,
    )


def members(persons: pl.DataFrame, level: str, code: str) -> pl.DataFrame:
    if level == "country":
        return persons
    return persons.filter(pl.col(level) == code)


def null_or_close(value: float | None, scalar: float) -> bool:
    """A mart's NULL is the scalar API's NaN; numbers agree to 1e-13."""
    if value is None or math.isnan(scalar):
        return value is None and math.isnan(scalar)
    return value == pytest.approx(scalar, abs=1e-13)


def mpi_of(sub: pl.DataFrame, rule: str) -> m.MPIResult:
    return m.mpi(sub.select(list(WEIGHTS)), WEIGHTS, SPEC.rules[rule], missing="nondeprived")


def test_every_area_equals_the_scalar_api_on_its_persons(persons):
    mpi, components = areas.mpi_marts(persons, LEVELS, SPEC)
    marts = income(persons)
    assert set(mpi["level"]) == set(LEVELS) and mpi.height == 2 * 3 * (1 + 3 + 12)
    for row in mpi.iter_rows(named=True):
        sub = members(persons, row["level"], row["area_code"])
        if row["age_band"] != "all":
            sub = sub.filter(pl.col("age_band") == row["age_band"])
        r = mpi_of(sub, row["rule"])
        assert row["persons"] == sub.height
        assert (row["h"], row["m0"]) == pytest.approx((r.H, r.M0), abs=1e-15)
        assert row["poor_persons"] == round(r.H * sub.height)
    for row in components.filter(pl.col("component_type") == "indicator").iter_rows(named=True):
        sub = members(persons, row["level"], row["area_code"])
        r = mpi_of(sub, row["rule"])
        column = {code: c for c, code in SPEC.codes.items()}[row["component"]]
        assert row["censored_headcount"] == pytest.approx(r.censored[column], abs=1e-15)
        assert row["contribution"] == pytest.approx(r.contribution[column], abs=1e-15)
    for row in marts.poverty.iter_rows(named=True):
        sub = members(persons, row["level"], row["area_code"])
        if row["age_band"] != "all":
            sub = sub.filter(pl.col("age_band") == row["age_band"])
        line = sub.select(LINES[row["line"]].alias("z"))["z"]
        assert (row["line_min"], row["line_max"]) == (line.min(), line.max())
        for alpha in (0, 1, 2):
            expected = sub.select(m.fgt_expr("income", LINES[row["line"]], alpha)).item()
            assert row[f"fgt{alpha}"] == pytest.approx(expected, abs=1e-15)
        expected = sub.select(m.watts_expr("income", LINES[row["line"]])).item()
        assert row["watts"] == pytest.approx(expected, abs=1e-15)
    for row in marts.inequality.iter_rows(named=True):
        x = members(persons, row["level"], row["area_code"])["income"]
        assert row["persons"] == x.len()
        assert row["zero_incomes_excluded"] == (x == 0).sum()
        assert row["median_income"] == m.median(x)
        assert row["gini"] == pytest.approx(m.gini(x), abs=1e-14)
        assert row["theil"] == pytest.approx(m.theil(x), abs=1e-14)
        assert row["mld"] == pytest.approx(m.mld(x), abs=1e-14)
        assert row["atkinson_2"] == pytest.approx(m.atkinson(x, 2), abs=1e-14)
        assert null_or_close(row["palma"], m.palma(x))
        assert null_or_close(row["s80_s20"], m.quantile_share_ratio(x))
        reason = pl.DataFrame({"x": x}).select(m.ratio_null_reason_expr("x")).item()
        assert row["ratio_null_reason"] == reason
    for row in marts.theil_decomposition.iter_rows(named=True):
        sub = members(persons, row["level"], row["area_code"])
        split = m.ge_decomposition(sub["income"], sub[row["child_level"]], 1)
        assert (row["within"], row["between"]) == pytest.approx(
            (split.within, split.between), abs=1e-14
        )
        assert row["child_areas"] == sub[row["child_level"]].n_unique()


def test_the_same_persons_in_any_order_give_the_same_bits(persons):
    shuffled = persons.sample(fraction=1.0, shuffle=True, seed=5)
    for a, b in zip(
        areas.mpi_marts(persons, LEVELS, SPEC), areas.mpi_marts(shuffled, LEVELS, SPEC), strict=True
    ):
        assert_frame_equal(a, b, check_exact=True)
    for a, b in zip(income(persons), income(shuffled), strict=True):
        assert_frame_equal(a, b, check_exact=True)


def test_identical_persons_may_come_counted_once(persons):
    counted = persons.group_by(persons.columns).agg(pl.len().alias("n"))
    assert counted.height < persons.height
    keys = ["level", "area_code", "age_band", "rule"]
    for each, once in zip(
        areas.mpi_marts(persons, LEVELS, SPEC),
        areas.mpi_marts(counted, LEVELS, SPEC, count="n"),
        strict=True,
    ):
        sort = [*keys, *(["component"] if "component" in each.columns else [])]
        assert_frame_equal(each.sort(sort), once.sort(sort), check_exact=True)
    for each, once in zip(income(persons), income(counted, count="n"), strict=True):
        sort = [c for c in ["level", "area_code", "child_level", "age_band", "line"] if c in each]
        assert_frame_equal(each.sort(sort), once.sort(sort), check_exact=False, rel_tol=1e-12)


def test_ordered_input_is_taken_as_it_comes(persons):
    order = ["district", "village", "age_band", "income"]
    counted = persons.group_by(persons.columns).agg(pl.len().alias("n")).sort(order)
    assert_frame_equal(
        income(counted, count="n").inequality,
        income(counted, count="n", ordered=True).inequality,
        check_exact=True,
    )


def test_mpi_scores_count_whole_units(persons):
    """Nested equal weights give whole-number scores, so M0 is a ratio of two whole numbers."""
    mpi, _ = areas.mpi_marts(persons, LEVELS, SPEC)
    country = mpi.filter(level="country", age_band="all", rule="union").row(0, named=True)
    filled = persons.select(list(WEIGHTS)).fill_null(0)
    units = filled.select(pl.col("d1") + pl.col("d2") + 2 * pl.col("d3")).to_series()
    assert country["m0"] == units.filter(units >= 1).sum() / (4 * persons.height)
    assert country["a"] == units.filter(units >= 1).sum() / (4 * (units >= 1).sum())


def test_a_negative_income_nulls_its_areas_only(persons):
    bad = persons.with_columns(
        pl.when(pl.col("village") == "D0V0").then(-1.0).otherwise(pl.col("income")).alias("income")
    )
    inequality = income(bad).inequality
    nulls = inequality.filter(pl.col("gini").is_null())["area_code"].to_list()
    assert sorted(nulls) == ["D0", "D0V0", "XX"]
    assert inequality.filter(pl.col("theil").is_null()).height == 3
    assert not math.isnan(inequality.filter(area_code="D1")["theil"][0])


def test_no_infinity_in_the_marts_a_null_with_its_reason(persons):
    """A village whose poorest 40 % have no income: its Palma and S80/S20 are NULL and say
    why; coarser areas have their own bottom groups (the country's has income)."""
    poor = persons.with_columns(
        pl.when((pl.col("village") == "D1V2") & (pl.col("income") < 4000))
        .then(0.0)
        .otherwise(pl.col("income"))
        .alias("income")
    )
    village = poor.filter(village="D1V2")["income"]
    assert m.quantile(village, 0.4) == 0 and village.sum() > 0
    inequality = income(poor).inequality
    row = inequality.filter(area_code="D1V2").row(0, named=True)
    assert (row["palma"], row["s80_s20"]) == (None, None)
    assert row["ratio_null_reason"] == "bottom_40_no_income"
    assert row["gini"] == pytest.approx(m.gini(village), abs=1e-14)
    country = inequality.filter(level="country").row(0, named=True)
    assert country["ratio_null_reason"] is None and country["palma"] > 0
    for row in inequality.filter(level="district").iter_rows(named=True):
        x = members(poor, "district", row["area_code"]).select("income")
        assert row["ratio_null_reason"] == x.select(m.ratio_null_reason_expr("income")).item()
        assert null_or_close(row["s80_s20"], m.quantile_share_ratio(x["income"]))
    numbers = inequality.select(pl.col(pl.Float64))
    assert not numbers.select(pl.any_horizontal(pl.all().is_infinite().any())).item()
    assert not numbers.select(pl.any_horizontal(pl.all().is_nan().any())).item()
