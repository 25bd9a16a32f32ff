"""A corpus of bad files: each case asserts the exact rule or file error, and that every other
row still arrives (the harness also checks rows read = staged + quarantined for every file)."""

import csv
import io

import polars as pl
import pytest
import xlsxwriter

from ingest.staging import HOUSEHOLD, MEMBER, quarantine_rows
from schemas.catalog import sources
from tests.handmade import citizen_id, house_code, household, member
from tests.validation.harness import base_households, base_members, stage

H_COLUMNS = sources()["bmn_household"].names
M_COLUMNS = sources()["bmn_member"].names


def csv_bytes(rows, columns, encoding="utf-8", title: str | None = None) -> bytes:
    out = io.StringIO()
    if title:
        out.write(title + "\n\n")
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def with_members(*rows):
    return base_members() + list(rows)


# --- clean but messy: normalised, nothing quarantined ---------------------------------------


def test_valid_base_stages_everything(tmp_path):
    out = stage(tmp_path)
    assert out.rules() == set() and (out.households, out.members) == (2, 3)


def test_thai_digits_and_invisible_characters_are_normalised(tmp_path):
    households = [
        household(1, members_declared="๒", village_code="\u200b๕๐๐๑๐๑๐๑ ", income_main="๑๒๐,๐๐๐"),
        household(2, members_declared=1),
    ]
    out = stage(tmp_path, households=households)
    assert out.rules() == set()
    row = out.staged.rows(HOUSEHOLD).filter(pl.col("row_index") == 2).row(0, named=True)
    assert (row["village_code"], row["members_declared"], row["income_main"]) == (
        "50010101",
        2,
        120000.0,
    )


def test_be_birth_dates_become_ages(tmp_path):
    members = [
        member(1, 1, birth_date="15/08/2530"),
        member(1, 2, birth_date="01/04/2565"),
        member(2, 3),
    ]
    out = stage(tmp_path, members=members)
    ages = dict(out.staged.rows(MEMBER).select("row_index", "age").iter_rows())
    assert ages[2] == 35  # born 15 Aug 1987, counted on 31 March 2023
    assert ages[3] == 0


def test_excel_float_codes_lose_their_decimal(tmp_path):
    households = [
        household(1, members_declared="2.0", village_code="50010101.0"),
        household(2, members_declared=1),
    ]
    out = stage(tmp_path, households=households)
    assert out.rules() == set() and out.households == 2


def test_excel_scientific_notation_code_is_quarantined(tmp_path):
    households = [
        household(1, members_declared=2),
        household(2, members_declared=1, house_code="5.001E+10"),
    ]
    members = with_members()[:2] + [member(2, 3, house_code="5.001E+10")]
    out = stage(tmp_path, households=households, members=members)
    assert out.rules() == {("h", 3, "house_code", "digits"), ("m", 4, "house_code", "digits")}


def test_abolished_subdistrict_maps_to_its_successor_and_keeps_the_code_sent(tmp_path):
    # ต.นาเกลือ 110105 (อ.เมืองสมุทรปราการ) was abolished; its successor is 110501
    households = base_households() + [
        household(3, village_code="11010503", house_code=house_code(3, "1101"))
    ]
    members = with_members(member(3, 4, house_code=house_code(3, "1101")))
    out = stage(tmp_path, households=households, members=members)
    assert out.rules() == set()
    row = out.staged.rows(HOUSEHOLD).filter(pl.col("row_index") == 4).row(0, named=True)
    assert (row["village_code"], row["village_code_sent"]) == ("11050103", "11010503")


def test_extra_unknown_column_is_ignored(tmp_path):
    raw = csv_bytes([{**h, "remark": "ok"} for h in base_households()], H_COLUMNS + ["remark"])
    out = stage(tmp_path, households=[], extra_files={"households/extra.csv": raw})
    assert out.rules() == set() and out.households == 2


def test_utf8_bom_file_reads(tmp_path):
    raw = csv_bytes(base_households(), H_COLUMNS, encoding="utf-8-sig")
    out = stage(tmp_path, households=[], extra_files={"households/bom.csv": raw})
    assert out.rules() == set() and out.households == 2


def test_cp874_file_with_a_thai_title_row_reads(tmp_path):
    raw = csv_bytes(
        base_households(), H_COLUMNS, encoding="cp874", title="แบบสำรวจข้อมูลความจำเป็นพื้นฐาน ปี ๒๕๖๖"
    )
    out = stage(tmp_path, households=[], extra_files={"households/tis620.csv": raw})
    assert out.rules() == set() and out.households == 2


