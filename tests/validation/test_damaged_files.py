"""Damaged deliveries (issue 23), made from the tiny generator's files: one stray byte, a last
quoted cell cut off, an unknown column twice. The readable rows load; only the damaged rows are
held, with their row number and reason; what a run and `chipao check` then say."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from assets.storage import LandingZone
from ingest.staging import HOUSEHOLD, MEMBER, StagedYear, quarantine_rows, stage_year, worker_pool
from pipelines.cli import main
from pipelines.run import blocked_year
from synthetic import generate
from tests.validation.harness import KEY, YEAR, areas

H_FILE = f"bmn/{YEAR}/households/synthetic_bmn_{YEAR}_58_households.csv"
M_FILE = f"bmn/{YEAR}/members/synthetic_bmn_{YEAR}_58_members.csv"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    """One province's household and member files for YEAR, as the generator writes them."""
    out = tmp_path_factory.mktemp("tiny-damaged") / "landing"
    generate("tiny", [YEAR], seed=11, out=out)
    return out


@pytest.fixture
def landing(tiny, tmp_path) -> Path:
    copy = tmp_path / "landing"
    shutil.copytree(tiny, copy)
    return copy


def _stage(landing: Path) -> StagedYear:
    zone = LandingZone(root=str(landing))
    staged = stage_year(
        zone.bmn_files(YEAR), root=landing, year_be=YEAR, areas=areas(), key=KEY,
        work=landing.parent / "staged", refused=zone.refused(YEAR),
    )  # fmt: skip
    ledger = staged.ledger
    assert (ledger["rows_read"] == ledger["rows_staged"] + ledger["rows_quarantined"]).all()
    return staged


def _lines(landing: Path, name: str) -> list[bytes]:
    return (landing / name).read_bytes().split(b"\n")


def _members_of(landing: Path, line: bytes) -> int:
    """The member rows of the household on ``line`` (its house code is the second cell)."""
    house = line.split(b",")[1]
    return sum(1 for m in _lines(landing, M_FILE)[1:] if m.split(b",")[1:2] == [house])


@pytest.fixture(scope="module")
def clean(tiny, tmp_path_factory) -> tuple[int, int]:
    """Households and members of the undamaged files: every row loads."""
    copy = tmp_path_factory.mktemp("clean") / "landing"
    shutil.copytree(tiny, copy)
    staged = _stage(copy)
    assert staged.failures.is_empty()
    return staged.rows(HOUSEHOLD).height, staged.rows(MEMBER).height


def _held(staged: StagedYear) -> set[tuple]:
    return set(staged.failures.select("file", "row_index", "column_name", "rule").iter_rows())


def test_one_stray_byte_holds_its_row_not_the_file(landing, clean):
    lines = _lines(landing, H_FILE)
    cells = lines[99].split(b",")  # line 100 of the file, as an editor numbers it
    cells[4] = cells[4][:2] + b"\xff" + cells[4][2:]  # income_main, a byte that is no UTF-8
    lines[99] = b",".join(cells)
    (landing / H_FILE).write_bytes(b"\n".join(lines))

    staged = _stage(landing)
    members = _members_of(landing, lines[99])
    assert members >= 1
    held = _held(staged)
    assert (H_FILE, 100, "income_main", "not_utf8") in held
    assert {r for r in held if r[0] == H_FILE} == {(H_FILE, 100, "income_main", "not_utf8")}
    assert {r[3] for r in held if r[0] == M_FILE} == {"household_rejected"}
    assert (staged.rows(HOUSEHOLD).height, staged.rows(MEMBER).height) == (
        clean[0] - 1,
        clean[1] - members,
    )
    ledger = staged.ledger.filter(pl.col("file") == H_FILE).row(0, named=True)
    assert ledger["file_error"] is None and ledger["encoding"] == "utf-8 (1 stray byte)"
    message = quarantine_rows(staged.failures, YEAR).filter(pl.col("rule") == "not_utf8")
    assert "CSV UTF-8" in message["message_en"][0] and "UTF-8" in message["message_th"][0]


