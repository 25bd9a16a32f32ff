"""measures.progress and measures.targets on hand-built areas across three years.

Expected values are worked out by hand in the comments (mpitbR 1.0.1's change conventions:
absolute x1 - x0, relative x1/x0 - 1, annualised (x1/x0)^(1/years) - 1)."""

import math

import numpy as np
import polars as pl
import pytest

from measures import progress, targets

LEVELS = ["country", "region", "province", "district", "subdistrict", "village"]
YEARS = [2565, 2566, 2567]
# (level, area, parent, rates per year)
AREAS = [
    ("country", "TH", None, [0.25, 0.24, 0.20]),
    ("region", "1", "TH", [0.25, 0.24, 0.20]),
    ("province", "50", "1", [0.20, 0.30, 0.20]),
    ("province", "51", "1", [0.30, 0.20, 0.19]),
    ("district", "5001", "50", [0.40, 0.30, 0.20]),
    ("district", "5002", "50", [0.30, 0.30, 0.25]),
    ("district", "5003", "50", [0.10, 0.12, 0.15]),
]


def values() -> pl.DataFrame:
    rows = [
        {"year_be": y, "level": lv, "area_code": a, "parent_code": p, "age_band": "all",
         "measure": "mpi_poor_rate", "value": v}
        for lv, a, p, rates in AREAS
        for y, v in zip(YEARS, rates, strict=True)
    ]  # fmt: skip
    return pl.DataFrame(rows)


def row(frame: pl.DataFrame, area: str, comparison: str, measure: str = "mpi_poor_rate"):
    found = frame.filter(
        (pl.col("area_code") == area)
        & (pl.col("comparison") == comparison)
        & (pl.col("measure") == measure)
    )
    assert found.height == 1, (area, comparison, measure)
    return found.row(0, named=True)


def test_change_against_the_previous_and_the_baseline_year():
    out = progress.progress(values(), 2567, LEVELS, ["mpi_poor_rate"])
    r = row(out, "5001", "baseline")
    assert r["base_year_be"] == 2565 and r["base_value"] == 0.40 and r["value"] == 0.20
    assert r["absolute"] == pytest.approx(-0.20)
    assert r["relative"] == pytest.approx(-0.5)
    assert r["annualized_absolute"] == pytest.approx(-0.10)
    assert r["annualized_relative"] == pytest.approx(math.sqrt(0.5) - 1)  # -0.2929
    r = row(out, "5001", "previous")
    assert r["base_year_be"] == 2566 and r["absolute"] == pytest.approx(-0.10)
    assert r["relative"] == pytest.approx(-1 / 3)


def test_ranks_among_peers_and_their_change():
    out = progress.progress(values(), 2567, LEVELS, ["mpi_poor_rate"])
    # 2565: 5001 0.40 first, 5002 second; 2567: 5002 0.25 first, 5001 0.20 second
    r = row(out, "5001", "baseline")
    assert (r["rank_in_parent"], r["base_rank_in_parent"], r["rank_change"]) == (2, 1, 1)
    r = row(out, "5002", "baseline")
    assert (r["rank_in_parent"], r["base_rank_in_parent"], r["rank_change"]) == (1, 2, -1)
    # 2566: 5001 and 5002 tie at 0.30, both first
    assert row(out, "5002", "previous")["base_rank_in_parent"] == 1
    assert row(out, "5001", "previous")["base_rank_in_parent"] == 1
    # provinces in the country: 51 was first in 2565 (0.30), is second in 2567 (0.19 < 0.20)
    r = row(out, "51", "baseline")
    assert (r["rank_in_country"], r["base_rank_in_country"], r["rank_change_in_country"]) == (
        2, 1, 1)  # fmt: skip
    assert row(out, "5001", "baseline")["rank_in_country"] is None  # districts: not ranked