def test_xlsx_with_title_rows_reads(tmp_path):
    path = tmp_path / "book.xlsx"
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("ครัวเรือน")
    sheet.write_row(0, 0, ["รายงาน จปฐ. 2566"])
    sheet.write_row(2, 0, H_COLUMNS)
    for i, row in enumerate(base_households(), start=3):
        sheet.write_row(i, 0, [row[c] for c in H_COLUMNS])
    book.close()
    out = stage(tmp_path, households=[], extra_files={"households/book.xlsx": path.read_bytes()})
    assert out.rules() == set() and out.households == 2


def test_parquet_reads(tmp_path):
    path = tmp_path / "h.parquet"
    pl.DataFrame(base_households()).write_parquet(path)
    out = stage(tmp_path, households=[], extra_files={"households/h.parquet": path.read_bytes()})
    assert out.rules() == set() and out.households == 2


# --- file-level failures: the file is held, the run goes on -------------------------------


def test_mojibake_encoding_is_refused_not_guessed(tmp_path):
    raw = csv_bytes(base_households(), H_COLUMNS).replace(b"50010101", b"5001010\xe9")
    out = stage(tmp_path, extra_files={"households/latin1.csv": raw})
    assert out.file_errors() == {
        "bmn/2566/households/latin1.csv": (
            "neither UTF-8 nor Thai Windows-874 text: say which encoding it is"
        )
    }
    assert (out.households, out.members) == (2, 3)  # the other files still load


def test_empty_file(tmp_path):
    out = stage(tmp_path, extra_files={"households/empty.csv": b""})
    assert out.file_errors() == {"bmn/2566/households/empty.csv": "the file is empty"}
    assert ("h", None, None, "unreadable") in out.rules()


def test_header_without_rows(tmp_path):
    out = stage(tmp_path, extra_files={"households/header.csv": csv_bytes([], H_COLUMNS)})
    assert out.file_errors() == {"bmn/2566/households/header.csv": "no data rows"}
    assert ("h", None, None, "no_rows") in out.rules()


def test_truncated_inside_a_quoted_cell(tmp_path):
    # issue 23: the cut row is held with its row number and reason; the rows before it load,
    # and so the members of their households (it used to hold the whole file and, by cascade,
    # every member)
    raw = csv_bytes(base_households(), H_COLUMNS) + b"5001000000" + b'9,"5001'
    out = stage(tmp_path, households=[], extra_files={"households/cut.csv": raw})
    assert out.file_errors() == {}
    assert out.rules() == {("h", 4, H_COLUMNS[1], "broken_quote")}
    assert (out.households, out.members) == (2, 3)
    message = quarantine_rows(out.staged.failures, 2566)["message_en"][0]
    assert "was the file cut short" in message and "rest of the file was loaded" in message


def test_truncated_at_a_row_end_quarantines_the_short_row(tmp_path):
    raw = csv_bytes(base_households(), H_COLUMNS).rstrip(b"\n")
    raw = raw[: raw.rindex(b",", 0, raw.rindex(b",") - 1)]  # cut the last two cells
    out = stage(tmp_path, households=[], extra_files={"households/short.csv": raw})
    assert out.rules() == {
        ("h", 3, "domestic_water_lpd", "required"),
        ("h", 3, "home_hygienic", "required"),
        ("m", 4, "house_code", "household_rejected"),
    }


def test_missing_required_column_holds_every_row(tmp_path):
    raw = csv_bytes(base_households(), [c for c in H_COLUMNS if c != "village_code"])
    out = stage(tmp_path, households=[], extra_files={"households/nocol.csv": raw})
    assert out.file_errors() == {
        "bmn/2566/households/nocol.csv": "missing required column(s): village_code; read with "
        "encoding utf-8, separator comma ',', 13 column(s), the first header cell read as "
        "'survey_year'"
    }
    assert {r for r in out.rules() if r[0] == "h"} == {
        ("h", 2, "village_code", "missing_column"),
        ("h", 3, "village_code", "missing_column"),
    }


def test_duplicated_header_column(tmp_path):
    raw = csv_bytes(base_households(), H_COLUMNS).replace(b"home_hygienic", b"food_safe", 1)
    out = stage(tmp_path, extra_files={"households/dup.csv": raw})
    assert out.file_errors() == {
        "bmn/2566/households/dup.csv": "column(s) named twice in the header: food_safe"
    }


def test_same_file_twice_is_loaded_once(tmp_path):
    raw = csv_bytes(base_households(), H_COLUMNS)
    out = stage(
        tmp_path, households=[], extra_files={"households/a.csv": raw, "households/b.csv": raw}
    )
    assert out.file_errors() == {
        "bmn/2566/households/b.csv": (
            "same content as bmn/2566/households/a.csv, delivered before it: not loaded twice"
        )
    }
    assert out.households == 2 and out.rules() == {("h", None, None, "duplicate_file")}


# --- row rules ------------------------------------------------------------------------------


