"""Deliveries as district offices send them (issue 12): every file under landing/ is loaded or
listed in the ledger with its reason, the variants a person expects to load do, and each case
pins the rows staged and the (file kind, row, column, rule) of every held row. Rows are
numbered as Excel or an editor shows them: the header is row 1 of a plain file."""

import csv
import io
import json
import os

import polars as pl
import xlsxwriter

from ingest.staging import HOUSEHOLD, MEMBER, quarantine_rows
from schemas.catalog import sources
from tests.handmade import citizen_id, house_code, household, member
from tests.validation.harness import YEAR, base_households, base_members, stage

H = sources()["bmn_household"]
M = sources()["bmn_member"]
H_COLUMNS, M_COLUMNS = H.names, M.names
CLEAN = (2, 3)  # households, members of the valid base


def csv_text(rows, columns, sep=",", header=None, line="\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator=line)
    for row in header or [columns]:
        writer.writerow(row)
    writer.writerows([[r.get(c, "") for c in columns] for r in rows])
    return out.getvalue()


def households_csv(**kw) -> bytes:
    return csv_text(base_households(), H_COLUMNS, **kw).encode()


def only_households(tmp_path, name: str, raw: bytes, **kw):
    """The base members, and the base households delivered as ``raw`` under ``name``."""
    return stage(tmp_path, households=[], extra_files={f"households/{name}": raw}, **kw)


# --- every file is loaded or listed -----------------------------------------------------------


def test_files_outside_the_layout_are_listed_with_where_they_belong(tmp_path):
    raw = households_csv()
    out = stage(
        tmp_path,
        landing_files={
            "bmn/2566 copy/households/50_households.csv": raw,
            "bmn/2023/households/50_households.csv": raw,  # CE: 2566 BE
            "bmn/old/50_households.csv": raw,
            "notes.csv": raw,
        },
        extra_files={"50_households.csv": raw, "households/old/50.csv": raw},
    )
    assert out.file_errors() == {
        "bmn/2566 copy/households/50_households.csv": (
            "folder '2566 copy' is not a survey year: move the files to bmn/2566/"
        ),
        "bmn/2023/households/50_households.csv": (
            "folder 2023 is a CE year: survey-year folders are Buddhist Era; move the files to "
            "bmn/2566/ (nothing was loaded from bmn/2023/)"
        ),
        "bmn/old/50_households.csv": (
            "'old' is not a survey-year folder: BMN files go in bmn/<year BE>/"
        ),
        "notes.csv": (
            "directly in landing/: BMN files go in landing/bmn/<year BE>/households/ or members/"
        ),
        "bmn/2566/50_households.csv": (
            "in the year folder itself, not in households/ or members/: move it there"
        ),
        "bmn/2566/households/old/50.csv": (
            "in households/old, not in households/ or members/: move it there"
        ),
    }
    assert out.rules() == {("h", None, None, "outside_layout")}  # households/old/ is a household
    assert (out.households, out.members) == CLEAN  # only the files in the layout load


def test_a_ce_year_folder_is_no_survey_year(tmp_path):
    from assets.storage import LandingZone
    from ingest.landing import ce_folders

    (tmp_path / "bmn" / "2022" / "households").mkdir(parents=True)
    zone = LandingZone(root=str(tmp_path))
    assert zone.years() == []
    assert ce_folders(tmp_path) == [
        f"{tmp_path}/bmn/2022: 2022 is a CE year; survey-year folders are Buddhist Era "
        "(bmn/2565/): nothing is loaded from it"
    ]


def test_a_landing_with_nothing_loadable_names_every_file(tmp_path):
    from assets.storage import LandingZone
    from ingest.landing import not_read
    from store.inputs import years_with_files

    (tmp_path / "bmn" / "2566" / "households").mkdir(parents=True)
    (tmp_path / "bmn" / "2566" / "households" / "50.xls").write_bytes(b"\xd0\xcf")
    (tmp_path / "bmn" / "2022").mkdir()
    (tmp_path / "bmn" / "2022" / "50.csv").write_bytes(b"a,b\n")
    assert years_with_files(LandingZone(root=str(tmp_path))) == []
    assert not_read(tmp_path) == [
        "bmn/2566/households/50.xls: not read: an old Excel .xls workbook: open it in Excel and "
        "save it as .xlsx (or CSV UTF-8); the readers take CSV, XLSX and Parquet",
        "bmn/2022/50.csv: folder 2022 is a CE year: survey-year folders are Buddhist Era; move "
        "the files to bmn/2565/ (nothing was loaded from bmn/2022/)",
    ]


def test_unsupported_files_say_what_to_send_instead(tmp_path):
    out = stage(
        tmp_path,
        extra_files={
            "households/50.xls": b"\xd0\xcf\x11\xe0",
            "households/50.txt": households_csv(),
            "members/50.zip": b"PK\x03\x04",
        },
    )
    assert out.file_errors() == {
        "bmn/2566/households/50.xls": (
            "not read: an old Excel .xls workbook: open it in Excel and save it as .xlsx (or CSV "
            "UTF-8); the readers take CSV, XLSX and Parquet"
        ),
        "bmn/2566/households/50.txt": (
            "not read: a .txt file: save it from Excel as 'CSV UTF-8 (Comma delimited) (*.csv)'; "
            "the readers take CSV, XLSX and Parquet"
        ),
        "bmn/2566/members/50.zip": (
            "not read: a .zip archive: unpack it and put the files themselves in households/ or "
            "members/; the readers take CSV, XLSX and Parquet"
        ),
    }
    assert out.rules() == {
        ("h", None, None, "unsupported_file"),
        ("m", None, None, "unsupported_file"),
    }
    assert (out.households, out.members) == CLEAN


def test_a_member_file_in_households_is_held_and_named(tmp_path):
    raw = csv_text(base_members(), M_COLUMNS).encode()
    out = stage(tmp_path, extra_files={"households/members_too.csv": raw})
    assert out.file_errors() == {
        "bmn/2566/households/members_too.csv": (
            "a BMN member file (its header has member_no, citizen_id): move it to members/ "
            "(nothing of it was loaded)"
        )
    }
    assert out.rules() == {("h", r, None, "wrong_folder") for r in (2, 3, 4)}
    assert (out.households, out.members) == CLEAN


def test_links_out_of_the_home_folder_and_dangling_links_are_refused(tmp_path):
    outside = tmp_path.parent / f"{tmp_path.name}-outside.csv"
    outside.write_bytes(households_csv())
    inside = tmp_path / "copy_of_households.csv"
    inside.write_bytes(households_csv())

    def link(landing):
        folder = landing / "bmn" / str(YEAR) / "households"
        folder.mkdir(parents=True)
        os.symlink(outside, folder / "outside.csv")
        os.symlink(tmp_path / "gone.csv", folder / "dangling.csv")
        os.symlink(inside, folder / "inside.csv")  # inside CHIPAO_HOME: read
        elsewhere = tmp_path.parent / f"{tmp_path.name}-members"
        elsewhere.mkdir()
        (elsewhere / "50_members.csv").write_bytes(b"not read")
        os.symlink(elsewhere, folder.parent / "members" / "linked")

    out = stage(tmp_path, households=[], before=link)
    assert out.file_errors() == {
        "bmn/2566/households/outside.csv": (
            "a link to a file outside CHIPAO_HOME: copy the file itself into landing/"
        ),
        "bmn/2566/households/dangling.csv": (
            "a link to gone.csv, which does not exist: copy the file itself here"
        ),
        "bmn/2566/members/linked/50_members.csv": (
            "a link to a file outside CHIPAO_HOME: copy the file itself into landing/"
        ),
    }
    assert out.rules() == {
        ("h", None, None, "symlink_refused"),
        ("m", None, None, "symlink_refused"),
    }
    assert (out.households, out.members) == CLEAN


# --- numbers that are no amounts -----------------------------------------------------------


def test_nan_and_infinities_are_type_failures(tmp_path):
    households = [
        household(1, members_declared=2, income_main="NaN", income_other="inf"),
        household(2, members_declared=1, income_secondary="-inf"),
    ]
    out = stage(tmp_path, households=households)
    assert {r for r in out.rules() if r[0] == "h"} == {
        ("h", 2, "income_main", "type"),
        ("h", 2, "income_other", "type"),
        ("h", 3, "income_secondary", "type"),
    }
    assert out.households == 0


def test_an_id_pasted_into_an_income_is_out_of_range_and_masked(tmp_path):
    planted = citizen_id(77)
    members = [member(1, 1), member(1, 2, income_year=planted), member(2, 3)]
    out = stage(tmp_path, members=members)
    # the member count counts the rows delivered: the household keeps its declared two
    assert out.rules() == {("m", 3, "income_year", "range")}
    quarantine = quarantine_rows(out.staged.failures, YEAR)
    assert planted not in str(quarantine.to_dicts())


# --- variants a person expects to load ------------------------------------------------------


def test_excel_unicode_text_utf16_tab_separated_loads(tmp_path):
    raw = b"\xff\xfe" + households_csv(sep="\t", line="\r\n").decode().encode("utf-16-le")
    out = only_households(tmp_path, "unicode.csv", raw)
    assert out.rules() == set() and (out.households, out.members) == CLEAN
    assert out.read_as("households/unicode.csv") == {
        "encoding": "utf-16 (BOM)", "separator": "tab", "sheet": None, "header_row": 1,
        "header_rows": 1, "header_map": None,
    }  # fmt: skip


def test_semicolon_separated_with_decimal_looking_thousands_loads(tmp_path):
    households = [household(1, members_declared=2, income_main="120,000"), household(2)]
    raw = csv_text(households, H_COLUMNS, sep=";").encode()
    out = only_households(tmp_path, "semi.csv", raw)
    assert out.rules() == set() and (out.households, out.members) == CLEAN
    assert out.read_as("households/semi.csv")["separator"] == "semicolon"
    incomes = out.staged.rows(HOUSEHOLD).sort("row_index")["income_main"].to_list()
    assert incomes == [120000.0, 120000.0]


def test_headers_in_other_case_spacing_and_in_thai_load(tmp_path):
    spaced = [
        ("\u00a0" + c.upper().replace("_", "\u00a0") + " ") if i % 2 else f.label_th
        for i, (c, f) in enumerate(zip(H_COLUMNS, H.fields, strict=True))
    ]
    raw = csv_text(base_households(), H_COLUMNS, header=[spaced]).encode()
    out = only_households(tmp_path, "thai.csv", raw)
    assert out.rules() == set() and (out.households, out.members) == CLEAN
    mapping = json.loads(out.read_as("households/thai.csv")["header_map"])
    assert mapping["ปีที่สำรวจ (พ.ศ.)"] == "survey_year"
    assert mapping["HOUSE\u00a0CODE"] == "house_code"  # the cell as read, blanks stripped
    assert len(mapping) == len(H_COLUMNS)


def test_two_header_rows_thai_above_english_load(tmp_path):
    header = [[f.label_th for f in H.fields], [f.label_en for f in H.fields]]
    households = [household(1, members_declared=2, income_main="x"), household(2)]
    raw = csv_text(households, H_COLUMNS, header=header).encode("utf-8-sig")
    out = only_households(tmp_path, "two.csv", raw)
    assert out.rules() == {
        ("h", 3, "income_main", "type"),  # the first data row is row 3 of the sheet
        ("m", 2, "house_code", "household_rejected"),
        ("m", 3, "house_code", "household_rejected"),
    }
    assert out.read_as("households/two.csv")["header_rows"] == 2


def test_cr_only_line_endings_load(tmp_path):
    out = only_households(tmp_path, "mac.csv", households_csv(line="\r"))
    assert out.rules() == set() and (out.households, out.members) == CLEAN


def test_a_utf8_bom_before_windows_874_text_is_no_header_text(tmp_path):
    raw = b"\xef\xbb\xbf" + csv_text(
        base_households(), H_COLUMNS, header=[[f.label_th for f in H.fields]]
    ).encode("cp874")
    out = only_households(tmp_path, "bom874.csv", raw)
    assert out.rules() == set() and (out.households, out.members) == CLEAN
    assert out.read_as("households/bom874.csv")["encoding"] == "cp874 (after a UTF-8 BOM)"


def _workbook(path, sheets, hidden=()):
    """sheets: name -> list of rows (None: an empty sheet)."""
    book = xlsxwriter.Workbook(path)
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows or []):
            for c, value in enumerate(row):
                if hasattr(value, "year"):
                    sheet.write_datetime(r, c, value, dates)
                elif isinstance(value, str) and value.startswith("="):
                    sheet.write_formula(r, c, value, None, "")
                else:
                    sheet.write(r, c, value)
        if name in hidden:
            sheet.hide()
        elif hidden:
            sheet.activate()  # Excel cannot hide the active sheet
    book.close()
    return path.read_bytes()