def test_convergence_of_the_child_areas():
    out = progress.progress(values(), 2567, LEVELS, ["mpi_poor_rate"])
    gap = row(out, "50", "baseline", "mpi_poor_rate_child_gap")
    # districts of 50: 2565 0.40 - 0.10 = 0.30, 2567 0.25 - 0.15 = 0.10: catching up
    assert gap["base_value"] == pytest.approx(0.30) and gap["value"] == pytest.approx(0.10)
    assert gap["relative"] == pytest.approx(-2 / 3)
    assert gap["annualized_relative"] == pytest.approx(math.sqrt(1 / 3) - 1)
    cv = row(out, "50", "baseline", "mpi_poor_rate_child_cv")
    # 2565: mean 0.8/3, population sd sqrt(((.4-m)^2 + (.3-m)^2 + (.1-m)^2) / 3)
    m0 = 0.8 / 3
    sd0 = math.sqrt(((0.4 - m0) ** 2 + (0.3 - m0) ** 2 + (0.1 - m0) ** 2) / 3)
    m1 = 0.6 / 3
    sd1 = math.sqrt(((0.2 - m1) ** 2 + (0.25 - m1) ** 2 + (0.15 - m1) ** 2) / 3)
    assert cv["base_value"] == pytest.approx(sd0 / m0)  # 0.4677
    assert cv["value"] == pytest.approx(sd1 / m1)  # 0.2041
    assert cv["absolute"] < 0
    # the region's children are the two provinces: 2567 0.20 - 0.19
    assert row(out, "1", "previous", "mpi_poor_rate_child_gap")["value"] == pytest.approx(0.01)


def test_a_centres_baseline_applies_to_the_areas_under_it():
    areas = values().filter(pl.col("year_be") == 2567).select("level", "area_code", "parent_code")
    centre = targets.Centre("50.yaml", "province", "50", 2566, ())
    bases = targets.baselines(areas, [centre], LEVELS)
    assert dict(zip(bases["area_code"], bases["baseline_year_be"], strict=True)) == {
        "50": 2566, "5001": 2566, "5002": 2566, "5003": 2566}  # fmt: skip
    out = progress.progress(values(), 2567, LEVELS, ["mpi_poor_rate"], bases)
    assert row(out, "5001", "baseline")["base_year_be"] == 2566
    assert row(out, "51", "baseline")["base_year_be"] == 2565  # not under the centre: earliest


def test_the_first_year_has_no_progress_rows():
    assert progress.progress(values(), 2565, LEVELS, ["mpi_poor_rate"]).height == 0


def test_m0_split_into_h_and_a_adds_up():
    mpi = pl.DataFrame({
        "year_be": [2565, 2567], "level": ["province"] * 2, "area_code": ["50"] * 2,
        "age_band": ["all"] * 2, "rule": ["af_k33"] * 2,
        "h": [0.5, 0.4], "a": [0.4, 0.45], "m0": [0.2, 0.18],
    })  # fmt: skip
    bases = pl.DataFrame({"year_be": [2567], "base_year_be": [2565], "comparison": ["baseline"],
                          "level": ["province"], "area_code": ["50"]})  # fmt: skip
    out = progress.m0_split(mpi, bases)
    part = dict(zip(out["factor"], out["contribution"], strict=True))
    # dH (A0 + A1) / 2 = -0.1 x 0.425; dA (H0 + H1) / 2 = 0.05 x 0.45
    assert part["H"] == pytest.approx(-0.0425) and part["A"] == pytest.approx(0.0225)
    assert part["H"] + part["A"] == pytest.approx(0.18 - 0.2)
    assert set(out["measure"]) == {"m0_af_k33"}


def test_growth_and_redistribution_hand_computed():
    # welfare ratios (income / line): year 0 mean 1.0, headcount 2/4; year 1 mean 1.1, 1/4.
    start = pl.DataFrame({"area": [1] * 4, "age_band": ["all"] * 4,
                          "ratio": [0.5, 0.9, 1.2, 1.4], "persons": [1] * 4})  # fmt: skip
    end = pl.DataFrame({"area": [1] * 4, "age_band": ["all"] * 4,
                        "ratio": [0.6, 1.05, 1.15, 1.6], "persons": [1] * 4})  # fmt: skip
    out = progress.growth_redistribution(start, end, {"province": "area"})
    part = dict(zip(out["factor"], out["contribution"], strict=True))
    # P(mu1, L0): 0.55 0.99 1.32 1.54 -> 2/4; P(mu0, L1): 0.545 0.955 1.045 1.455 -> 2/4
    # growth = [(0.5 - 0.5) + (0.25 - 0.5)] / 2; redistribution = [(0.5 - 0.5) + (0.25 - 0.5)] / 2
    assert part == pytest.approx({"growth": -0.125, "redistribution": -0.125})