def test_last_quoted_cell_cut_off_holds_the_last_row(landing, clean):
    lines = _lines(landing, H_FILE)
    while not lines[-1]:
        lines.pop()
    cells = lines[-1].split(b",")
    lines[-1] = b",".join(cells[:5]) + b',"' + cells[5][:2]  # cut inside a quoted income
    (landing / H_FILE).write_bytes(b"\n".join(lines))

    staged = _stage(landing)
    last = len(lines)  # the row number an editor shows for the last line
    held = _held(staged)
    assert {r for r in held if r[0] == H_FILE} == {
        (H_FILE, last, "income_secondary", "broken_quote")
    }
    assert staged.ledger.filter(pl.col("file") == H_FILE)["file_error"][0] is None
    assert staged.rows(HOUSEHOLD).height == clean[0] - 1
    assert staged.rows(MEMBER).height == clean[1] - _members_of(landing, lines[-1])


def test_unknown_column_twice_is_ignored_and_named_in_the_ledger(landing, clean):
    lines = _lines(landing, H_FILE)
    lines[0] += ",remark,remark,หมายเหตุ".encode()
    lines[1:] = [line + b",a,b,c" if line else line for line in lines[1:]]
    (landing / H_FILE).write_bytes(b"\n".join(lines))

    staged = _stage(landing)
    assert staged.failures.is_empty()
    assert (staged.rows(HOUSEHOLD).height, staged.rows(MEMBER).height) == clean
    ledger = staged.ledger.filter(pl.col("file") == H_FILE).row(0, named=True)
    assert ledger["ignored_columns"] == "remark, หมายเหตุ" and ledger["file_error"] is None


def test_a_field_named_twice_still_refuses_the_file(landing):
    lines = _lines(landing, H_FILE)
    lines[0] = lines[0].replace(b"home_hygienic", b"food_safe")
    (landing / H_FILE).write_bytes(b"\n".join(lines))
    staged = _stage(landing)
    error = staged.ledger.filter(pl.col("file") == H_FILE)["file_error"][0]
    assert error == "column(s) named twice in the header: food_safe"


def test_a_year_stopped_by_a_blocking_check_names_the_file_and_the_fix(tmp_path):
    ledger = pl.DataFrame(  # noqa: F841 (read by DuckDB by name)
        [
            {
                "year_be": YEAR,
                "source": HOUSEHOLD,
                "file": H_FILE,
                "sha256": "x",
                "rows_read": 0,
                "rows_staged": 0,
                "rows_quarantined": 0,
                "file_error": "neither UTF-8 nor Thai Windows-874 text: say which encoding it is",
            },
            {
                "year_be": YEAR,
                "source": MEMBER,
                "file": M_FILE,
                "sha256": "y",
                "rows_read": 4000,
                "rows_staged": 0,
                "rows_quarantined": 4000,
                "file_error": None,
            },
        ]  # fmt: skip
    )
    message = {
        "unreadable": "the file could not be read (neither UTF-8 nor Thai Windows-874 text: say "
        "which encoding it is): send it again as CSV (UTF-8) or Parquet.",
    }
    quarantine = [
        {"year_be": YEAR, "file": H_FILE, "row_index": None, "rule": "unreadable",
         "message_en": message["unreadable"]},
    ] + [
        {"year_be": YEAR, "file": M_FILE, "row_index": n, "rule": "member_without_household",
         "message_en": "the household of this member is not in the household file."}
        for n in range(2, 4002)
    ]  # fmt: skip
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:  # the columns the query reads
        con.execute("CREATE SCHEMA core")
        con.execute("CREATE TABLE core.ingest_ledger AS FROM ledger")
        rows = pl.DataFrame(quarantine)  # noqa: F841 (read by DuckDB by name)
        con.execute("CREATE TABLE core.quarantine AS FROM rows")
    dagster = (
        "fact_checks: dagster._core.errors.DagsterAssetCheckFailedError: 1 blocking asset check "
        "failed with ERROR severity: core/fact_person: row_contract"
    )
    line = blocked_year(dagster, tmp_path / "w.duckdb", YEAR)
    assert "\n" not in line and "dagster" not in line and "Error" not in line
    # the file held whole is the cause, the members held for want of their households follow
    assert line == (
        f"survey year {YEAR} was not published: the blocking check core/fact_person row_contract "
        f"failed, because {H_FILE} was held whole; {message['unreadable']} (and 1 more: "
        "`chipao status --files`)"
    )
    # rows held by a rule of their own file: how many, and the rule's message says the fix
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("DELETE FROM core.ingest_ledger WHERE file = ?", [H_FILE])
        con.execute("UPDATE core.quarantine SET rule = 'type', message_en = 'x is not a number'")
    line = blocked_year(dagster, tmp_path / "w.duckdb", YEAR)
    assert line == (
        f"survey year {YEAR} was not published: the blocking check core/fact_person row_contract "
        f"failed, because {M_FILE} was 4,000 of 4,000 rows quarantined; x is not a number"
    )
    # any other failure passes as it was
    assert blocked_year("staging: boom", tmp_path / "w.duckdb", YEAR) == "staging: boom"