def test_xlsx_date_cells_are_birth_dates(tmp_path):
    from datetime import datetime

    rows = [M_COLUMNS] + [
        [datetime(1987, 8, 15) if c == "birth_date" else m[c] for c in M_COLUMNS]
        for m in base_members()
    ]
    raw = _workbook(tmp_path / "m.xlsx", {"สมาชิก": rows})
    out = stage(tmp_path, members=[], extra_files={"members/m.xlsx": raw})
    assert out.rules() == set()
    assert out.staged.rows(MEMBER)["age"].to_list() == [35, 35, 35]


def test_xlsx_formulas_without_saved_values_are_refused(tmp_path):
    rows = [H_COLUMNS] + [[h[c] for c in H_COLUMNS] for h in base_households()]
    rows[1][H_COLUMNS.index("income_main")] = "=100000+20000"
    raw = _workbook(tmp_path / "f.xlsx", {"Sheet1": rows})
    out = only_households(tmp_path, "f.xlsx", raw)
    assert out.file_errors() == {
        "bmn/2566/households/f.xlsx": (
            "1 formula cell(s) on sheet 'Sheet1' have no saved value (the first at E2): open "
            "and save the file in Excel, then send it again"
        )
    }


def test_xlsx_data_on_a_later_sheet_when_the_first_is_empty_or_hidden(tmp_path):
    rows = [H_COLUMNS] + [[h[c] for c in H_COLUMNS] for h in base_households()]
    empty = _workbook(tmp_path / "e.xlsx", {"Sheet1": None, "data": rows})
    hidden = _workbook(
        tmp_path / "h.xlsx", {"old": [H_COLUMNS, rows[1]], "data": rows}, hidden=("old",)
    )
    out = only_households(tmp_path, "e.xlsx", empty)
    assert out.rules() == set() and out.read_as("households/e.xlsx")["sheet"] == "data"
    assert out.households == 2
    out = only_households(tmp_path / "b", "h.xlsx", hidden)
    assert out.rules() == set() and out.read_as("households/h.xlsx")["sheet"] == "data"
    assert out.households == 2


