"""The measure marts on the tiny generated sample: the same numbers as the scalar API on the
same records, rollup identities between levels, and agreement with the count marts."""

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

import measures as m
import sql
from measures import areas
from schemas import catalog
from store.areas import (
    DECOMPOSITIONS,
    LEVELS,
    indicator_weights,
    mpi_rules,
    mpi_spec,
    poverty_lines,
    read_persons,
)

YEAR = 2566


@pytest.fixture(scope="module")
def con(run):
    with duckdb.connect(str(run.published), read_only=True) as connection:
        yield connection


@pytest.fixture(scope="module")
def persons(con):
    return con.sql(sql.load("measures/persons"), params={"year_be": YEAR}).pl()


def frame(con, query, params=None):
    return con.sql(query, params=params or {}).pl()


def test_weights_are_nested_equal_and_union_rule_is_the_smallest_weight():
    weights = indicator_weights()
    assert sum(weights.values()) == pytest.approx(1.0)
    assert weights["i_5_1"] == pytest.approx(1 / 10) and weights["i_4_3"] == pytest.approx(1 / 15)
    assert weights["i_1_1"] == pytest.approx(1 / 20)
    assert mpi_rules() == {"tpmap_union": pytest.approx(1 / 20), "af_k33": pytest.approx(1 / 3)}


def test_all_levels_and_both_rules_are_present(con):
    rows = frame(
        con, "SELECT DISTINCT level, rule FROM marts.area_mpi WHERE year_be = $y", {"y": YEAR}
    )
    assert rows.height == len(LEVELS) * 2


def test_union_rule_headcount_equals_the_mpi_poor_count_mart(con):
    """Two independent computations: SQL union rule in the facts, and measures.mpi_frame."""
    joined = frame(
        con,
        """
        SELECT s.mpi_poor_persons, m.poor_persons, s.persons, m.persons AS mpi_persons
        FROM marts.area_summary s JOIN marts.area_mpi m
          USING (year_be, level, area_code, age_band)
        WHERE m.rule = 'tpmap_union' AND s.year_be = $y""",
        {"y": YEAR},
    )
    assert joined.height > 0
    assert (joined["mpi_poor_persons"] == joined["poor_persons"]).all()
    assert (joined["persons"] == joined["mpi_persons"]).all()


def test_bmn_headcount_equals_indicator_4_3(con):
    joined = frame(
        con,
        """
        SELECT p.fgt0, i.persons_deprived / i.persons_in_scope AS rate
        FROM marts.area_income_poverty p JOIN marts.area_indicator i
          USING (year_be, level, area_code, age_band)
        WHERE p.line = 'bmn' AND i.indicator_code = '4.3' AND p.year_be = $y""",
        {"y": YEAR},
    )
    assert joined.height > 0
    assert (joined["fgt0"] - joined["rate"]).abs().max() < 1e-12


def test_country_values_equal_the_scalar_api_on_the_same_records(con, persons):
    income = persons["income_per_capita"]
    row = frame(
        con,
        "SELECT * FROM marts.area_inequality WHERE level = 'country' AND year_be = $y",
        {"y": YEAR},
    ).row(0, named=True)
    assert row["gini"] == pytest.approx(m.gini(income), abs=1e-12)
    assert row["theil"] == pytest.approx(m.theil(income), abs=1e-12)
    assert row["atkinson_05"] == pytest.approx(m.atkinson(income, 0.5), abs=1e-12)
    assert row["palma"] == pytest.approx(m.palma(income), abs=1e-12)
    assert row["s80_s20"] == pytest.approx(m.quantile_share_ratio(income), abs=1e-12)
    assert row["median_income"] == m.median(income)
    assert row["zero_incomes_excluded"] == int((income == 0).sum())
    line = catalog.poverty_line(YEAR, persons["region_code"][0])
    nso = frame(
        con,
        "SELECT fgt0, fgt1, fgt2 FROM marts.area_income_poverty WHERE "
        "level = 'country' AND line = 'nso' AND age_band = 'all' AND year_be = $y",
        {"y": YEAR},
    ).row(0)
    assert nso == pytest.approx(tuple(m.fgt(income, line, a) for a in (0, 1, 2)), abs=1e-12)
    watts = frame(
        con,
        "SELECT watts FROM marts.area_income_poverty WHERE "
        "level = 'country' AND line = 'nso' AND age_band = 'all' AND year_be = $y",
        {"y": YEAR},
    ).item()
    assert watts == pytest.approx(m.watts(income, line), abs=1e-12)
    columns = list(indicator_weights())
    deprivations = persons.select(columns).fill_null(0)
    af = m.mpi(deprivations, [indicator_weights()[c] for c in columns], 1 / 3)
    got = frame(
        con,
        "SELECT h, m0 FROM marts.area_mpi WHERE level = 'country' AND "
        "rule = 'af_k33' AND age_band = 'all' AND year_be = $y",
        {"y": YEAR},
    ).row(0)
    assert got == pytest.approx((af.H, af.M0), abs=1e-12)


