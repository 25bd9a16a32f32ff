"""Staging per file: parts on disk, files already staged not read again, parallel = serial."""

from __future__ import annotations

import os

import duckdb
import polars as pl

import ingest.staging
from assets.storage import LandingZone
from ingest.staging import HOUSEHOLD, MEMBER, stage_year
from tests.conftest import materialize_marts, settings_for
from tests.handmade import house_code, household, member, write_landing
from tests.validation.harness import KEY, YEAR, areas, base_households, base_members


def _stage(root, workers=1, log=None):
    files = LandingZone(root=str(root / "landing")).bmn_files(YEAR)
    return stage_year(
        files,
        root=root / "landing",
        year_be=YEAR,
        areas=areas(),
        key=KEY,
        work=root / "staged",
        workers=workers,
        log=log or (lambda _: None),
    )


def _outcome(staged):
    return (
        staged.rows(HOUSEHOLD).sort("file", "row_index"),
        staged.rows(MEMBER).sort("file", "row_index"),
        staged.failures.sort(pl.all()),
        staged.ledger.drop("seconds"),
    )


def _same(a, b):
    for left, right in zip(_outcome(a), _outcome(b), strict=True):
        assert left.equals(right)


def _two_provinces(root):
    """Two household and two member files, as two provinces deliver them; one defect each."""
    landing = root / "landing"
    write_landing(landing, YEAR, base_households(), base_members(), name="north")
    village, house = {"village_code": "57010101"}, lambda n: {"house_code": house_code(n, "5701")}
    south_h = [
        household(5, members_declared=2, **village, **house(5)),
        household(6, members_declared=1, **village, **house(6)),
    ]
    south_m = [member(5, 7, **house(5)), member(5, 8, sex=9, **house(5)), member(6, 9, **house(6))]
    write_landing(landing, YEAR, south_h, south_m, name="south")


def test_a_second_run_reads_no_file_and_gives_the_same_outcome(tmp_path, monkeypatch):
    _two_provinces(tmp_path)
    first = _stage(tmp_path)
    assert first.staged_files == 4
    opened = []
    original = ingest.staging.read_file
    monkeypatch.setattr(
        ingest.staging, "read_file", lambda *a, **k: opened.append(a) or original(*a, **k)
    )
    again = _stage(tmp_path)
    assert again.staged_files == 0 and opened == []
    _same(first, again)


def test_a_changed_file_is_staged_again_alone(tmp_path):
    _two_provinces(tmp_path)
    members_before = _stage(tmp_path).rows(MEMBER).height
    house = {"house_code": house_code(5, "5701")}
    fixed = [
        member(5, 7, **house),
        member(5, 8, sex=2, **house),
        member(6, 9, house_code=house_code(6, "5701")),
    ]
    write_landing(tmp_path / "landing", YEAR, [], fixed, name="south")
    again = _stage(tmp_path)
    assert again.staged_files == 1
    assert again.rows(MEMBER).height == members_before + 1  # the fixed member
    stems = {p.stem for p in again.parts}
    left = {path.name.split(".", 1)[0] for path in again.folder.glob("*.parquet")}
    assert left == stems, "the parts of the replaced file are gone"


def test_a_touched_but_identical_file_is_hashed_not_staged(tmp_path, monkeypatch):
    _two_provinces(tmp_path)
    first = _stage(tmp_path)
    north = tmp_path / "landing" / "bmn" / str(YEAR) / "households" / "north_households.csv"
    os.utime(north, ns=(north.stat().st_atime_ns, north.stat().st_mtime_ns + 10**9))
    checked = []
    original = ingest.staging.check_rows
    monkeypatch.setattr(
        ingest.staging, "check_rows", lambda *a, **k: checked.append(1) or original(*a, **k)
    )
    again = _stage(tmp_path)
    assert checked == [] and again.staged_files == 1
    _same(first, again)


def test_files_staged_in_parallel_processes_equal_a_serial_run(tmp_path):
    _two_provinces(tmp_path / "serial")
    _two_provinces(tmp_path / "parallel")
    lines = []
    serial = _stage(tmp_path / "serial")
    parallel = _stage(tmp_path / "parallel", workers=2, log=lines.append)
    assert any(line.startswith("progress files: 4/4 files, ") for line in lines)
    assert any(line.startswith("progress rows: 10/? rows, ") for line in lines)
    _same(serial, parallel)


def test_parts_hold_pseudonyms_and_no_raw_identifier(tmp_path):
    _two_provinces(tmp_path)
    staged = _stage(tmp_path)
    raw = {m["citizen_id"] for m in base_members()} | {h["house_code"] for h in base_households()}
    for path in staged.folder.glob("*.parquet"):
        frame = pl.read_parquet(path)
        assert "citizen_id" not in frame.columns and "house_code" not in frame.columns
        assert not [i for i in raw if i in str(frame.rows())], path.name
    members = pl.read_parquet(staged.parts[2].path(staged.folder, "rows"))
    assert members.schema["person_key"] == pl.Int64 and members["person_key"].null_count() == 0


def test_a_key_change_makes_every_part_again(tmp_path):
    _two_provinces(tmp_path)
    first = _stage(tmp_path)
    first_keys = first.rows(MEMBER)["person_key"].to_list()
    files = LandingZone(root=str(tmp_path / "landing")).bmn_files(YEAR)
    other = stage_year(
        files, root=tmp_path / "landing", year_be=YEAR, areas=areas(), key=b"q" * 32,
        work=tmp_path / "staged",
    )  # fmt: skip
    assert other.staged_files == 4 and other.folder != first.folder
    assert not first.folder.exists(), "parts made with the old key are not kept"
    keys = other.rows(MEMBER)["person_key"].to_list()
    assert len(keys) == len(first_keys) and set(keys).isdisjoint(first_keys)


def test_a_file_whose_manifest_was_not_written_is_staged_again(tmp_path):
    """The manifest is written last: a crash before it leaves a file that is simply staged
    again, never a part that is half there."""
    _two_provinces(tmp_path)
    first = _stage(tmp_path)
    assert not list(first.folder.glob("*.partial"))
    (first.folder / f"{first.parts[3].stem}.json").unlink()
    again = _stage(tmp_path)
    assert again.staged_files == 1
    _same(first, again)


MARTS = ("marts.area_summary", "marts.area_indicator", "marts.area_mpi")


def test_two_provinces_staged_in_parallel_give_the_marts_of_a_serial_run(tmp_path):
    marts = {}
    for workers in (1, 2):
        home = tmp_path / f"workers{workers}"
        _two_provinces(home)
        settings = settings_for(home, CHIPAO_WORKERS=str(workers))
        materialize_marts(settings, [YEAR], MARTS)
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            marts[workers] = {table: con.sql(f"SELECT * FROM {table} ORDER BY ALL").pl()
                              for table in MARTS}  # fmt: skip
    provinces = marts[1]["marts.area_summary"].filter(pl.col("level") == "province")
    assert sorted(provinces["area_code"].unique()) == ["50", "57"]
    for table, frame in marts[1].items():
        assert frame.height > 0, table
        assert frame.equals(marts[2][table]), table