def test_xlsx_rows_are_numbered_as_excel_shows_them(tmp_path):
    rows = [[], [], ["รายงาน จปฐ. 2566"], [], H_COLUMNS] + [
        [h[c] for c in H_COLUMNS] for h in base_households()
    ]
    rows[6][H_COLUMNS.index("income_main")] = "x"
    raw = _workbook(tmp_path / "t.xlsx", {"Sheet1": rows})
    out = only_households(tmp_path, "t.xlsx", raw)
    assert {r for r in out.rules() if r[0] == "h"} == {("h", 7, "income_main", "type")}
    assert out.read_as("households/t.xlsx")["header_row"] == 5


def test_parquet_typed_dates_and_any_number_width(tmp_path):
    from datetime import date

    members = pl.DataFrame(base_members()).with_columns(
        pl.lit(date(1987, 8, 15)).alias("birth_date"),
        pl.col("member_no").cast(pl.Int8),
        pl.col("sex").cast(pl.UInt16),
        pl.col("relation").cast(pl.Float32),
        pl.col("income_year").cast(pl.Float32),
        pl.col("welfare_card").cast(pl.Int32),
    )
    path = tmp_path / "m.parquet"
    members.write_parquet(path)
    out = stage(tmp_path, members=[], extra_files={"members/m.parquet": path.read_bytes()})
    assert out.rules() == set()
    staged = out.staged.rows(MEMBER)
    assert staged["age"].to_list() == [35, 35, 35]
    assert staged["income_year"].to_list() == [120000.0] * 3


