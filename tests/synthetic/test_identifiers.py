"""Citizen IDs, house codes and village codes are well formed, unique and stable over years."""

from __future__ import annotations

import geothai
import polars as pl

from tests.synthetic.synthetic_checks import read_table, valid_citizen_id


def test_citizen_ids_have_13_digits_and_a_valid_check_digit(tiny):
    ids = read_table(tiny.out, "members")["citizen_id"]
    assert ids.str.len_chars().eq(13).all()
    assert all(valid_citizen_id(code) for code in ids.to_list())
    assert ids.str.slice(0, 1).is_in([str(d) for d in range(1, 9)]).all()


def test_check_digit_helper_rejects_a_wrong_digit():
    good = "1101700203450"  # made-up number, valid by the rule
    assert valid_citizen_id(good)
    assert not valid_citizen_id(good[:12] + str((int(good[12]) + 1) % 10))


def test_citizen_ids_are_unique_within_a_year(tiny):
    members = read_table(tiny.out, "members")
    per_year = members.group_by("survey_year").agg(
        pl.len().alias("rows"), pl.col("citizen_id").n_unique().alias("ids")
    )
    assert (per_year["rows"] == per_year["ids"]).all()


def test_the_same_member_keeps_the_same_id_across_years(tiny):
    members = read_table(tiny.out, "members")
    by_member = members.group_by("house_code", "member_no").agg(
        pl.col("citizen_id").n_unique().alias("ids"), pl.col("survey_year").n_unique()
    )
    assert (by_member["ids"] == 1).all()
    by_id = members.group_by("citizen_id").agg(
        pl.struct("house_code", "member_no").n_unique().alias("members"),
        pl.col("birth_date").n_unique().alias("births"),
        pl.col("sex").n_unique().alias("sexes"),
    )
    # An ID is one person wherever they live: movers and re-registered houses (synthetic/
    # panel.py, model.py) give a person another member number or house code, but few do.
    assert (by_id["births"] == 1).all() and (by_id["sexes"] == 1).all()
    assert 0 < (by_id["members"] > 1).mean() < 0.1
    # A panel: most people appear in all three years.
    assert (by_member["survey_year"] == 3).mean() > 0.85


def test_some_households_change_house_code_and_some_people_move(tiny):
    """Over each pair of years: a few house codes are new (re-registered or founded) or gone,
    and a few people are in a household other than the one they were in."""
    members = read_table(tiny.out, "members").select("survey_year", "house_code", "citizen_id")
    years = sorted(members["survey_year"].unique().to_list())
    for before, after in zip(years, years[1:], strict=False):
        old = members.filter(pl.col("survey_year") == before)
        new = members.filter(pl.col("survey_year") == after)
        codes_old, codes_new = set(old["house_code"]), set(new["house_code"])
        assert 0 < len(codes_new - codes_old) < 0.05 * len(codes_new)
        assert 0 < len(codes_old - codes_new) < 0.05 * len(codes_old)
        both = new.join(old, on="citizen_id", suffix="_old")
        # the household of each old house code now: the code most of its people live under
        home = both.group_by("house_code_old").agg(pl.col("house_code").mode().first())
        moved = both.join(home, on="house_code_old", suffix="_home").filter(
            pl.col("house_code") != pl.col("house_code_home")
        )
        assert 0 < moved.height < 0.05 * both.height


def test_house_codes_start_with_a_district_of_the_province(tiny):
    households = read_table(tiny.out, "households")
    districts = {d.code for d in geothai.districts("58")}
    codes = households["house_code"]
    assert codes.str.len_chars().eq(11).all()
    assert set(codes.str.slice(0, 4).unique().to_list()) == districts
    per_year = households.group_by("survey_year").agg(pl.col("house_code").is_unique().all())
    assert per_year["house_code"].all()


def test_village_codes_lie_in_a_real_subdistrict_of_the_house_district(tiny):
    households = read_table(tiny.out, "households")
    subdistrict_of = {
        s.code: s.district_code
        for d in geothai.districts("58")
        for s in geothai.subdistricts(d.code)
    }
    pairs = households.select(
        pl.col("village_code").str.slice(0, 6).alias("subdistrict"),
        pl.col("village_code").str.slice(6, 2).cast(pl.Int32).alias("village_no"),
        pl.col("house_code").str.slice(0, 4).alias("district"),
    )
    for subdistrict, district in pairs.select("subdistrict", "district").unique().iter_rows():
        assert subdistrict_of.get(subdistrict) == district
    assert pairs["village_no"].min() >= 1
    # Every district's households are spread over several subdistricts.
    spread = pairs.group_by("district").agg(pl.col("subdistrict").n_unique())
    assert (spread["subdistrict"] >= 2).all()
