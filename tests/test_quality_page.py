"""The quality page and the Data Docs: offline, rendered in Chromium, no cell values; and the
recalibrated all-pass finding, which flags only the zeros that are improbable."""

import duckdb
import pandas as pd
import pytest

from schemas.checks import all_pass_areas
from tests.browser import render

VALUE = 0.4321987  # a distinctive cell value that must not reach any page
FLAG_INDEX = ["level", "area_code", "name_th", "name_en"]


@pytest.fixture(scope="module")
def gxe():
    from schemas import expectations

    return expectations


def _summary(con, rows):
    con.execute(
        "CREATE SCHEMA marts; CREATE TABLE marts.area_summary (year_be INT, level VARCHAR, "
        "area_code VARCHAR, parent_code VARCHAR, name_th VARCHAR, name_en VARCHAR, "
        "age_band VARCHAR, persons BIGINT, households BIGINT, mpi_poor_persons BIGINT)"
    )
    con.executemany(
        "INSERT INTO marts.area_summary VALUES (2566, ?, ?, ?, ?, ?, 'all', ?, ?, ?)", rows
    )


def test_all_pass_flags_a_zero_only_where_chance_cannot_explain_it():
    """A subdistrict where 20 % are MPI-poor. Village A (20 households, nobody poor) would be so
    by chance once in 87 (0.8^20 = 0.0115): not flagged. Village B (50 households) once in
    70,000 (0.8^50): flagged. With six areas tested the bar is 0.05 / 6 = 0.0083."""
    con = duckdb.connect()
    _summary(
        con,
        [
            ("province", "50", None, "จ", "P", 300, 100, 60),
            ("district", "5001", "50", "อ", "D", 300, 100, 60),
            ("subdistrict", "500101", "5001", "ต", "S", 300, 100, 60),
            ("village", "50010101", "500101", "ก", "A", 60, 20, 0),
            ("village", "50010102", "500101", "ข", "B", 150, 50, 0),
            ("village", "50010103", "500101", "ค", "C", 90, 30, 60),
        ],
    )
    areas = all_pass_areas(con, 2566, min_persons=30, alpha=0.05)
    assert len(areas) == 6
    flagged = areas[areas["flagged"]]
    assert flagged["area_code"].tolist() == ["50010102"]
    chance = dict(zip(areas["area_code"], areas["chance"], strict=True))
    assert chance["50010101"] == pytest.approx(0.8**20)
    assert chance["50010102"] == pytest.approx(0.8**50)
    # the old rule (nobody poor, 30+ persons) would have flagged both villages
    assert set(areas.loc[areas["mpi_poor_persons"] == 0, "area_code"]) == {"50010101", "50010102"}
    # a looser family-wise error flags A as well; a tighter one neither
    assert all_pass_areas(con, 2566, 30, alpha=0.1)["flagged"].sum() == 2
    assert all_pass_areas(con, 2566, 30, alpha=1e-6)["flagged"].sum() == 0
    # Six areas are too few to tell how villages spread around their subdistrict (rho = 0, the
    # binomial above). Counted as enough, these three villages (0 %, 0 % and 67 % around 20 %)
    # spread so widely that B's zero becomes plausible: the beta-binomial that keeps the real
    # districts with next to no poverty from being flagged on clean data.
    assert set(areas["rho"]) == {0.0}
    spread = all_pass_areas(con, 2566, 30, alpha=0.05, min_areas=3)
    village_b = spread[spread["area_code"] == "50010102"].iloc[0]
    assert village_b["rho"] > 0.1 and village_b["chance"] > 0.05 / 6
    assert spread["flagged"].sum() == 0


def _session(gxe, folder):
    session = gxe.Session(folder)
    yoy = pd.DataFrame(
        {
            "level": ["village", "village", "district"],
            "area_code": ["50010101", "50010102", "5001"],
            "name_th": ["บ้านหนึ่ง", "บ้านสอง", "อำเภอ"],
            "name_en": ["Ban Nueng", "Ban Song", "Amphoe"],
            "persons": [40, 30, 70],
            "change": [VALUE, 0.01, -VALUE],
        }
    )
    yoy["jump"] = yoy["change"].abs() > 0.1
    # the bound on the change itself (the yoy suite now checks the calibrated `jump` flag), so
    # that the cell values are GX's unexpected values and the scrubbing has something to drop
    changes = gxe.gx.ExpectationSuite(
        name="marts.area_summary_yoy_jumps",
        expectations=[
            gxe.E.ExpectColumnValuesToBeBetween(
                column="change", min_value=-0.1, max_value=0.1, severity=gxe.WARNING
            )
        ],
    )
    session.validate(yoy, changes, FLAG_INDEX, complete=True)
    reconcile = pd.DataFrame({"total": [3.0, 10.0], "expected": [4.0, 10.0]})
    session.validate(reconcile, gxe.reconciliation_suite("marts.area_summary"))
    return session, yoy


def test_data_docs_keep_counts_but_no_cell_value(gxe, tmp_path):
    session, _ = _session(gxe, tmp_path / "docs")
    outcome = session.outcomes[0]
    assert outcome.failures[0].unexpected_count == 2  # the run itself keeps everything
    assert VALUE in outcome.failures[0].observed
    index = session.write_data_docs()
    text = "".join(p.read_text(encoding="utf-8") for p in index.parent.rglob("*.html"))
    assert "marts.area_summary_yoy_jumps" in text and "unexpected" in text.lower()
    assert "4321" not in text  # GX would list it (and the two areas' rows) unscrubbed


def test_scrub_drops_values_and_keeps_index_columns(gxe):
    result = {
        "unexpected_count": 1,
        "partial_unexpected_list": [3],
        "partial_unexpected_counts": [{"value": 3, "count": 1}],
        "unexpected_list": [3],
        "unexpected_index_column_names": ["area_code"],
        "unexpected_index_list": [{"area_code": "5001", "persons": 3}],
    }
    assert gxe.scrub_values(result) == {
        "unexpected_count": 1,
        "unexpected_index_column_names": ["area_code"],
        "unexpected_index_list": [{"area_code": "5001"}],
    }


def test_quality_page_renders_offline_in_chromium(gxe, tmp_path):
    session, yoy = _session(gxe, tmp_path / "docs")
    index = session.write_data_docs()
    flagged = yoy[yoy["jump"]][[*FLAG_INDEX, "persons"]].to_dict("records")
    page = session.write_quality_page(
        "Chipao quality checks · ตรวจคุณภาพข้อมูล, survey year 2566",
        {"marts.area_summary_yoy_jumps": flagged},
    )
    html = page.read_text(encoding="utf-8")
    assert "<script" not in html and "http" not in html.replace('href="index.html"', "")
    assert "Ban Nueng" in html and "Amphoe" in html and "Ban Song" not in html
    assert "4321" not in html
    assert "marts.area_summary_reconcile" in html and "failed" in html

    shown = render(page, tmp_path / "page")
    assert shown.console_errors == []
    assert shown.outside_requests == []
    assert shown.inked_share > 0.02  # text and tables, not a blank page

    # GX's own index asks CDNs for its scripts: the reason for the page above
    gx = render(index, tmp_path / "gx")
    assert any("cdn" in url or "unpkg" in url for url in gx.outside_requests)