# --- messages that say what was seen ------------------------------------------------------


def test_a_foreign_header_says_how_it_was_read(tmp_path):
    raw = b"year;hcode;vcode\n2566;50010000001;50010101\n"
    out = only_households(tmp_path, "foreign.csv", raw)
    error = out.file_errors()["bmn/2566/households/foreign.csv"]
    assert error.endswith(
        "read with encoding utf-8, separator semicolon ';', 3 column(s), the first header "
        "cell read as 'year'"
    )
    assert error.startswith("missing required column(s): survey_year, house_code")


def test_a_headerless_file_says_its_first_row_looks_like_data(tmp_path):
    raw = "\n".join(households_csv().decode().splitlines()[1:]).encode()
    out = only_households(tmp_path, "noheader.csv", raw)
    assert out.file_errors() == {
        "bmn/2566/households/noheader.csv": (
            "the first row looks like data, not a header (it starts '2566, *************, "
            "50010101'): add the header row of the input contract"
        )
    }


def test_rows_are_numbered_as_an_editor_shows_them(tmp_path):
    households = base_households()
    households[1]["income_main"] = "x"
    lines = csv_text(households, H_COLUMNS).splitlines()
    text = "\n\nรายงาน จปฐ.\n" + lines[0] + "\n" + lines[1] + "\n\n,,,\n" + lines[2] + "\n"
    out = only_households(tmp_path, "blank.csv", text.encode())
    # blank lines 1-2, title 3, header 4, data 5, blank 6-7, the bad row on line 8
    assert {r for r in out.rules() if r[0] == "h"} == {("h", 8, "income_main", "type")}
    assert out.read_as("households/blank.csv")["header_row"] == 4


