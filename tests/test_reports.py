"""Report packs and the suppression behind them, on crafted tables and on the tiny pipeline run.

The attacker here knows every published cell, every sum the marts obey (areas add up to their
parent, bands to "all", card groups to the MPI-poor, copies between marts), that a cell shown as
"<5" is 1..4 and any other hidden cell is >= 0; it solves linear programmes (scipy's HiGHS) for
the smallest and largest value each hidden cell can take. A cell is recovered when only one
integer fits."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import geothai
import numpy as np
import openpyxl
import polars as pl
import pyarrow.parquet as pq
import pytest
from scipy.optimize import linprog
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from assets import exports
from pipelines import cli
from reports import attack, data, derived, packs, suppression, write
from reports import pack as pack_module
from reports.pack import HIDDEN, SHEETS
from schemas import catalog
from synthetic.geography import VILLAGES_PER_SUBDISTRICT

EXCEL_ROWS = 1_048_576
YEAR = 2566


def equations(*sums: list[int]) -> pl.DataFrame:
    """Each sum as cell numbers, the total first: total - Σ parts = 0."""
    rows = [
        (n, cell, 1 if i == 0 else -1)
        for n, cells in enumerate(sums)
        for i, cell in enumerate(cells)
    ]
    return pl.DataFrame(rows, schema=["eq", "cell", "coef"], orient="row")


def recovered(values, eqs: pl.DataFrame, hidden, limit: int = 5, cells=None) -> list[int]:
    """Hidden counts of 1..limit-1 (of ``cells``, default all) that the attacker pins to one
    integer. A complementary cell worked out gives away a 0 or a count of 5 or more."""
    values = np.asarray(values, dtype=float)
    hidden = np.asarray(hidden, dtype=bool)
    index = -np.ones(len(values), dtype=np.int64)
    index[hidden] = np.arange(hidden.sum())
    eq, cell, coef = (eqs[c].to_numpy() for c in ("eq", "cell", "coef"))
    _, eq = np.unique(eq, return_inverse=True)
    unknown = hidden[cell]
    # Σ coef·x over hidden cells = -Σ coef·value over published ones
    rhs = -np.bincount(eq[~unknown], coef[~unknown] * values[cell[~unknown]], eq.max() + 1)
    a = coo_matrix(
        (coef[unknown], (eq[unknown], index[cell[unknown]])), shape=(eq.max() + 1, hidden.sum())
    ).tocsr()
    # "<5" is 0..4 (zeros hidden as complements show so too), "x" is 5 or more
    small = values[hidden] <= limit - 1
    bounds = [(0, limit - 1) if p else (limit, None) for p in small]
    # solve per connected block of hidden cells: cells linked through a shared sum
    link = (a.T @ a).tocsr()
    _, block = connected_components(link, directed=False)
    targets = np.where(hidden)[0] if cells is None else np.asarray(cells)
    targets = targets[(values[targets] >= 1) & (values[targets] <= limit - 1)]
    found = []
    for target in targets:
        j = index[target]
        members = np.where(block == block[j])[0]
        rows = np.unique(a[:, members].nonzero()[0])
        sub = a[rows][:, members]
        goal = np.zeros(len(members))
        goal[np.searchsorted(members, j)] = 1.0
        b = [bounds[m] for m in members]
        low = linprog(goal, A_eq=sub, b_eq=rhs[rows], bounds=b, method="highs")
        high = linprog(-goal, A_eq=sub, b_eq=rhs[rows], bounds=b, method="highs")
        assert low.status == 0 and high.status in (0, 3), (low.status, high.status, high.message)
        if high.status == 0 and np.ceil(low.fun - 1e-6) >= np.floor(-high.fun + 1e-6):
            found.append(int(target))
    return found


# --- crafted tables -----------------------------------------------------------------------


def test_the_issue_example_cannot_be_undone_by_subtraction():
    # Samut Prakan 2567, age 15-21: the province and its districts; 2 was blanked alone
    values = [78, 50, 26, 0, 0, 2]
    eqs = equations([0, 1, 2, 3, 4, 5])
    hidden = suppression.protect(pl.Series(values), eqs, 5).to_numpy()
    assert hidden[5] and hidden.sum() >= 2
    assert not hidden[0], "the total people read first stays"
    assert recovered(values, eqs, hidden) == []
    alone = np.array([False] * 5 + [True])
    assert recovered(values, eqs, alone) == [5], "the attacker does find a cell blanked alone"


def test_cells_pinned_by_their_bounds_get_one_more_complement():
    # 15 = 4 + 4 + 7: hiding both 4s leaves 8 for two cells of at most 4 each
    values = [15, 4, 4, 7]
    eqs = equations([0, 1, 2, 3])
    assert recovered(values, eqs, [False, True, True, False]) == [1, 2]
    hidden = suppression.protect(pl.Series(values), eqs, 5).to_numpy()
    assert hidden.tolist() == [False, True, True, True]
    assert recovered(values, eqs, hidden) == []


def test_a_two_way_table_needs_complements_in_rows_and_columns():
    # 3 x 3 cells, row totals, column totals and the grand total: cell (r, c) is 3*r + c
    grid = np.array([[3, 20, 30], [12, 40, 9], [25, 7, 2]])
    values = list(grid.ravel()) + list(grid.sum(1)) + list(grid.sum(0)) + [grid.sum()]
    rows = [[9 + r, 3 * r, 3 * r + 1, 3 * r + 2] for r in range(3)]
    cols = [[12 + c, c, 3 + c, 6 + c] for c in range(3)]
    eqs = equations(*rows, *cols, [15, 9, 10, 11], [15, 12, 13, 14])
    hidden = suppression.protect(pl.Series(values), eqs, 5).to_numpy()
    assert hidden[0] and hidden[8], "the small cells 3 and 2"
    assert hidden.sum() >= 4, "a row and a column each need a second hidden cell"
    assert recovered(values, eqs, hidden) == []


def test_the_threshold_is_configurable_and_declared_once():
    assert suppression.threshold() == catalog.small_cell() == 5
    values, eqs = [30, 3, 27], equations([0, 1, 2])
    assert suppression.protect(pl.Series(values), eqs, 3).to_list() == [False, False, False]
    assert suppression.protect(pl.Series(values), eqs, 5).to_list() == [False, True, True]


def test_a_table_without_small_cells_is_left_alone():
    values = [30, 10, 20]
    assert not suppression.protect(pl.Series(values), equations([0, 1, 2]), 5).any()


# --- the packs of the tiny run --------------------------------------------------------------


def duckdb_read(run):
    import duckdb

    return duckdb.connect(str(run.published), read_only=True)


@pytest.fixture(scope="module")
def marts(run) -> data.YearMarts:
    with duckdb_read(run) as con:
        frames = data.read_marts(con, YEAR)
    hidden = pl.read_parquet(run.exports / str(YEAR) / data.hidden_file(YEAR))
    return data.YearMarts(YEAR, frames, hidden)


def _attack(marts: data.YearMarts):
    """Cells, the attacker's equations (the sums and the copies between marts) and what the
    packs hide."""
    long = suppression.long_cells({m: marts[m] for m in suppression.COUNTS})
    eqs = suppression.mart_equations(long, YEAR)
    var = suppression.canonical(long, YEAR)
    copies = long.select("cell", var=var).filter(pl.col("cell") != pl.col("var"))
    same = pl.concat(
        [
            copies.select(
                eq=pl.col("cell").cast(pl.Int64) + (1 << 62), cell="cell", coef=pl.lit(1)
            ),
            copies.select(
                eq=pl.col("cell").cast(pl.Int64) + (1 << 62), cell="var", coef=pl.lit(-1)
            ),
        ]
    )
    eqs = pl.concat(
        [
            eqs.with_columns(pl.col("coef").cast(pl.Int32)),
            same.with_columns(pl.col("cell").cast(pl.UInt32), pl.col("coef").cast(pl.Int32)),
        ]
    )
    hidden = (
        long.join(marts.hidden.with_columns(h=pl.lit(True)), on=data.HIDDEN_KEYS, how="left")
        .sort("cell")["h"]
        .fill_null(False)
    )
    return long, eqs, hidden.to_numpy()


def test_every_small_count_of_the_packs_is_hidden(marts):
    long, _, hidden = _attack(marts)
    small = long["value"].is_between(1, 4).to_numpy()
    assert hidden[small].all()
    assert hidden.sum() > small.sum(), "complementary cells are hidden too"


def test_the_attacker_cannot_recover_a_hidden_cell_of_the_packs(marts):
    """Linear programmes over the whole block of linked hidden cells are slow (minutes for a
    few dozen cells on the tiny sample): the attacker takes, per pack level, the hidden cell
    of the smallest value, i.e. the likeliest to be pinned, and one complementary cell."""
    long, eqs, hidden = _attack(marts)
    candidates = long.with_columns(hidden=pl.Series(hidden)).filter(
        pl.col("hidden") & pl.col("level").is_in(list(data.PACK_LEVELS))
    )
    primary = candidates.filter(pl.col("value").is_between(1, 4))
    smallest = primary.sort("value", "cell").group_by("level", maintain_order=True).first()
    complement = candidates.filter(pl.col("value") >= 5).sort("value", "cell").head(1)
    targets = pl.concat([smallest.select("cell"), complement.select("cell")])["cell"].to_numpy()
    assert len(targets) >= 3
    assert recovered(long["value"].to_numpy(), eqs, hidden, cells=targets) == []


def test_propagation_pins_no_hidden_cell_anywhere(marts):
    """Over every hidden count of 1..4 of the year: interval propagation to a fixed point pins
    none."""
    long, eqs, hidden = _attack(marts)
    lower, upper = suppression.attacker_bounds(long["value"], eqs, hidden, 5, rounds=200)
    small = long["value"].is_between(1, 4).to_numpy()
    assert not (hidden & small & (lower >= upper)).any()


# --- the outside attacker: every file written for people ------------------------------------


def _files_for_people(folder: Path) -> list[Path]:
    return [
        p
        for p in folder.rglob("*")
        if p.suffix in (".csv", ".parquet", ".xlsx") and not p.name.startswith("suppressed_")
    ]


def test_an_outsider_recovers_no_hidden_count_from_the_files(run, marts):
    """Every CSV, Parquet and workbook for people, read as an outsider reads them, with every
    sum, every rate times its base, the dimensions' headcounts and M0 as relations: no hidden
    count of 1..4 comes out."""
    folder = run.exports / str(YEAR)
    truth = attack.truth_cells(marts.frames)
    result = attack.attack(folder, truth, YEAR)
    assert result.files == len(_files_for_people(folder)), "every file for people is read"
    assert result.hidden_small > 50 and result.relations > 1000
    assert result.recovered == 0, result.cells
    assert result.unsound == 0, "every relation the attacker builds holds for the true counts"


def test_chipao_attack_prints_what_the_outsider_recovers(run, monkeypatch, capsys):
    monkeypatch.setenv("CHIPAO_HOME", str(run.home))
    assert cli.main(["attack", "--year", str(YEAR), "--no-workbooks"]) == 0
    line = capsys.readouterr().out.strip()
    assert f"{YEAR}: read " in line and "recovered 0," in line


def test_the_outsider_finds_what_a_figure_published_beside_its_hidden_counts_gives_away(
    run, marts, tmp_path, monkeypatch
):
    """The packs of before issue 18: dimension headcounts and M0 hidden only with the persons
    and the poor. The same attacker then recovers hidden counts: it would see the leak."""
    loose = {
        **derived.declared(),
        "area_mpi_component": {
            f: (derived.Part("area_summary", "persons", None),)
            for f in derived.figures("area_mpi_component")
        },
        "area_mpi": {
            f: (
                derived.Part("area_mpi", "poor_persons", "rule"),
                derived.Part("area_summary", "persons", None),
            )
            for f in derived.figures("area_mpi")
        },
    }
    monkeypatch.setattr(derived, "declared", lambda: loose)
    folder = tmp_path / str(YEAR)
    folder.mkdir()
    for path in (run.exports / str(YEAR)).glob("area_*"):
        shutil.copy(path, folder / path.name)
    with duckdb_read(run) as con:
        job = packs.prepare(con, YEAR, lambda y: run.exports / str(y))
    packs.write_all(job, folder / "packs", progress=lambda _: None)
    result = attack.attack(folder, attack.truth_cells(marts.frames), YEAR, workbooks=False)
    assert result.recovered > 0
    assert result.unsound == 0, "what it recovers there is given away, not luck"


def _district_files(folder: Path, first_poor_shown: bool) -> pl.DataFrame:
    """A district (1701, 3 MPI-poor persons, shown "<5") of two subdistricts: 170101 with the
    3 poor (shown "<5", or 3), 170102 with none. Its pack shows its own MPI row (poor "<5", M0
    hidden) and the ranking sheet of its subdistricts, where only 170102's M0 is shown (0). The
    files as the exports write them; returns the true counts as cells."""
    year = 2567
    areas = pl.DataFrame(
        {
            "level": ["province", "district", "subdistrict", "subdistrict"],
            "area_code": ["17", "1701", "170101", "170102"],
            "parent_code": [None, "17", "1701", "1701"],
            "age_band": ["all"] * 4,
            "persons": [100, 100, 60, 40],
        }
    )
    poor = ["<5", "<5", "3" if first_poor_shown else "<5", "0"]
    for level in ("province", "district", "subdistrict"):
        rows = areas.filter(pl.col("level") == level)
        rows.write_parquet(folder / f"area_summary_{level}_{year}.parquet")
        shown = pl.Series("mpi_poor_persons", poor).filter(areas["level"] == level)
        rows.with_columns(shown).write_csv(folder / f"area_summary_{level}_{year}.csv")
    pack = folder / "packs" / "district_1701"
    pack.mkdir(parents=True)
    mpi = {"rule": ["tpmap_union"], "age_band": ["all"], "persons": ["100"],
           "poor_persons": ["<5"], "m0": ["x"]}  # fmt: skip
    pl.DataFrame(mpi).write_csv(pack / f"district_1701_{year}_mpi.csv")
    pl.DataFrame(
        {
            "area_code": ["170101", "170102"],
            "persons": [60, 40],
            "mpi_poor_persons": [3 if first_poor_shown else None, 0],
            "m0": [None, 0.0],
        }
    ).write_parquet(pack / f"district_1701_{year}_ranking.parquet")
    truth = [
        (table, code, "all", key, measure, value)
        for code, persons, n in (
            ("17", 100, 3),
            ("1701", 100, 3),
            ("170101", 60, 3),
            ("170102", 40, 0),
        )
        for table, key, measure, value in (
            ("area_summary", "", "persons", persons),
            ("area_summary", "", "mpi_poor_persons", n),
            ("area_mpi", "tpmap_union", "poor_persons", n),
        )
    ]
    return pl.DataFrame(truth, schema=attack.CELL + ["value"], orient="row")


@pytest.mark.parametrize("first_poor_shown", [False, True])
def test_the_outsiders_sums_take_in_the_child_areas_no_file_shows(tmp_path, first_poor_shown):
    """Issue 18: the demo's 1,051 "recovered" counts came from sums the attacker built over the
    subdistricts whose M0 the ranking sheet shows, as if the others were not there: the
    district's poor were the sum of 170102's (0), and the bounds around left out the true
    values. With every child area in the sum, nothing hidden comes out, and every true value
    stays within the bounds; when 170101's 3 poor are published, the district's "<5" is 3 and
    the attacker does work it out."""
    truth = _district_files(tmp_path, first_poor_shown)
    result = attack.attack(tmp_path, truth, 2567, workbooks=False)
    assert result.unsound == 0, "the attacker's relations hold for the true counts"
    if first_poor_shown:
        assert result.recovered >= 1
        assert ("1701", "mpi_poor_persons", 3) in result.cells.select(
            "area_code", "measure", "value"
        ).rows()
    else:
        assert result.hidden_small >= 2 and result.recovered == 0, result.cells


@pytest.fixture(scope="module")
def country_book(run) -> Path:
    return next((run.exports / str(YEAR) / "packs" / "country_TH").glob("*.xlsx"))


def test_the_demo_leaves_a_pack_per_centre(run, marts):
    folder = run.exports / str(YEAR) / "packs"
    summary = marts["area_summary"].filter(pl.col("age_band") == "all")
    for level in data.PACK_LEVELS:
        for code in summary.filter(pl.col("level") == level)["area_code"]:
            stem = folder / f"{level}_{code}" / f"{level}_{code}_{YEAR}"
            assert stem.with_suffix(".xlsx").exists()
            assert Path(f"{stem}_summary.html").exists()
            for sheet in SHEETS:
                assert Path(f"{stem}_{sheet.key}.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_the_workbook_has_its_sheets_thai_labels_and_the_rule(country_book):
    book = openpyxl.load_workbook(country_book)
    assert book.sheetnames == ["สรุป Summary"] + [s.title for s in SHEETS]
    summary = book["สรุป Summary"]
    text = " ".join(str(c.value) for row in summary.iter_rows() for c in row if c.value)
    assert "ประเทศไทย" in text and "Thailand" in text
    assert write.suppression_rule()[0] in text and write.suppression_rule()[1] in text
    assert "จปฐ." in text and "BMN" in text
    assert len(summary._images) == 4, "the charts"
    sheet = book[SHEETS[0].title]
    assert sheet["A1"].value == "รหัสตัวชี้วัด" and sheet["A2"].value == "Indicator"
    assert sheet.freeze_panes == "A3"
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", "values, not formulas"


def test_the_workbook_numbers_equal_the_marts_and_hide_what_is_hidden(country_book, marts):
    sheet = openpyxl.load_workbook(country_book)[SHEETS[0].title]
    header = [c.value for c in sheet[1]]
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=3)]
    book = pl.DataFrame(rows, schema=header, orient="row", infer_schema_length=None)
    mart = marts.flags("area_indicator", pl.col("area_code") == "TH")
    joined = book.rename({"รหัสตัวชี้วัด": "indicator_code", "ช่วงวัย": "age_band"}).join(
        mart, on=["indicator_code", "age_band"]
    )
    assert joined.height == mart.height == 17 * 6
    label = "คนที่ไม่ผ่านเกณฑ์"
    shown = joined.filter(~pl.col("persons_deprived" + HIDDEN))
    assert (shown[label].cast(pl.Int64) == shown["persons_deprived"]).all()
    masked = joined.filter(pl.col("persons_deprived" + HIDDEN))
    assert masked.height > 0
    small = masked.filter(pl.col("persons_deprived") < 5)
    assert small.height > 0 and (small[label] == "<5").all()
    assert (masked.filter(pl.col("persons_deprived") >= 5)[label] == "x").all()


PROGRESS = next(s for s in SHEETS if s.key == "progress")


def _sheet_frame(sheet) -> pl.DataFrame:
    """A pack sheet read back: English header (row 2) as column names."""
    header = [c.value for c in sheet[2]]
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=3)]
    return pl.DataFrame(rows, schema=header, orient="row", infer_schema_length=None)


def test_the_progress_sheet_shows_the_centres_targets_and_changes(country_book, run):
    import duckdb

    book = openpyxl.load_workbook(country_book)
    assert PROGRESS.title == "ความก้าวหน้าตามเป้าหมาย Targets"
    assert PROGRESS.title in book.sheetnames
    sheet = book[PROGRESS.title]
    assert sheet["A1"].value == "รายการ" and "รหัสตัววัด" in [c.value for c in sheet[1]]
    frame = _sheet_frame(sheet)
    with duckdb.connect(str(run.published), read_only=True) as con:
        targets = con.sql(f"FROM marts.area_target WHERE year_be = {YEAR} AND centre = 'TH'").pl()
        changes = con.sql(
            f"FROM marts.area_progress WHERE year_be = {YEAR} AND area_code = 'TH' "
            "AND age_band = 'all'"
        ).pl()
    assert targets.height == 2, "conftest's two national targets"
    rows = frame.filter(pl.col("Row").str.ends_with("target"))
    joined = rows.join(targets, left_on="Measure code", right_on="measure")
    assert joined.height == 2
    for r in joined.iter_rows(named=True):  # the country's figures are far above 5
        assert float(r["Value this year"]) == pytest.approx(r["actual_value"])
        assert float(r["Target"]) == pytest.approx(r["target_value"])
        assert float(r["Expected this year"]) == pytest.approx(r["expected_value"])
        assert r["On track"] == ("ใช่ yes" if r["on_track"] else "ไม่ no")
    for comparison in ("previous", "baseline"):
        shown = frame.filter(pl.col("Row").str.contains(comparison))
        mart = changes.filter(pl.col("comparison") == comparison)
        joined = shown.join(mart, left_on="Measure code", right_on="measure")
        # the key figures, and the target-poor count and rate on each rule in both years:
        # the rule changed from 2565 to 2566 (issue 18)
        same = joined.filter(pl.col("Series").str.contains("same rule"))
        assert sorted(same["Measure code"]) == sorted(pack_module.SAME_RULE_FIGURES)
        assert set(same["series"]) == {"later_rule", "earlier_rule"}
        joined = joined.filter(pl.col("Measure code").is_in(pack_module.KEY_FIGURES))
        assert joined.height == len(pack_module.KEY_FIGURES)
        # M0 is hidden where one indicator's deprived count is (the tiny country is one
        # province): the other figures are shown, and equal the mart's
        shown = joined.filter(pl.col("Value this year").cast(pl.String) != "x")
        assert shown.height >= len(pack_module.KEY_FIGURES) - 1
        value = shown["Value this year"].cast(pl.Float64)
        assert (value - shown["value"]).abs().max() < 1e-9
        change = shown["Change"].cast(pl.Float64)
        assert (change - shown["absolute"]).abs().max() < 1e-9


def test_the_progress_sheet_hides_what_the_years_suppression_hides(run, marts):
    earlier = YEAR - 1
    with duckdb_read(run) as con:
        frames = data.read_marts(con, earlier)
    before = data.YearMarts(
        earlier, frames, pl.read_parquet(run.exports / str(earlier) / data.hidden_file(earlier))
    )
    summary = marts.flags("area_summary", pl.col("age_band") == "all")
    hidden_now = hidden_before = 0
    # subdistricts too: the tiny sample's districts are large enough to show everything
    small = summary.filter(pl.col("level").is_in(["district", "subdistrict"]))
    for r in small.iter_rows(named=True):
        area = pack_module.Area(r["level"], r["area_code"], r["name_th"], r["name_en"])
        sheet = pack_module.progress_sheet(pack_module.Pack(area, marts, {earlier: before}))
        rows = sheet.filter(pl.col("measure") == "target_poor_persons")
        assert rows.height == 2, "previous and baseline"
        assert (rows["actual_value" + HIDDEN] == r["target_poor_persons" + HIDDEN]).all()
        then = before.flags("area_summary", (pl.col("area_code") == r["area_code"])
                            & (pl.col("age_band") == "all"))  # fmt: skip
        assert (rows["base_value" + HIDDEN] == then["target_poor_persons" + HIDDEN][0]).all()
        assert (rows["absolute" + HIDDEN] == (rows["actual_value" + HIDDEN]
                                              | rows["base_value" + HIDDEN])).all()  # fmt: skip
        rate = sheet.filter(pl.col("measure") == "target_poor_rate")
        assert (rate["actual_value" + HIDDEN] == (r["target_poor_persons" + HIDDEN]
                                                  | r["persons" + HIDDEN])).all()  # fmt: skip
        hidden_now += r["target_poor_persons" + HIDDEN]
        hidden_before += then["target_poor_persons" + HIDDEN][0]
        people = write.for_people(sheet)
        shown = people.filter(pl.Series(sheet["actual_value" + HIDDEN]))
        assert (shown["ค่าปีนี้ / Value this year"] == "x").all()
    assert hidden_now and hidden_before, "the tiny sample hides some areas' target poor"


def test_parquet_has_types_descriptions_and_nulls_for_hidden_cells(run):
    stem = run.exports / str(YEAR) / "packs" / "country_TH" / f"country_TH_{YEAR}"
    table = pq.read_table(f"{stem}_indicators.parquet")
    assert str(table.schema.field("persons_deprived").type) == "int64"
    assert table.schema.field("deprived_rate").metadata[b"description"]
    frame = pl.from_arrow(table)
    hidden = frame.filter(pl.col("suppressed").str.split(",").list.contains("persons_deprived"))
    assert hidden.height and hidden["persons_deprived"].is_null().all()


def test_formula_looking_text_survives_as_text(tmp_path):
    evil = ['=HYPERLINK("http://x")', "+1+1", "-2", "@SUM(A1)", "\tx", "plain"]
    frame = pl.DataFrame({"name_en": evil, "persons": [10] * 6, "persons" + HIDDEN: [False] * 6})
    write.write_csv(frame, tmp_path / "x.csv")
    cells = pl.read_csv(tmp_path / "x.csv", encoding="utf-8-sig")[:, 0].to_list()
    assert cells == ["'" + e for e in evil[:5]] + ["plain"]
    book = write.Workbook(tmp_path / "x.xlsx")
    book.sheet("s", frame)
    book.close()
    sheet = openpyxl.load_workbook(tmp_path / "x.xlsx")["s"]
    column = [sheet.cell(row=i + 3, column=1) for i in range(6)]
    assert [c.value for c in column] == evil
    assert all(c.data_type == "s" for c in column)


def test_no_export_is_past_excels_row_limit_at_national_scale():
    subdistricts = sum(
        len(geothai.subdistricts(d.code))
        for p in geothai.provinces()
        for d in geothai.districts(p.code)
    )
    villages = subdistricts * VILLAGES_PER_SUBDISTRICT[1]  # the most the generator makes
    bands, indicators = len(catalog.age_bands()) + 1, len(catalog.indicators())
    assert villages < EXCEL_ROWS, "the wide village file: one row per village"
    assert villages * bands < EXCEL_ROWS, "area_summary per village and band"
    assert subdistricts * bands * indicators < EXCEL_ROWS, "area_indicator per subdistrict"
    assert villages * bands * indicators > EXCEL_ROWS
    assert ("area_indicator", "village") in exports.NO_CSV


def test_wide_exports_have_one_row_per_area(run, marts):
    for level in exports.LEVELS:
        wide = pl.read_parquet(run.exports / str(YEAR) / f"area_wide_{level}_{YEAR}.parquet")
        areas = marts["area_summary"].filter(pl.col("level") == level)["area_code"].n_unique()
        assert wide.height == areas == wide["area_code"].n_unique()
        assert {f"rate_{i.code}" for i in catalog.indicators()} <= set(wide.columns)


# --- chipao report ------------------------------------------------------------------------


def test_report_names_an_area_in_thai_or_english(run, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("CHIPAO_HOME", str(run.home))
    province = geothai.province("58")
    for name in (province.name_th, "จังหวัด" + province.name_th, province.name_en.upper()):
        out = tmp_path / name
        code = cli.main(
            [
                "report",
                "--level",
                "province",
                "--area",
                name,
                "--year",
                str(YEAR),
                "--format",
                "xlsx,csv",
                "--out",
                str(out),
            ]
        )
        assert code == 0
        assert (out / "province_58" / f"province_58_{YEAR}.xlsx").exists()
        assert not list(out.rglob("*.html"))
        # read from the centre's own rows only, the pack is the one the run wrote
        for path in (out / "province_58").glob("*.csv"):
            ref = run.exports / str(YEAR) / "packs" / "province_58" / path.name
            assert path.read_bytes() == ref.read_bytes(), path.name


@pytest.mark.parametrize(
    ("level", "area", "says"),
    [
        ("province", "10", "has no data in survey year"),  # Bangkok: not in the tiny sample
        ("province", "Atlantis", "no province is called or coded 'Atlantis'"),
        ("district", "DUPLICATE", "give the code"),
        ("province", "Mae Hong Sorn", "did you mean แม่ฮ่องสอน (Mae Hong Son, 58)?"),
        ("district", "แม่ฮ่องสอน", "'แม่ฮ่องสอน' is a province: use --level province"),
    ],
)
def test_report_refuses_an_area_outside_the_data_in_one_line(
    run, monkeypatch, capsys, level, area, says
):
    if area == "DUPLICATE":  # a district name that two provinces have
        names = [d.name_en for p in geothai.provinces() for d in geothai.districts(p.code)]
        area = next(n for n in names if names.count(n) > 1)
    monkeypatch.setenv("CHIPAO_HOME", str(run.home))
    assert cli.main(["report", "--level", level, "--area", area]) == 2
    err = capsys.readouterr().err.strip()
    assert says in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_report_refuses_a_wrong_name_before_reading_any_data(run, monkeypatch, capsys):
    def no_data(*_, **__):
        raise AssertionError("the snapshot was opened")

    monkeypatch.setenv("CHIPAO_HOME", str(run.home))
    monkeypatch.setattr(cli, "_connect_published", no_data)
    assert cli.main(["report", "--level", "province", "--area", "Atlantis"]) == 2
    assert "no province is called or coded 'Atlantis'" in capsys.readouterr().err


# --- the HTML summary in a real browser ------------------------------------------------------


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    pytest.skip("no chromium on this machine: apt-get install chromium to render the summary")


def test_the_html_summary_renders_offline_without_errors(run, tmp_path):
    from PIL import Image

    browser = _chromium()
    page = next((run.exports / str(YEAR) / "packs" / "province_58").glob("*_summary.html"))
    text = page.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text and "<script" not in text
    shot = tmp_path / "shot.png"
    done = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            f"--screenshot={shot}",
            "--window-size=1200,1400",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shot.exists(), done.stderr[-2000:]
    pixels = np.asarray(Image.open(shot).convert("L"), dtype=float)
    assert pixels.std() > 10, "the screenshot is not blank"
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    assert not console, console
    assert "net::ERR" not in done.stderr, "no request left the machine"
