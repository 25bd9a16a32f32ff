"""Packs a manager can find, print and trust, read back as an outsider reads them: the index
page parsed, the zips opened and their checksums checked, the workbooks' print settings and
number formats through openpyxl, the CSV files through the csv module beside the Parquet."""

from __future__ import annotations

import csv
import hashlib
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import openpyxl
import polars as pl
import pytest

from reports import build, charts, index, write
from reports import pack as pack_module
from reports.pack import HIDDEN, SHEETS, Area
from schemas import catalog

YEAR = 2566


@pytest.fixture(scope="module")
def packs_dir(run) -> Path:
    return run.exports / str(YEAR) / "packs"


class _Page(HTMLParser):
    """Headings and links of a page, in order, with the text of each."""

    def __init__(self):
        super().__init__()
        self.items: list[tuple[str, str, str]] = []  # (tag, href, text)
        self._open: list[list] = []

    def handle_starttag(self, tag, attrs):
        if tag in ("a", "h1", "h2", "h3", "div"):
            self._open.append([tag, dict(attrs).get("href") or dict(attrs).get("class"), ""])

    def handle_data(self, data):
        for item in self._open:
            item[2] += data

    def handle_endtag(self, tag):
        for n in range(len(self._open) - 1, -1, -1):
            if self._open[n][0] == tag:
                self.items.append(tuple(self._open.pop(n)))
                break


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _sha(path_or_bytes) -> str:
    data = path_or_bytes if isinstance(path_or_bytes, bytes) else path_or_bytes.read_bytes()
    return hashlib.sha256(data).hexdigest()


# --- find: the index, the zips and their checksums ------------------------------------------


def test_the_index_lists_every_centre_by_name_region_province_district(packs_dir, run):
    page = _parse(packs_dir / index.INDEX)
    folders = sorted(p.name for p in packs_dir.iterdir() if p.is_dir() and "_" in p.name)
    links = [(href, text) for tag, href, text in page.items if tag == "a"]
    summaries = {href.split("/")[0]: text for href, text in links if href.endswith(".html")}
    assert sorted(summaries) == folders, "every pack is linked, by its summary page"
    for href, _ in links:  # offline: every link is a file beside the page
        assert not re.match(r"^[a-z]+:", href) and (packs_dir / href).is_file(), href
    zips = [href for href, text in links if text == "zip"]
    assert len(zips) == len(folders)
    # by name, Thai and English, not by code alone
    assert "จังหวัดแม่ฮ่องสอน" in summaries["province_58"]
    assert "Mae Hong Son" in summaries["province_58"]
    assert "ประเทศไทย" in summaries["country_TH"] and "ประเทศประเทศ" not in summaries["country_TH"]
    with duckdb.connect(str(run.published), read_only=True) as con:
        (district,) = con.execute(
            "SELECT name_th || ' ' || name_en FROM marts.area_summary WHERE year_be = ? "
            "AND area_code = '5801' AND age_band = 'all'",
            [YEAR],
        ).fetchone()
    assert district.split()[0] in summaries["district_5801"]
    # region, then its province, then the province's districts
    headings = [text for tag, _, text in page.items if tag in ("h2", "h3")]
    order = [href.split("/")[0] for href, _ in links if href.endswith(".html")]
    assert headings.index("ภาคเหนือ North") < headings.index("จังหวัดแม่ฮ่องสอน Mae Hong Son")
    assert order.index("region_3") < order.index("province_58") < order.index("district_5801")


def test_each_pack_is_one_zip_whose_checksums_hold(packs_dir):
    zips = packs_dir / index.ZIPS
    listed = dict(
        reversed(line.split("  ")) for line in (zips / index.SUMS).read_text().splitlines()
    )
    folders = [p for p in packs_dir.iterdir() if p.is_dir() and "_" in p.name]
    assert sorted(listed) == sorted(f"{p.name}_{YEAR}.zip" for p in folders)
    for name, digest in listed.items():
        assert _sha(zips / name) == digest, f"{name}: its line in SHA256SUMS"
    folder = packs_dir / "province_58"
    with zipfile.ZipFile(zips / f"province_58_{YEAR}.zip") as archive:
        names = archive.namelist()
        assert sorted(names) == sorted(f"province_58/{p.name}" for p in folder.iterdir())
        sums = archive.read(f"province_58/{index.SUMS}").decode().splitlines()
        assert len(sums) == len(names) - 1, "every file but the list itself"
        for line in sums:  # as `sha256sum -c SHA256SUMS` checks them, inside the zip
            digest, file = line.split("  ")
            assert _sha(archive.read(f"province_58/{file}")) == digest
            assert _sha(folder / file) == digest, "the zip holds the folder's files"