@pytest.mark.parametrize(
    "parent, child", [("province", "district"), ("district", "subdistrict"), ("country", "region")]
)
def test_rollup_identities_between_levels(con, parent, child):
    """Parent H, M0 and FGT are population-weighted means of children; A = sum(M0)/sum(H)."""
    mpi = frame(
        con,
        f"""
        SELECT p.area_code, p.h, p.m0, p.a,
               sum(c.h * c.persons) / sum(c.persons) AS h_children,
               sum(c.m0 * c.persons) / sum(c.persons) AS m0_children,
               sum(c.m0 * c.persons) / nullif(sum(c.h * c.persons), 0) AS a_children
        FROM marts.area_mpi p JOIN marts.area_mpi c
          ON c.parent_code = p.area_code AND c.level = '{child}' AND c.year_be = p.year_be
         AND c.rule = p.rule AND c.age_band = p.age_band
        WHERE p.level = '{parent}' AND p.year_be = $y
        GROUP BY ALL""",
        {"y": YEAR},
    )
    assert mpi.height > 0
    assert (mpi["h"] - mpi["h_children"]).abs().max() < 1e-12
    assert (mpi["m0"] - mpi["m0_children"]).abs().max() < 1e-12
    has_poor = mpi.filter(pl.col("a").is_not_null())
    assert (has_poor["a"] - has_poor["a_children"]).abs().max() < 1e-12
    fgt = frame(
        con,
        f"""
        SELECT p.fgt1, sum(c.fgt1 * c.persons) / sum(c.persons) AS fgt1_children
        FROM marts.area_income_poverty p JOIN marts.area_income_poverty c
          ON c.parent_code = p.area_code AND c.level = '{child}' AND c.year_be = p.year_be
         AND c.line = p.line AND c.age_band = p.age_band
        WHERE p.level = '{parent}' AND p.year_be = $y GROUP BY ALL""",
        {"y": YEAR},
    )
    assert (fgt["fgt1"] - fgt["fgt1_children"]).abs().max() < 1e-12


def test_component_contributions_add_up_to_m0(con):
    check = frame(
        con,
        """
        SELECT c.component_type, m.m0, sum(c.contribution) AS total,
               sum(c.contribution_share) AS shares
        FROM marts.area_mpi_component c JOIN marts.area_mpi m
          USING (year_be, level, area_code, age_band, rule)
        WHERE c.year_be = $y GROUP BY c.component_type, c.level, c.area_code, c.rule, m.m0""",
        {"y": YEAR},
    )
    assert (check["m0"] - check["total"]).abs().max() < 1e-12
    positive = check.filter(pl.col("m0") > 0)
    assert (positive["shares"] - 1).abs().max() < 1e-9


def test_theil_decomposes_exactly_into_every_child_level(con, persons):
    rows = frame(
        con, "SELECT * FROM marts.area_theil_decomposition WHERE year_be = $y", {"y": YEAR}
    )
    assert set(zip(rows["level"], rows["child_level"], strict=True)) == set(DECOMPOSITIONS)
    assert (rows["theil"] - rows["within"] - rows["between"]).abs().max() < 1e-12
    country = rows.filter(pl.col("level") == "country", pl.col("child_level") == "province")
    expected = m.ge_decomposition(persons["income_per_capita"], persons["province_code"], 1)
    assert country["between"][0] == pytest.approx(expected.between, abs=1e-12)


def test_every_row_says_what_it_covers(con):
    for table in ("area_mpi", "area_income_poverty", "area_inequality"):
        bad = frame(
            con,
            f"SELECT count(*) AS n FROM marts.{table} WHERE persons <= 0 OR "
            f"(level <> 'village' AND child_areas < 1) OR name_th IS NULL",
        )
        assert bad["n"][0] == 0, table


