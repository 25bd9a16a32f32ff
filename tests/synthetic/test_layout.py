"""Files, names, columns, encodings and values follow the input layout of schemas/catalog."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from synthetic import generate, parse_scale, parse_years
from tests.synthetic.synthetic_checks import YEARS, catalog_fields, read_table

TABLES = ("households", "members")


def test_one_file_per_province_year_and_table(tiny):
    expected = {tiny.out / "README.md"} | {
        tiny.out / "bmn" / str(y) / t / f"synthetic_bmn_{y}_58_{t}.csv"
        for y in YEARS
        for t in TABLES
    } | {tiny.out / "cases" / str(y) / f"synthetic_cases_{y}_58.csv" for y in YEARS}
    on_disk = {p for p in tiny.out.rglob("*") if p.is_file()}
    assert on_disk == expected
    assert set(tiny.files) == expected


@pytest.mark.parametrize("table", TABLES)
def test_csv_header_encoding_and_line_ends(tiny, table):
    names = [f["name"] for f in catalog_fields(table)]
    for path in sorted(tiny.out.glob(f"bmn/*/{table}/*.csv")):
        raw = path.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf")
        assert b"\r" not in raw
        raw.decode("utf-8")
        assert raw.split(b"\n", 1)[0].decode() == ",".join(names)


@pytest.mark.parametrize("table", TABLES)
def test_values_respect_the_catalog(tiny, table):
    frame = read_table(tiny.out, table)
    assert frame.columns == [f["name"] for f in catalog_fields(table)]
    for field in catalog_fields(table):
        column = frame[field["name"]]
        if field.get("required"):
            assert column.null_count() == 0, field["name"]
        values = column.drop_nulls()
        if "allowed" in field:
            assert set(values.unique().to_list()) <= set(field["allowed"]), field["name"]
        if "min" in field:
            assert values.min() >= field["min"], field["name"]
        if "max" in field:
            assert values.max() <= field["max"], field["name"]
        if "digits" in field:
            assert values.str.contains(rf"^\d{{{field['digits']}}}$").all(), field["name"]


def test_birth_dates_are_valid_buddhist_era_dates(tiny):
    members = read_table(tiny.out, "members")
    dates = members["birth_date"]
    assert dates.str.contains(r"^\d{2}/\d{2}/\d{4}$").all()
    for text in dates.sample(500, seed=1).to_list():
        day, month, year_be = map(int, text.split("/"))
        born = dt.date(year_be - 543, month, day)  # raises if not a date
        assert dt.date(1915, 1, 1) <= born <= dt.date(2024, 3, 31)


def test_every_optional_field_is_sometimes_blank_and_sometimes_answered(tiny):
    members = read_table(tiny.out, "members")
    for field in catalog_fields("members"):
        if not field.get("required"):
            nulls = members[field["name"]].null_count()
            assert 0 < nulls < members.height, field["name"]


def test_members_declared_equals_member_rows(tiny):
    households = read_table(tiny.out, "households")
    rows = read_table(tiny.out, "members").group_by("survey_year", "house_code").len()
    joined = households.join(rows, on=["survey_year", "house_code"], how="full", coalesce=True)
    assert joined["len"].null_count() == 0 and joined["members_declared"].null_count() == 0
    assert (joined["members_declared"] == joined["len"]).all()


def test_summary_counts_match_the_files(tiny):
    for year in YEARS:
        assert tiny.households[year] == read_table(tiny.out, "households", year).height
        assert tiny.persons[year] == read_table(tiny.out, "members", year).height
    assert 1_900 <= tiny.households[YEARS[0]] <= 2_100


def test_readme_says_synthetic(tiny):
    text = (tiny.out / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in text and "not real people" in text
    assert "seed: 2561" in text and "scale: tiny" in text and "TPMAP 2561" in text


def test_parse_scale():
    assert parse_scale("demo").fraction == 0.01 and parse_scale("demo").provinces is None
    assert parse_scale("national").fraction == 1.0
    assert parse_scale("0.05").fraction == 0.05 and parse_scale(0.2).fraction == 0.2
    tiny = parse_scale("tiny")
    assert tiny.provinces == ("58",) and 0.0 < tiny.fraction < 0.05
    for bad in ("huge", "0", "1.5", -0.1):
        with pytest.raises(ValueError):
            parse_scale(bad)


def test_provinces_outside_the_scale_are_refused(tmp_path):
    with pytest.raises(ValueError):
        generate("tiny", years=(2565,), out=tmp_path, provinces=["30"])
    with pytest.raises(ValueError):
        generate("demo", years=(2565,), out=tmp_path, provinces=["10"])  # Bangkok: no survey


def test_parse_years():
    assert parse_years("2565-2567") == [2565, 2566, 2567]
    assert parse_years("2567,2565") == [2565, 2567]
    assert parse_years("2566") == [2566]
    with pytest.raises(ValueError):
        parse_years("65-67x")


def test_members_have_one_head_per_household(tiny):
    members = read_table(tiny.out, "members")
    per_house = members.group_by("survey_year", "house_code").agg(
        (pl.col("relation") == 1).sum().alias("heads"),
        (pl.col("relation") == 2).sum().alias("spouses"),
    )
    assert (per_house["heads"] == 1).all()
    assert (per_house["spouses"] <= 1).all()


def test_case_files_follow_the_catalog_with_one_current_status_per_problem(tiny):
    from schemas.catalog import sources

    for year in YEARS:
        path = tiny.out / "cases" / str(year) / f"synthetic_cases_{year}_58.csv"
        cases = pl.read_csv(path, infer_schema=False)
        assert cases.columns == sources()["case_record"].names
        per_problem = cases.group_by("house_code", "indicator_code").agg(
            (pl.col("current") == "1").sum().alias("current")
        )
        assert per_problem.height > 0 and (per_problem["current"] == 1).all()
        assert set(cases["status"]) <= set(sources()["case_record"].field("status").allowed)
        households = pl.read_csv(
            tiny.out / "bmn" / str(year) / "households" / f"synthetic_bmn_{year}_58_households.csv",
            infer_schema=False,
        )
        assert set(cases["house_code"]) <= set(households["house_code"])