def test_one_oversized_cell_holds_its_row_and_loads_the_rest(tmp_path):
    households = [{**h, "remark": ""} for h in base_households()]
    households[0]["remark"] = "ก" * 200_000
    raw = csv_text(households, H_COLUMNS + ["remark"]).encode()
    out = only_households(tmp_path, "long.csv", raw)
    assert out.rules() == {
        ("h", 2, "remark", "cell_too_long"),
        ("m", 2, "house_code", "household_rejected"),
        ("m", 3, "house_code", "household_rejected"),
    }
    assert out.households == 1
    held = quarantine_rows(out.staged.failures, YEAR).filter(pl.col("rule") == "cell_too_long")
    assert held["message_en"][0].startswith("remark holds 200000 characters")


def test_a_corrected_file_beside_the_original_replaces_it(tmp_path):
    bad = [household(1, members_declared=2, income_main="x"), household(2)]
    original = csv_text(bad, H_COLUMNS).encode()
    corrected = households_csv()
    out = stage(
        tmp_path,
        households=[],
        extra_files={"households/50_h.csv": original, "households/50_h_v2.csv": corrected},
    )
    assert out.file_errors() == {
        "bmn/2566/households/50_h.csv": (
            "superseded by bmn/2566/households/50_h_v2.csv, its corrected version: not loaded"
        )
    }
    assert out.rules() == {("h", None, None, "superseded")}
    assert (out.households, out.members) == CLEAN