def test_growth_and_redistribution_add_up_to_the_change_on_weighted_records():
    rng = np.random.default_rng(3)
    frames = []
    for scale in (1.0, 1.3):
        n = 500
        frames.append(pl.DataFrame({
            "area": rng.integers(0, 3, n), "age_band": rng.choice(["0-5", "22-59"], n),
            "ratio": rng.lognormal(0, 0.6, n) * scale, "persons": rng.integers(1, 5, n),
        }))  # fmt: skip
    out = progress.growth_redistribution(*frames, {"district": "area"})
    total = out.group_by("area_code", "age_band").agg(pl.col("contribution").sum())

    def headcount(f: pl.DataFrame) -> pl.DataFrame:
        both = pl.concat([f.with_columns(pl.col("age_band")),
                          f.with_columns(pl.lit("all").alias("age_band"))])  # fmt: skip
        return both.group_by(pl.col("area").cast(pl.String).alias("area_code"), "age_band").agg(
            ((pl.col("ratio") < 1) * pl.col("persons")).sum() / pl.col("persons").sum()
        )

    change = headcount(frames[1]).join(headcount(frames[0]), on=["area_code", "age_band"])
    check = total.join(change, on=["area_code", "age_band"])
    assert check.height == 9
    np.testing.assert_allclose(check["contribution"], check["ratio"] - check["ratio_right"])
    growth = out.filter(pl.col("factor") == "growth")["contribution"]
    assert (growth < 0).all()  # every income 30 % higher: growth lowers poverty everywhere


MEASURES = ["target_poor_persons", "mpi_poor_rate"]
BANDS = ["all", "0-5"]


def test_targets_on_track_and_attained():
    text = """
centre: "50"
targets:
  - measure: mpi_poor_rate
    area: "5001"
    reduce_by: 0.5
    by_year_be: 2569
  - measure: mpi_poor_rate
    area: "5003"
    value: 0.05
    by_year_be: 2567
"""
    centre = targets.parse_centre(text, "50.yaml", MEASURES, BANDS)
    out = progress.progress(values(), 2567, LEVELS, ["mpi_poor_rate"])
    got = {r["area_code"]: r for r in targets.attainment(out, [centre], 2567).iter_rows(named=True)}
    # 5001: 0.40 -> target 0.20 by 2569; halfway through 2567 the line is at 0.30, actual 0.20
    a = got["5001"]
    assert a["target_value"] == pytest.approx(0.20) and a["expected_value"] == pytest.approx(0.30)
    assert a["on_track"] and a["attained"] and a["gap_to_target"] == pytest.approx(0.0)
    # 5003: 0.10 -> 0.05 by 2567, actual 0.15: off track
    b = got["5003"]
    assert b["expected_value"] == pytest.approx(0.05) and not b["on_track"] and not b["attained"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("centre: [", "50.yaml: not valid YAML at line 1"),
        ("centre: '50'\ntargets: []", "50.yaml: targets: expected a list of at least one target"),
        (
            "centre: 123\ntargets: [{measure: mpi_poor_rate, value: 0, by_year_be: 2570}]",
            "50.yaml: centre: 123 is not an area code",
        ),
        (
            "centre: '50'\ntargets: [{measure: poor, value: 0, by_year_be: 2570}]",
            "50.yaml: targets[0].measure: 'poor' is not a progress measure",
        ),
        (
            "centre: '50'\ntargets: [{measure: mpi_poor_rate, value: 0, reduce_by: 1, "
            "by_year_be: 2570}]",
            "50.yaml: targets[0]: give exactly one of 'value' and 'reduce_by'",
        ),
        (
            "centre: '50'\ntargets: [{measure: mpi_poor_rate, value: 0, by_year_be: 2013}]",
            "50.yaml: targets[0].by_year_be: must be a survey year BE (2400-2700), got 2013",
        ),
        (
            "centre: '50'\ntargets: [{measure: mpi_poor_rate, value: x, by_year_be: 2570}]",
            "50.yaml: targets[0].value: must be a number, got 'x'",
        ),
        (
            "centre: '50'\ntargets: [{measure: mpi_poor_rate, value: 0, by_year_be: 2570, "
            "area: '5101'}]",
            "50.yaml: targets[0].area: '5101' is not an area under centre 50",
        ),
        (
            "centre: '50'\ntargets: [{measure: mpi_poor_rate, value: 0, by_year_be: 2570, "
            "age_band: kids}]",
            "50.yaml: targets[0].age_band: 'kids' is not one of all, 0-5",
        ),
    ],
)
def test_a_malformed_target_file_is_one_clear_line(text, message):
    with pytest.raises(targets.TargetsError) as err:
        targets.parse_centre(text, "50.yaml", MEASURES, BANDS)
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)