def test_formula_looking_cells(tmp_path):
    households = [
        household(1, members_declared=2, income_main='=HYPERLINK("http://x","9")'),
        household(2, members_declared=1),
    ]
    members = [member(1, 1), member(1, 2, citizen_id="=1+1"), member(2, 3)]
    out = stage(tmp_path, households=households, members=members)
    # the member with the formula ID is held for that; its housemate for the household's formula
    assert out.rules() == {
        ("h", 2, "income_main", "type"),
        ("m", 3, "citizen_id", "digits"),
        ("m", 2, "house_code", "household_rejected"),
    }


def test_citizen_id_check_digit_and_length(tmp_path):
    good = citizen_id(2)
    wrong = good[:12] + str((int(good[12]) + 1) % 10)
    members = [member(1, 1, citizen_id=wrong), member(1, 2, citizen_id=good[:12]), member(2, 3)]
    out = stage(tmp_path, members=members)
    assert out.rules() == {
        ("m", 2, "citizen_id", "citizen_id_check_digit"),
        ("m", 3, "citizen_id", "digits"),
        ("h", 2, "house_code", "household_without_members"),
    }


def test_house_code_of_another_district(tmp_path):
    households = [
        household(1, members_declared=2),
        household(2, members_declared=1, house_code=house_code(2, "5002")),
    ]
    members = base_members()[:2] + [member(2, 3, house_code=house_code(2, "5002"))]
    out = stage(tmp_path, households=households, members=members)
    assert out.rules() == {
        ("h", 3, "house_code", "house_code_district"),
        ("m", 4, "house_code", "household_rejected"),
    }


def test_unknown_area_and_village_number_zero(tmp_path):
    households = [
        household(1, members_declared=2, village_code="50019901"),
        household(2, members_declared=1, village_code="50010100"),
    ]
    out = stage(tmp_path, households=households)
    assert {r for r in out.rules() if r[0] == "h"} == {
        ("h", 2, "village_code", "area_unknown"),
        ("h", 3, "village_code", "village_number"),
    }
    assert out.members == 0


def test_abolished_area_without_a_single_successor(tmp_path):
    households = base_households() + [
        household(3, village_code="11019401", house_code=house_code(3, "1101"))
    ]
    members = with_members(member(3, 4, house_code=house_code(3, "1101")))
    out = stage(tmp_path, households=households, members=members)
    assert out.rules() == {
        ("h", 4, "village_code", "area_ambiguous"),
        ("m", 5, "house_code", "household_rejected"),
    }


def test_ages_outside_0_to_120_and_impossible_dates(tmp_path):
    members = [
        member(1, 1, birth_date="01/01/2400"),
        member(1, 2, birth_date="31/02/2530"),
        member(2, 3, birth_date="01/01/2570"),
    ]
    out = stage(tmp_path, members=members)
    assert {r for r in out.rules() if r[0] == "m"} == {
        ("m", 2, "birth_date", "age"),
        ("m", 3, "birth_date", "date"),
        ("m", 4, "birth_date", "age"),
    }


def test_negative_income_and_codes_outside_the_catalog(tmp_path):
    households = [
        household(1, members_declared=2, income_other=-5),
        household(2, members_declared=1),
    ]
    members = [member(1, 1), member(1, 2), member(2, 3, sex=3, welfare_card=7)]
    out = stage(tmp_path, households=households, members=members)
    assert out.rules() >= {
        ("h", 2, "income_other", "range"),
        ("m", 4, "sex", "allowed"),
        ("m", 4, "welfare_card", "allowed"),
    }


def test_wrong_survey_year(tmp_path):
    households = [
        household(1, members_declared=2, survey_year=2565),
        household(2, members_declared=1),
    ]
    out = stage(tmp_path, households=households)
    assert out.rules() == {
        ("h", 2, "survey_year", "year_mismatch"),
        ("m", 2, "house_code", "household_rejected"),
        ("m", 3, "house_code", "household_rejected"),
    }


def test_row_with_more_cells_than_the_header(tmp_path):
    text = csv_bytes(base_households(), H_COLUMNS).decode().splitlines()
    text[2] = text[2] + ",surplus"
    out = stage(
        tmp_path,
        households=[],
        extra_files={"households/wide.csv": ("\n".join(text) + "\n").encode()},
    )
    assert out.rules() == {
        ("h", 3, "__extra_cells__", "extra_cells"),
        ("m", 4, "house_code", "household_rejected"),
    }


def test_declared_member_count_must_match_the_member_file(tmp_path):
    households = [household(1, members_declared=3), household(2, members_declared=1)]
    out = stage(tmp_path, households=households)
    assert out.rules() == {
        ("h", 2, "members_declared", "member_count_mismatch"),
        ("m", 2, "house_code", "household_rejected"),
        ("m", 3, "house_code", "household_rejected"),
    }