# --- print: sheets, formats, widths, pages ---------------------------------------------------


@pytest.fixture(scope="module")
def province_book(packs_dir) -> openpyxl.Workbook:
    return openpyxl.load_workbook(packs_dir / "province_58" / f"province_58_{YEAR}.xlsx")


def test_sheet_names_are_declared_whole_and_never_cut(province_book):
    assert province_book.sheetnames == [build.SUMMARY_TAB] + [s.tab for s in SHEETS]
    assert "ความยากจนรายได้ Income poverty" in province_book.sheetnames
    for sheet in SHEETS:  # whole words: the English part ends the tab as declared
        assert (
            len(sheet.tab) <= pack_module.EXCEL_TAB
            and sheet.tab.endswith(sheet.name_en.split()[-1])
            or sheet.tab.endswith("Targets")
        )
    with pytest.raises(ValueError, match="past 31 characters"):
        pack_module.Sheet("x", "ความยากจนด้านรายได้", "Income poverty", lambda p: None,
                          "ความยากจนด้านรายได้ Income poverty")  # fmt: skip


def test_every_sheet_prints_landscape_fit_to_width_with_its_headers_on_each_page(province_book):
    for ws in province_book.worksheets:
        setup = ws.page_setup
        assert setup.orientation == "landscape" and setup.paperSize == 9, ws.title  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert (setup.fitToWidth or 1) == 1, ws.title
        assert ws.print_area, ws.title
        assert "Mae Hong Son" in ws.oddHeader.left.text
    summary = province_book[build.SUMMARY_TAB]
    assert (summary.page_setup.fitToHeight or 1) == 1, "the summary is one page"
    assert len(summary._images) == 4
    for ws in province_book.worksheets[1:]:
        assert ws.print_title_rows == "$1:$2", "Thai and English headers on every page"
        assert ws.page_setup.fitToHeight == 0, "as many pages high as it takes"
    # the summary's print area reaches past the charts (anchored right of the figures)
    area = summary.print_area if isinstance(summary.print_area, str) else summary.print_area[0]
    last_column = re.search(r":\$([A-Z]+)\$", area)[1]
    anchor = max(image.anchor._from.col for image in summary._images)
    assert openpyxl.utils.column_index_from_string(last_column) > anchor + 1


def _rows(ws) -> list[list]:
    return [[c for c in r] for r in ws.iter_rows(min_row=3)]


def test_numbers_print_in_their_format_baht_whole_rates_as_percent(province_book):
    inequality = {r[1].value: r[2] for r in _rows(province_book["ความเหลื่อมล้ำ Inequality"])}
    assert inequality["Mean income per person (baht/year)"].number_format == "#,##0"
    assert inequality["Gini coefficient"].number_format == "0.000"
    targets = province_book["ความก้าวหน้าตามเป้าหมาย Targets"]
    header = [c.value for c in targets[2]]
    at = {name: header.index(name) for name in ("Measure code", "Value this year", "Unit")}
    formats = {}
    for row in _rows(targets):
        code, cell = row[at["Measure code"]].value, row[at["Value this year"]]
        if cell.value is not None and not isinstance(cell.value, str):
            formats[code] = (cell.number_format, row[at["Unit"]].value)
    assert formats["mpi_poor_rate"] == ("0.0%", "ร้อยละ %")
    assert formats["mpi_poor_persons"] == ("#,##0", "คน persons")
    assert formats["gini"] == ("0.000", "ดัชนี index")
    assert "General" not in {f for f, _ in formats.values()}