def test_a_missing_target_file_is_one_clear_line(tmp_path):
    with pytest.raises(targets.TargetsError, match=r"^.*50\.yaml: no such target file$"):
        targets.load_centres([tmp_path / "50.yaml"], MEASURES, BANDS)


def test_target_poor_change_on_one_rule_across_a_rule_change():
    """BMN 2565 counts verified card holders, 2566 any registrant (survey_rules.yaml). Built so
    that poverty falls on every rule while the official series rises: 2565 has 100 MPI-poor
    verified and 50 registered but unverified; 2566 has 90 and 40. Official: 100 -> 130 (+30,
    the rule change); on the later rule (card_any): 150 -> 130 (-20); on the earlier rule
    (card_verified): 100 -> 90 (-10). The counts go through sql/progress/values.sql as the
    marts hold them."""
    import duckdb

    import sql

    con = duckdb.connect()
    con.execute(sql.load("schema"))
    for year, verified, registered, rule_count in ((2565, 100, 50, 100), (2566, 90, 40, 130)):
        con.execute(
            """INSERT INTO marts.area_summary BY NAME SELECT ? AS year_be, ? - 543 AS year,
               ? + 1 AS tpmap_year_be, 'country' AS level, 'TH' AS area_code, 'ไทย' AS name_th,
               'Thailand' AS name_en, 'all' AS age_band, 400 AS households, 1000 AS persons,
               200 AS mpi_poor_persons, 200 AS mpi_poor_persons_own, ? AS target_poor_persons,
               ? AS mpi_poor_card_verified, ? AS mpi_poor_card_registered,
               200 - ? - ? AS mpi_poor_no_card, 0 AS child_areas, 1 AS villages""",
            [year, year, year, rule_count, verified, registered, verified, registered],
        )
    values = con.sql(sql.load("progress/values"), params={"year_be": 2566}).pl()
    rules = {2565: "card_verified", 2566: "card_any"}
    out = progress.progress(values, 2566, LEVELS, [], rules=rules)

    official = row(out, "TH", "previous", "target_poor_persons")
    assert (official["base_value"], official["value"]) == (100, 130)
    assert official["absolute"] == 30 and official["series"] == "official"
    assert (official["base_target_rule"], official["target_rule"]) == ("card_verified", "card_any")
    assert official["series_break"] == (
        "target-poor rule changed: card_verified (BMN 2565) -> card_any (BMN 2566)"
    )
    assert "card_verified (จปฐ. 2565) -> card_any (จปฐ. 2566)" in official["series_break_th"]

    later = row(out, "TH", "previous", "target_poor_persons_card_any")
    assert (later["base_value"], later["value"], later["absolute"]) == (150, 130, -20)
    assert later["series"] == "later_rule" and later["series_break"] is None
    earlier = row(out, "TH", "previous", "target_poor_persons_card_verified")
    assert (earlier["base_value"], earlier["value"], earlier["absolute"]) == (100, 90, -10)
    assert earlier["series"] == "earlier_rule"
    # the rates follow the counts (1,000 persons both years); the sign is the underlying one
    rate = row(out, "TH", "previous", "target_poor_rate_card_any")
    assert rate["absolute"] == pytest.approx(-0.02) and rate["relative"] == pytest.approx(-20 / 150)
    assert row(out, "TH", "previous", "target_poor_rate")["absolute"] == pytest.approx(0.03)
    # a measure that does not depend on the rule says nothing about it
    mpi = row(out, "TH", "previous", "mpi_poor_persons")
    assert mpi["series"] is None and mpi["series_break"] is None

    # without a rule change there is no break, and the later rule is the official one
    same = progress.progress(values, 2566, LEVELS, [], rules={2565: "card_any", 2566: "card_any"})
    assert row(same, "TH", "previous", "target_poor_persons")["series_break"] is None

    # a target set on the official count starts from the baseline counted on this year's rule:
    # halving 150 (not 100) by 2567, the halfway line in 2566 is 112.5; 130 is above it
    centre = targets.parse_centre(
        "centre: TH\ntargets:\n  - measure: target_poor_persons\n    reduce_by: 0.5\n"
        "    by_year_be: 2567\n",
        "th.yaml",
        ["target_poor_persons"],
        ["all"],
    )
    got = targets.attainment(out, [centre], 2566).row(0, named=True)
    assert got["base_value"] == 150 and got["target_value"] == 75
    assert got["expected_value"] == pytest.approx(112.5) and not got["on_track"]
    assert got["series_break"] is not None