def test_same_person_twice_in_a_household(tmp_path):
    households = [household(1, members_declared=3), household(2, members_declared=1)]
    members = with_members(member(1, 1, member_no=3))
    out = stage(tmp_path, households=households, members=members)
    assert out.rules() == {("m", 5, "citizen_id", "duplicate_member")}


def test_one_person_in_two_households(tmp_path):
    households = [household(1, members_declared=2), household(2, members_declared=2)]
    members = with_members(member(2, 1, member_no=2))
    out = stage(tmp_path, households=households, members=members)
    assert out.rules() == {
        ("m", 2, "citizen_id", "person_in_two_households"),
        ("m", 5, "citizen_id", "person_in_two_households"),
    }


def test_household_without_members_and_member_without_household(tmp_path):
    households = base_households() + [household(3, members_declared=1)]
    members = with_members(member(9, 9))
    out = stage(tmp_path, households=households, members=members)
    assert out.rules() == {
        ("h", 4, "house_code", "household_without_members"),
        ("m", 5, "house_code", "member_without_household"),
    }


def test_duplicate_household_row(tmp_path):
    households = base_households() + [household(1, members_declared=2)]
    out = stage(tmp_path, households=households)
    assert out.rules() == {("h", 4, "house_code", "duplicate_household")}
    assert (out.households, out.members) == (2, 3)


def test_quarantine_masks_identifiers_and_explains_in_both_languages(tmp_path):
    from ingest.staging import quarantine_rows

    bad_id = citizen_id(2)[:12] + "0" if citizen_id(2)[12] != "0" else citizen_id(2)[:12] + "1"
    members = [member(1, 1), member(1, 2, citizen_id=bad_id, sex=9), member(2, 3)]
    out = stage(tmp_path, members=members)
    rows = quarantine_rows(out.staged.failures, 2566).sort("column_name")
    by_column = {r["column_name"]: r for r in rows.iter_rows(named=True)}
    assert by_column["citizen_id"]["value"] == "*" * 13  # never the ID itself
    assert bad_id not in str(rows.to_dicts())
    assert by_column["sex"]["value"] == "9"  # not an identifier: shown to help the fix
    assert "check digit" in by_column["citizen_id"]["message_en"]
    assert "เลขตรวจสอบ" in by_column["citizen_id"]["message_th"]
    assert by_column["sex"]["message_en"].startswith("sex (Sex) = '9'")
    assert by_column["sex"]["message_th"].startswith("ช่อง sex (เพศ) = '9'")


def test_blanks_around_values_in_a_plain_ascii_file(tmp_path):
    households = [
        household(1, members_declared=" 2", village_code="50010101 "),
        household(2, members_declared=1, income_main="\t50000"),
    ]
    out = stage(tmp_path, households=households)
    assert out.rules() == set() and out.households == 2


def test_file_text_rules_out_repairs_it_cannot_need():
    from ingest.readers import possible_repairs

    assert possible_repairs("a,b\n1,2\n") == frozenset()
    assert possible_repairs("a,b\n1, 2\n") == {"edges"}
    assert possible_repairs('a,b\n1," 2"\n') == {"edges", "comma"}
    assert possible_repairs("a,b\n๑,2.0\n") == {"thai", "dot"}
    assert possible_repairs("a,b\n1,2 ") == {"edges"}


def test_a_named_sheet_and_a_fixed_encoding_can_be_asked_for(tmp_path):
    from ingest.readers import UnreadableFile, read_text

    path = tmp_path / "two.xlsx"
    book = xlsxwriter.Workbook(path)
    book.add_worksheet("หมายเหตุ").write_row(0, 0, ["notes only"])
    sheet = book.add_worksheet("ครัวเรือน")
    sheet.write_row(0, 0, H_COLUMNS)
    sheet.write_row(1, 0, [base_households()[0][c] for c in H_COLUMNS])
    book.close()
    assert read_text(path, H_COLUMNS, sheet="ครัวเรือน").frame.height == 1
    assert read_text(path, H_COLUMNS, sheet="หมายเหตุ").frame.columns == ["row_index", "notes only"]
    # by default, the first sheet that holds the header: the notes sheet before it has none
    assert read_text(path, H_COLUMNS).sheet == "ครัวเรือน"

    thai = tmp_path / "tis620.csv"
    thai.write_bytes("house_code,ชื่อ\n50010000001,บ้าน\n".encode("cp874"))
    assert read_text(thai, encoding="cp874").frame["ชื่อ"].to_list() == ["บ้าน"]
    with pytest.raises(UnreadableFile, match="not valid utf-8"):
        read_text(thai, encoding="utf-8")