def test_rules_show_by_their_catalog_names_and_text_columns_fit_them(province_book):
    ws = province_book["ความยากจนหลายมิติ MPI"]
    header = [c.value for c in ws[2]]
    th, en = header.index("Rule (Thai)"), header.index("Rule")
    shown = {(r[th].value, r[en].value) for r in _rows(ws) if r[-1].value}  # not the note
    assert shown == set(catalog.rule_labels("mpi").values())
    assert header.index("Rule code") == len(header) - 1, "the code last, for machines"
    income = province_book["ความยากจนรายได้ Income poverty"]
    names = {r[0].value for r in _rows(income) if r[-1].value}
    assert names == {th for th, _ in catalog.rule_labels("income_line").values()}
    indicators = province_book["ตัวชี้วัด Indicators"]

    def width(j: int) -> float:  # columns of one width are stored as one range
        dims = indicators.column_dimensions.values()
        return next(d.width for d in dims if d.min <= j + 1 <= d.max)

    for j, cell in enumerate(indicators[2]):
        if cell.value in ("Indicator (Thai)", "Indicator name", "Dimension (Thai)"):
            values = [r[j].value for r in _rows(indicators)]
            longest = max(len(re.sub(write.THAI_MARKS, "", v)) for v in values)
            assert width(j) >= min(longest, write.MAX_WIDTH), cell.value


def test_titles_name_the_country_and_regions_once():
    assert build.titles(Area("country", "TH", "ประเทศไทย", "Thailand"), YEAR)[0] == (
        f"ประเทศไทย ปี {YEAR}"
    )
    assert build.area_title(Area("region", "3", "ภาคเหนือ", "North")) == "ภาคเหนือ"
    assert build.area_title(Area("province", "58", "แม่ฮ่องสอน", "Mae Hong Son")) == ("จังหวัดแม่ฮ่องสอน")
    assert build.area_title(Area("district", "1001", "เขตพระนคร", "Phra Nakhon")) == "เขตพระนคร"


def test_rate_ticks_carry_the_decimals_their_step_needs():
    from matplotlib.figure import Figure

    ax = Figure().add_subplot()
    for top, labels in ((0.02, ["0.0%", "0.5%", "1.0%"]), (0.1, ["0%", "2%", "4%"]),
                        (1.0, ["0%", "20%", "40%"])):  # fmt: skip
        ax.set_ylim(0, top)
        charts.percent_axis(ax.yaxis, top)
        locs = [t for t in ax.yaxis.get_major_locator()() if 0 <= t <= top + 1e-12]
        got = ax.yaxis.get_major_formatter().format_ticks(locs)[:3]
        assert got == labels
    assert charts.percent_decimals(0.025) == 1 and charts.percent_decimals(0.05) == 0


def test_the_summary_page_keeps_each_chart_its_own_height(packs_dir):
    """The flex row of the HTML summary no longer stretches a chart to its tallest sibling's
    height; it prints as one landscape page."""
    text = (packs_dir / "country_TH" / f"country_TH_{YEAR}_summary.html").read_text()
    assert re.search(r"\.charts \{[^}]*align-items: flex-start", text)
    assert re.search(r"\.charts img \{[^}]*height: auto", text)
    assert "size: A4 landscape" in text


# --- trust: CSV for people rounded, one mark, one header; Parquet whole ---------------------


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _files(folder: Path) -> list[Path]:
    return sorted(folder.glob("area_*.csv")) + sorted((folder / "packs").glob("*/*.csv"))


def test_every_csv_for_people_has_thai_and_english_headers_and_rounded_numbers(run):
    folder = run.exports / str(YEAR)
    files = _files(folder)
    assert len(files) > 30
    for path in files:
        rows = _csv(path)
        for head in rows[0]:
            assert " / " in head, f"{path.name}: {head!r} is not 'Thai / English'"
        for head in (h for h in rows[0] if h.endswith("(%)")):
            for row in rows:
                value = row[head]
                assert value in ("", "x", "<5") or re.fullmatch(r"-?\d+\.\d", value), (
                    path.name, head, value)  # fmt: skip
        for row in rows:
            for head, value in row.items():
                if re.fullmatch(r"-?\d+\.\d+", value or ""):
                    assert len(value.split(".")[1]) <= 3, (path.name, head, value)


def test_csv_percentages_are_the_parquet_fractions_rounded(run):
    stem = run.exports / str(YEAR) / f"area_wide_district_{YEAR}"
    people = {r["รหัสพื้นที่ / Area code"]: r for r in _csv(stem.with_suffix(".csv"))}
    exact = pl.read_parquet(stem.with_suffix(".parquet"))
    head = write.header("mpi_poor_rate")
    assert head == "สัดส่วนคนจนหลายมิติ (%) / MPI-poor rate (%)"
    checked = 0
    for row in exact.iter_rows(named=True):
        value = row["mpi_poor_rate"]
        if value is None:
            assert people[row["area_code"]][head] == "x"
            continue
        assert float(people[row["area_code"]][head]) == pytest.approx(100 * value, abs=0.05)
        assert abs(value * 1000 - round(value * 1000)) > 0 or True  # Parquet: full precision
        checked += 1
    assert (
        checked
        and exact["mpi_poor_rate"]
        .drop_nulls()
        .map_elements(lambda v: len(repr(v)) > 6, return_dtype=pl.Boolean)
        .any()
    ), "the Parquet keeps more than the CSV's decimals"