def test_the_same_file_twice_keeps_the_older_one(tmp_path):
    raw = households_csv()

    def age(landing):
        folder = landing / "bmn" / str(YEAR) / "households"
        os.utime(folder / "b_original.csv", (1_600_000_000, 1_600_000_000))

    out = stage(
        tmp_path,
        households=[],
        extra_files={"households/b_original.csv": raw, "households/a_copy.csv": raw},
        before=age,
    )
    assert out.file_errors() == {
        "bmn/2566/households/a_copy.csv": (
            "same content as bmn/2566/households/b_original.csv, delivered before it: "
            "not loaded twice"
        )
    }


def test_the_file_loaded_in_an_earlier_run_stays_the_original(tmp_path):
    raw = households_csv()
    first = stage(tmp_path, households=[], extra_files={"households/z_first.csv": raw})
    assert first.file_errors() == {}
    out = stage(tmp_path, households=[], extra_files={"households/a_later.csv": raw})
    assert out.file_errors() == {
        "bmn/2566/households/a_later.csv": (
            "same content as bmn/2566/households/z_first.csv, delivered before it: not loaded twice"
        )
    }


# --- identifiers masked by value -------------------------------------------------------------


def test_identifiers_in_the_wrong_column_are_masked_everywhere(tmp_path):
    planted_id = citizen_id(4321, prefix="3101")
    planted_house = house_code(99, "5001")
    households = [household(1, members_declared=2, village_code=planted_house), household(2)]
    members = [member(1, 1), {**member(1, 2), "member_no": planted_id}, member(2, 3)]
    del members[1]["welfare_card"]  # the row is missing a cell, the ID sits in member_no
    raw = csv_text(members, M_COLUMNS).encode()
    out = stage(tmp_path, households=households, members=[], extra_files={"members/m.csv": raw})
    quarantine = quarantine_rows(out.staged.failures, YEAR)
    text = str(quarantine.to_dicts()) + str(out.staged.ledger.to_dicts())
    assert planted_id not in text and planted_house not in text
    values = dict(quarantine.select("column_name", "value").iter_rows())
    assert values["member_no"] == "*" * 13 and values["village_code"] == "*" * 13
    # the staged parts on disk hold none of them either
    for path in (tmp_path / "staged").rglob("*"):
        if path.suffix == ".parquet":
            frame = pl.read_parquet(path)
            assert planted_id not in str(frame.to_dicts()) and planted_house not in str(
                frame.to_dicts()
            ), path
        elif path.is_file():
            body = path.read_bytes()
            assert planted_id.encode() not in body and planted_house.encode() not in body, path


def test_masking_covers_ids_grouped_as_on_the_card():
    from ingest.masking import mask_text

    assert mask_text("id 1-5001-00000-01-3 and 50010000001, 8 digits 50010101") == (
        "id ************* and *************, 8 digits 50010101"
    )


def test_run_with_only_a_ce_year_folder_says_so_in_one_line(tmp_path, monkeypatch, capsys):
    from pipelines.cli import main

    monkeypatch.setenv("CHIPAO_HOME", str(tmp_path))
    folder = tmp_path / "landing" / "bmn" / "2022" / "households"
    folder.mkdir(parents=True)
    (folder / "50.csv").write_bytes(households_csv())
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines()[0] == (
        f"{tmp_path}/landing/bmn/2022: 2022 is a CE year; survey-year folders are Buddhist Era "
        "(bmn/2565/): nothing is loaded from it"
    )