def test_a_ce_year_folder_is_named_when_its_be_year_is_asked_for(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CHIPAO_HOME", str(tmp_path))
    monkeypatch.setenv("CHIPAO_KEY", "k" * 64)
    folder = tmp_path / "landing" / "bmn" / "2024" / "households"
    folder.mkdir(parents=True)
    (folder / "50.csv").write_text("survey_year,house_code\n2567,50010000001\n")
    assert main(["run", "--years", "2567"]) == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "Traceback" not in last
    assert last.endswith(
        "; bmn/2024/ was seen: 2024 looks like a CE year; survey-year folders are Buddhist "
        "Era, so move its files to bmn/2567/"
    )


def test_staging_workers_run_polars_on_one_thread():
    with worker_pool(2) as pool:
        assert pool.submit(pl.thread_pool_size).result() == 1


# --- `chipao check FILE…` (issue 20, item 2) on the same files --------------------------------


def _check(capsys, *args: str) -> tuple[int, str]:
    code = main(["check", *args])
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return code, out.out + out.err


def test_check_of_sound_files_says_they_load_whole(landing, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CHIPAO_HOME", str(tmp_path / "home"))
    before = sorted(p for p in landing.rglob("*"))
    code, out = _check(capsys, str(landing / H_FILE), str(landing / M_FILE))
    assert code == 0
    rows = len(_lines(landing, H_FILE)) - 2  # header and the last newline
    assert f"{Path(H_FILE).name}: {rows:,} rows read / อ่านได้ {rows:,} แถว; would load whole" in out
    # no warehouse, no key, nothing written: the home folder is not even made
    assert not (tmp_path / "home").exists() and sorted(landing.rglob("*")) == before


def test_check_lists_the_rows_to_fix_with_excel_row_numbers(landing, tmp_path, capsys):
    lines = _lines(landing, H_FILE)
    cells = lines[99].split(b",")
    cells[4] = cells[4][:2] + b"\xff" + cells[4][2:]
    lines[99] = b",".join(cells)
    (landing / H_FILE).write_bytes(b"\n".join(lines))
    members = _lines(landing, M_FILE)
    header = members[0].split(b",")
    column = header.index(b"citizen_id")
    cells = members[9].split(b",")
    good = cells[column].decode()
    cells[column] = (good[:12] + str((int(good[12]) + 1) % 10)).encode()  # a wrong check digit
    members[9] = b",".join(cells)
    (landing / M_FILE).write_bytes(b"\n".join(members))

    out_file = tmp_path / "report.xlsx"
    code, out = _check(capsys, str(landing / H_FILE), str(landing / M_FILE), "--out", str(out_file))
    assert code == 1
    assert "not_utf8: 1 row(s)" in out and "citizen_id_check_digit: 1 row(s)" in out
    assert "แถวจะถูกกักไว้" in out  # Thai beside the English
    fixes = pl.read_excel(out_file)
    rows = {(Path(f).name, r, c, rule) for f, r, c, rule in fixes.select(
        "file", "row", "column", "rule").iter_rows()}  # fmt: skip
    assert (Path(H_FILE).name, 100, "income_main", "not_utf8") in rows
    assert (Path(M_FILE).name, 10, "citizen_id", "citizen_id_check_digit") in rows
    wrong_id = cells[column].decode()
    assert wrong_id not in out and wrong_id not in fixes.write_csv()
    assert "*" * 13 in fixes.filter(pl.col("rule") == "citizen_id_check_digit")["value"][0]


def test_check_of_a_file_that_would_be_refused_exits_2(landing, capsys):
    raw = (landing / H_FILE).read_bytes()
    (landing / H_FILE).write_bytes(raw.replace(b"village_code", b"village", 1))
    code, out = _check(capsys, str(landing / H_FILE))
    assert code == 2
    assert "would be held whole / ทั้งไฟล์จะถูกกักไว้" in out
    assert "missing required column(s): village_code" in out
    # a household file alone: the rules that need its members are said to be left out
    assert "not checked / ไม่ได้ตรวจ: household_without_members" in out


def test_check_refuses_what_it_cannot_check_in_one_line(tmp_path, capsys):
    code, out = _check(capsys, str(tmp_path / "nothing.csv"))
    assert code == 2 and out.strip() == f"chipao check: {tmp_path / 'nothing.csv'}: no such file"
    odd = tmp_path / "data.csv"
    odd.write_text("a,b\n1,2\n")
    code, out = _check(capsys, str(odd))
    assert code == 2 and "say so with --year 2567" in out
    code, out = _check(capsys, str(odd), "--year", "2566")
    assert code == 2 and "say so with --kind households" in out


# --- a province held whole (issue 23): which provinces, and why ------------------------------


def test_a_province_whose_files_were_all_held_is_named_with_the_reason(tmp_path):
    from ingest.staging import missing_provinces
    from schemas.catalog import sources
    from tests.handmade import house_code, household, member
    from tests.validation.harness import stage
    from tests.validation.test_bad_files import csv_bytes

    south = {"village_code": "57010101"}
    houses = [household(5, members_declared=1, house_code=house_code(5, "5701"), **south)]
    members = [member(5, 7, house_code=house_code(5, "5701"))]
    mojibake = csv_bytes(houses, sources()[HOUSEHOLD].names).replace(b"57010101", b"5701010\xe9")
    out = stage(
        tmp_path,
        extra_files={
            "households/57_households.csv": mojibake,
            "members/57_members.csv": csv_bytes(members, sources()[MEMBER].names),
        },
    )
    missing = missing_provinces(out.staged).sort("file")
    assert missing.rows() == [
        ("57", f"bmn/{YEAR}/households/57_households.csv",
         "neither UTF-8 nor Thai Windows-874 text: say which encoding it is"),
        ("57", f"bmn/{YEAR}/members/57_members.csv",
         "every row quarantined (mostly member_without_household)"),
    ]  # fmt: skip
    assert out.households == 2  # province 50 loads, and is not missing


def test_the_setting_for_a_province_held_whole_defaults_to_publish():
    from pipelines.settings import SettingError, load_settings

    assert load_settings({}).missing_province == "publish"
    assert load_settings({"CHIPAO_MISSING_PROVINCE": "Hold"}).missing_province == "hold"
    with pytest.raises(SettingError, match="use publish or hold"):
        load_settings({"CHIPAO_MISSING_PROVINCE": "skip"})


def test_a_run_that_lost_its_only_province_names_the_file_in_one_line(tmp_path):
    """End to end: the one household file cannot be read, so the year has no person; the run
    fails its blocking contract check and says which file to send again, not Dagster's class."""
    from pipelines.run import RunFailed
    from schemas.catalog import sources
    from tests.conftest import run_pipeline
    from tests.handmade import household, member, write_landing
    from tests.validation.test_bad_files import csv_bytes

    landing = tmp_path / "landing"
    write_landing(landing, YEAR, [], [member(1, 1), member(2, 2)])
    rows = [household(1, members_declared=1), household(2, members_declared=1)]
    bad = csv_bytes(rows, sources()[HOUSEHOLD].names).replace(b"50010101", b"5001010\xe9")
    (landing / "bmn" / str(YEAR) / "households").mkdir(parents=True)
    (landing / "bmn" / str(YEAR) / "households" / "50_households.csv").write_bytes(bad)
    with pytest.raises(RunFailed) as failed:
        run_pipeline(tmp_path, [YEAR])
    line = str(failed.value)
    assert "\n" not in line and "dagster" not in line.lower()
    assert f"bmn/{YEAR}/households/50_households.csv" in line
    assert "send it again as CSV (UTF-8) or Parquet" in line


def test_thai_utf8_with_a_stray_byte_is_utf8_and_windows_874_stays_windows_874():
    from ingest.readers import decode

    text = "ชื่อ,อายุ\nสมชาย,40\n" * 100
    damaged = text.encode().replace("ส".encode(), b"\xff", 1)  # one Thai letter is a bad byte
    decoded, used = decode(damaged)
    assert used == "utf-8 (1 stray byte)" and decoded.count("\ufffd") == 1
    assert decoded.replace("\ufffd", "ส", 1) == text  # and every other letter reads
    # Windows-874 Thai read as UTF-8 is mostly stray bytes: it stays Windows-874
    assert decode(text.encode("cp874")) == (text, "cp874")


def test_a_province_held_whole_holds_the_year_or_is_published_as_missing(tmp_path):
    """CHIPAO_MISSING_PROVINCE: hold stops the year at staging with one line naming the
    province, its file and why; publish (the default) publishes the other province and lists
    the missing one in the snapshot's core.missing_province."""
    from pipelines.run import RunFailed
    from schemas.catalog import sources
    from tests.conftest import run_pipeline
    from tests.handmade import house_code, household, member, write_landing
    from tests.validation.test_bad_files import csv_bytes

    landing = tmp_path / "landing"
    write_landing(landing, YEAR, [household(1, members_declared=1)], [member(1, 1)])
    south = {"village_code": "57010101", "house_code": house_code(5, "5701")}
    bad = csv_bytes([household(5, members_declared=1, **south)], sources()[HOUSEHOLD].names)
    folder = landing / "bmn" / str(YEAR)
    (folder / "households" / "57_households.csv").write_bytes(bad.replace(b"57010101", b"\xe9"))
    members = [member(5, 7, house_code=south["house_code"])]
    (folder / "members" / "57_members.csv").write_bytes(csv_bytes(members, sources()[MEMBER].names))

    with pytest.raises(RunFailed) as failed:
        run_pipeline(tmp_path, [YEAR], CHIPAO_MISSING_PROVINCE="hold")
    line = str(failed.value)
    assert "\n" not in line
    assert (
        f"survey year {YEAR} held (CHIPAO_MISSING_PROVINCE=hold): province 57: "
        f"bmn/{YEAR}/households/57_households.csv was held whole (neither UTF-8 nor Thai "
        "Windows-874 text: say which encoding it is)" in line
    )
    settings = run_pipeline(tmp_path, [YEAR])
    with duckdb.connect(str(settings.published), read_only=True) as con:
        missing = con.execute(
            "SELECT province_code, file FROM core.missing_province WHERE year_be = ? ORDER BY 2",
            [YEAR],
        ).fetchall()
        persons = con.execute(
            "SELECT persons FROM marts.area_summary WHERE year_be = ? AND level = 'province' "
            "AND area_code = '50' AND age_band = 'all'",
            [YEAR],
        ).fetchall()
    assert missing == [
        ("57", f"bmn/{YEAR}/households/57_households.csv"),
        ("57", f"bmn/{YEAR}/members/57_members.csv"),
    ]
    assert persons == [(1,)]  # province 50 was published