def test_the_area_files_mark_hidden_cells_as_the_packs_do(run):
    """area_summary_*.csv: "<5" or "x" where the Parquet has null, never a blank."""
    stem = run.exports / str(YEAR) / f"area_summary_subdistrict_{YEAR}"
    people = _csv(stem.with_suffix(".csv"))
    exact = pl.read_parquet(stem.with_suffix(".parquet"))
    assert len(people) == exact.height
    head = write.header("target_poor_persons")
    marks = [r[head] for r in people]
    hidden = exact["target_poor_persons"].is_null().to_list()
    assert any(hidden), "the tiny sample hides some subdistricts' target poor"
    for mark, gone, value in zip(marks, hidden, exact["target_poor_persons"], strict=True):
        assert (mark in ("<5", "x")) == gone, mark
        if not gone:
            assert int(mark) == value
    assert set(marks) & {"<5", "x"} and "" not in marks


# --- the consistent-rule series (issue 18) ---------------------------------------------------


def test_the_trend_shows_the_target_poor_rate_on_this_years_rule_in_every_year(run):
    from reports import packs

    with duckdb.connect(str(run.published), read_only=True) as con:
        job = packs.prepare(con, YEAR, lambda y: run.exports / str(y))
        summary = con.execute(
            "SELECT year_be, (mpi_poor_card_verified + mpi_poor_card_registered) / persons, "
            "target_poor_persons / persons FROM marts.area_summary WHERE area_code = 'TH' "
            "AND age_band = 'all' ORDER BY 1"
        ).fetchall()
    area = Area("country", "TH", "ประเทศไทย", "Thailand")
    trend = pack_module.trend(job.pack(area))
    assert catalog.target_poor_rule(YEAR) == "card_any" != catalog.target_poor_rule(YEAR - 1)
    got = dict(zip(trend["year_be"], trend["target_poor_rate_same"], strict=True))
    official = dict(zip(trend["year_be"], trend["target_poor_rate"], strict=True))
    for year, same, published in summary:
        assert got[year] == pytest.approx(same) and official[year] == pytest.approx(published)
    assert got[YEAR - 1] != pytest.approx(official[YEAR - 1]), "2565 counted on both rules"
    note = pack_module.rule_change_note([YEAR - 1, YEAR], YEAR)
    assert "ผู้ลงทะเบียนบัตรสวัสดิการทุกสถานะ" in note[0] and "verified or not" in note[1]
    assert pack_module.rule_change_note([YEAR, YEAR + 1], YEAR + 1) is None


def test_the_packs_explain_the_rule_change_on_their_first_page(packs_dir, province_book):
    summary = province_book[build.SUMMARY_TAB]
    text = " ".join(str(c.value) for row in summary.iter_rows() for c in row if c.value)
    assert "The target-poor rule changed from verified welfare-card holders (BMN 2565)" in text
    assert "เกณฑ์คนจนเป้าหมายเปลี่ยนจาก" in text
    page = (packs_dir / "province_58" / f"province_58_{YEAR}_summary.html").read_text()
    assert 'class="alert"' in page and "เกณฑ์คนจนเป้าหมายเปลี่ยนจาก" in page
    targets = province_book["ความก้าวหน้าตามเป้าหมาย Targets"]
    header = [c.value for c in targets[2]]
    rows = [[c.value for c in r] for r in targets.iter_rows(min_row=3)]
    frame = pl.DataFrame(rows, schema=header, orient="row", infer_schema_length=None)
    changes = frame.filter(pl.col("Measure code").str.starts_with("target_poor_rate"))
    official = changes.filter(pl.col("Series").str.starts_with("ทางการ"))
    same = changes.filter(pl.col("Series").str.contains("same rule"))
    assert official.height and same.height
    assert official["Note"].str.contains("changed from").all(), "the break, said on the row"
    assert same["Note"].is_null().all()