def test_no_infinity_in_the_inequality_mart_and_every_null_says_why(con):
    bad = frame(
        con,
        """
        SELECT count(*) FILTER (WHERE isinf(palma) OR isnan(palma) OR isinf(s80_s20)
                                   OR isnan(s80_s20) OR isnan(gini)) AS infinite,
               count(*) FILTER (WHERE (palma IS NULL OR s80_s20 IS NULL OR gini IS NULL)
                                   AND ratio_null_reason IS NULL) AS unexplained,
               count(*) FILTER (WHERE ratio_null_reason IS NOT NULL AND s80_s20 IS NOT NULL)
                   AS explained_but_defined
        FROM marts.area_inequality WHERE year_be = $y""",
        {"y": YEAR},
    ).row(0)
    assert bad == (0, 0, 0)


PERSON_LEVELS = {level: f"{level}_code" for level in LEVELS}  # persons.sql: codes as strings


def test_marts_hold_what_the_areas_functions_give_on_the_person_records(con, persons):
    """A notebook that calls measures.areas on sql/measures/persons.sql, one row per person
    and string codes, gets the marts the pipeline wrote from counted records and integer codes:
    the same MPI figures bit for bit (whole numbers), the rest to rounding."""
    mpi, components = areas.mpi_marts(persons, PERSON_LEVELS, mpi_spec())
    keys = ["level", "area_code", "age_band", "rule"]
    stored = frame(
        con, f"SELECT {', '.join(mpi.columns)} FROM marts.area_mpi WHERE year_be = $y", {"y": YEAR}
    )
    assert_frame_equal(stored.sort(keys), mpi.sort(keys), check_exact=True)
    stored = frame(
        con,
        f"SELECT {', '.join(components.columns)} FROM marts.area_mpi_component WHERE year_be = $y",
        {"y": YEAR},
    )
    keys = [*keys, "component_type", "component"]
    assert_frame_equal(stored.sort(keys), components.sort(keys), check_exact=True)
    lines = {
        "nso": pl.col("region_code").replace_strict(
            {r.code: catalog.poverty_line(YEAR, r.code) for r in catalog.regions()},
            return_dtype=pl.Float64,
        ),
        "bmn": pl.lit(catalog.income_criterion(YEAR)),
    }
    income = areas.income_marts(
        persons,
        PERSON_LEVELS,
        lines,
        income="income_per_capita",
        decompositions=DECOMPOSITIONS,
    )
    for table, computed, keys in [
        ("area_income_poverty", income.poverty, ["level", "area_code", "age_band", "line"]),
        ("area_inequality", income.inequality, ["level", "area_code"]),
        (
            "area_theil_decomposition",
            income.theil_decomposition,
            ["level", "area_code", "child_level"],
        ),
    ]:
        stored = frame(
            con,
            f"SELECT {', '.join(computed.columns)} FROM marts.{table} WHERE year_be = $y",
            {"y": YEAR},
        )
        assert_frame_equal(
            stored.sort(keys), computed.sort(keys), check_exact=False, rel_tol=1e-12, abs_tol=1e-12
        )


def test_the_same_year_in_another_order_gives_the_same_bits(con):
    """The records of a year read twice, the second time shuffled: identical marts (float sums
    run in one order of the records, scores are whole units)."""
    profiles = read_persons(con, "measures/person_profiles", YEAR)
    incomes = read_persons(con, "measures/person_incomes", YEAR)

    def marts(profiles, incomes, ordered):
        income = areas.income_marts(
            incomes,
            LEVELS,
            poverty_lines(YEAR),
            income="income_per_capita",
            count="persons",
            decompositions=DECOMPOSITIONS,
            ordered=ordered,
        )
        return [*areas.mpi_marts(profiles, LEVELS, mpi_spec(), count="persons"), *income]

    first = marts(profiles, incomes, ordered=True)
    again = marts(
        profiles.sample(fraction=1.0, shuffle=True, seed=3),
        incomes.sample(fraction=1.0, shuffle=True, seed=4),
        ordered=False,
    )
    for a, b in zip(first, again, strict=True):
        assert a.height > 0
        assert_frame_equal(a, b, check_exact=True)