def test_the_parts_of_the_country_give_the_whole_countrys_rows():
    """store/progress.py runs progress on one part at a time (sql/progress/parts.sql: the top
    tier, then each province's subtree); put together, the parts' rows are those of the whole
    country at once, to the bit: ranks among peers of two provinces, a province's convergence
    over its districts, an area missing in the base year, a centre's own baseline."""
    import duckdb

    import sql
    from store.progress import CONVERGE, PROVINCE_LEVELS, TOP, TOP_LEVELS

    rng = np.random.default_rng(5)
    tree = [("country", "TH", None), ("region", "1", "TH")]
    for p in ("10", "11"):
        tree.append(("province", p, "1"))
        for d in range(1, 4):
            tree.append(("district", f"{p}0{d}", p))
            for s in range(1, 3):
                tree.append(("subdistrict", f"{p}0{d}0{s}", f"{p}0{d}"))
                tree += [("village", f"{p}0{d}0{s}0{v}", f"{p}0{d}0{s}") for v in range(1, 4)]
    rows = [
        {"year_be": y, "level": lv, "area_code": a, "parent_code": par, "age_band": band,
         "measure": m, "value": float(rng.integers(0, 5)) / 4}
        for y in YEARS for lv, a, par in tree for band in ("all", "0-5")
        for m in ("mpi_poor_rate", "target_poor_rate")
        if not (y == 2566 and a == "1102")  # a district new since the previous year
    ]  # fmt: skip
    values = pl.DataFrame(rows)
    baselines = pl.DataFrame(
        {"level": ["district"], "area_code": ["1001"], "baseline_year_be": [2566]}
    )
    whole = progress.progress(values, 2567, LEVELS, CONVERGE, baselines)
    tagged = duckdb.sql(sql.load("progress/parts").format(query="SELECT * FROM values")).pl()
    parts = [
        progress.progress(
            tagged.filter(pl.col("part") == part).drop("part"), 2567, LEVELS, CONVERGE,
            baselines, years=YEARS, report=TOP_LEVELS if part == TOP else PROVINCE_LEVELS,
        )
        for part in tagged["part"].unique().sort()
    ]  # fmt: skip
    assert sorted(tagged["part"].unique()) == ["10", "11", TOP]
    together = pl.concat(parts)
    keys = ["comparison", "level", "area_code", "age_band", "measure"]
    assert whole.height > 600 and together.height == whole.height
    assert together.sort(keys).equals(whole.sort(keys).select(together.columns))
    assert whole.filter(pl.col("measure").str.contains("_child_")).height > 0
    own = whole.filter((pl.col("area_code") == "1001") & (pl.col("comparison") == "baseline"))
    assert own["base_year_be"].unique().to_list() == [2566]