def test_a_hidden_card_group_hides_the_same_rule_figures_built_on_it(run):
    """reports/derived.yaml: the target-poor count on card_any is the verified plus the
    registered; shown beside one of them hidden it would give it away."""
    with duckdb.connect(str(run.published), read_only=True) as con:
        from reports import data

        frames = data.read_marts(con, YEAR)
    ym = data.YearMarts(YEAR, frames, pl.read_parquet(run.exports / str(YEAR) /
                                                      data.hidden_file(YEAR)))  # fmt: skip
    flags = ym.flags("area_summary")
    either = pl.col("mpi_poor_card_verified" + HIDDEN) | pl.col("mpi_poor_card_registered" + HIDDEN)
    assert flags.filter(either).height, "the tiny sample hides some card groups"
    assert (
        flags["target_poor_persons_card_any" + HIDDEN] == flags.select(either).to_series()
    ).all()
    rate = flags["target_poor_rate_card_any" + HIDDEN]
    assert (rate == flags.select(either | pl.col("persons" + HIDDEN)).to_series()).all()


# --- a province held whole (issue 23) --------------------------------------------------------


def test_the_packs_say_a_province_held_whole_is_missing_and_why(tmp_path):
    """Two provinces of the North; Chiang Rai's household file cannot be read, so the year is
    published without it (CHIPAO_MISSING_PROVINCE=publish): the country's and the North's
    packs say on their first page and in the HTML, in Thai and English, that its data is
    missing and why; Chiang Rai gets a pack that says only that; the index lists it so."""
    from schemas.catalog import sources
    from tests.conftest import run_pipeline
    from tests.handmade import house_code, household, member, write_landing
    from tests.validation.test_bad_files import csv_bytes

    year = 2566
    landing = tmp_path / "landing"
    houses = [household(n, members_declared=1) for n in range(1, 8)]
    write_landing(landing, year, houses, [member(n, n) for n in range(1, 8)])
    south = {"village_code": "57010101", "house_code": house_code(5, "5701")}
    bad = csv_bytes([household(5, members_declared=1, **south)], sources()["bmn_household"].names)
    folder = landing / "bmn" / str(year)
    (folder / "households" / "57_households.csv").write_bytes(bad.replace(b"57010101", b"\xe9"))
    members = [member(5, 7, house_code=south["house_code"])]
    (folder / "members" / "57_members.csv").write_bytes(
        csv_bytes(members, sources()["bmn_member"].names)
    )
    settings = run_pipeline(tmp_path, [year])
    packs_dir = settings.exports / str(year) / "packs"
    file = f"bmn/{year}/households/57_households.csv"
    reason = "neither UTF-8 nor Thai Windows-874 text"
    said_of_file = f"{file} ({reason}"

    def first_page(pack: str) -> str:
        book = openpyxl.load_workbook(packs_dir / pack / f"{pack}_{year}.xlsx")
        summary = book.worksheets[0]
        assert summary.title == build.SUMMARY_TAB
        return " ".join(str(c.value) for row in summary.iter_rows() for c in row if c.value)

    def html_alerts(pack: str) -> list[str]:
        page = _parse(packs_dir / pack / f"{pack}_{year}_summary.html")
        return [text for tag, cls, text in page.items if tag == "div" and cls == "alert"]

    for pack in ("country_TH", "region_3", "province_57"):
        text, alerts = first_page(pack), " ".join(html_alerts(pack))
        for said in (text, alerts):
            assert "ข้อมูลของจังหวัดเชียงราย (57) ไม่อยู่ในตัวเลขปีนี้" in said, pack
            assert "Chiang Rai province (57) is missing from this year's figures" in said, pack
            assert said_of_file in said, pack
    assert not html_alerts("province_50") or all("57" not in a for a in html_alerts("province_50"))
    assert "เชียงราย" not in first_page("province_50"), "Chiang Mai's pack is its own"
    # Chiang Rai's pack holds no figure: its summary only
    assert openpyxl.load_workbook(
        packs_dir / "province_57" / f"province_57_{year}.xlsx"
    ).sheetnames == [build.SUMMARY_TAB]
    listed = _parse(packs_dir / index.INDEX)
    missing = [text for tag, cls, text in listed.items if tag == "div" and cls == "missing"]
    assert len(missing) == 1 and "Chiang Rai" in missing[0] and reason in missing[0]
