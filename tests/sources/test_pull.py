"""Pulling a CKAN dataset and an SDMX message from a local server that answers like the real
ones: each failure has a clear outcome and leaves nothing half-written in landing."""

from __future__ import annotations

import hashlib
import io
import json

import polars as pl
import pytest
import xlsxwriter

from sources import run as sources_run
from sources.config import ConfigError, Source, load
from sources.fetch import leftovers
from sources.landing import read_manifest, source_dir
from tests.sources.server import FIXTURES, Portal, Reply, Resource, resource_path

CSV = (FIXTURES / "korat_districts_2566.csv").read_bytes()
FAST = {"timeout": 0.5, "attempts": 3, "backoff_initial": 0.01, "backoff_max": 0.05}


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    for r, row in enumerate([["ปี", "อำเภอ", "ตัวชี้วัด", "ค่า"], [2566, "อ.ครบุรี", "persons", 9]]):
        sheet.write_row(r, 0, row)
    book.close()
    return buffer.getvalue()


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _source(portal: Portal, **spec) -> Source:
    return Source("korat", "ckan", {"portal": portal.url, "dataset": "korat-poverty-districts",
                                    "limits": FAST, **spec})  # fmt: skip


@pytest.fixture
def portal():
    with Portal() as server:
        package = server.serve_package()
        server.csv_path = resource_path(package, 0)
        server.xlsx_path = resource_path(package, 2)
        server.routes[server.xlsx_path] = Resource(_xlsx(), XLSX_TYPE, etag='"x1"')
        yield server


def _clean(landing) -> None:
    assert leftovers(landing) == [], "a half-written file was left in landing"


def test_a_500_then_success_is_retried_and_lands_with_provenance(portal, tmp_path):
    portal.routes[portal.csv_path] = [Reply(500, b"oops", "text/plain"), Reply(200, CSV)]
    report = sources_run.pull(_source(portal), tmp_path)
    assert report.failed == []
    assert portal.hits(portal.csv_path) == 2
    assert portal.query("/api/3/action/package_show") == [{"id": ["korat-poverty-districts"]}]
    folder = source_dir(tmp_path, "korat")
    landed = {p.name for p in folder.iterdir()}
    csv_name = "korat-poverty-districts--9b1e4c7a-2d3f-4a5b-8c6d-7e8f9a0b1c2d.csv"
    xlsx_name = "korat-poverty-districts--d4e5f6a7-1b2c-4d3e-9f4a-5b6c7d8e9f0a.xlsx"
    assert landed == {csv_name, xlsx_name, "provenance.json"}  # not the PDF
    entry = read_manifest(folder)["files"][csv_name]
    assert entry["sha256"] == hashlib.sha256(CSV).hexdigest()
    assert entry["bytes"] == len(CSV)
    assert entry["licence"] == "Open Data Common"
    assert entry["dataset_modified"] == "2024-06-03T08:41:09.552871"
    assert entry["url"].startswith(portal.url) and entry["fetched_at"].endswith("+00:00")
    _clean(tmp_path)


def test_a_timeout_on_every_attempt_fails_in_one_line_and_lands_nothing(portal, tmp_path):
    portal.routes[portal.csv_path] = Reply(200, CSV, delay=1.5)
    report = sources_run.pull(_source(portal), tmp_path)
    (line,) = report.failed
    assert "timed out (after 3 attempts)" in line and "\n" not in line
    assert not list(source_dir(tmp_path, "korat").glob("*.csv"))
    _clean(tmp_path)


def test_a_truncated_body_is_retried_then_refused_and_the_old_file_stays(portal, tmp_path):
    portal.routes[portal.csv_path] = Resource(CSV)
    assert sources_run.pull(_source(portal), tmp_path).failed == []
    folder = source_dir(tmp_path, "korat")
    (landed,) = folder.glob("*.csv")
    # the portal says the file changed, but its new body arrives cut off every time
    changed = CSV + "2566,นครราชสีมา,อำเภอโนนสูง,persons,1,คน\n".encode()
    portal.serve_package(portal.package() | {"result": {**portal.package()["result"]}})
    package = portal.package()
    package["result"]["resources"][0]["last_modified"] = "2024-07-01T00:00:00"
    portal.serve_package(package)
    portal.routes[portal.csv_path] = Reply(200, changed, truncate=len(changed) // 2)
    report = sources_run.pull(_source(portal), tmp_path)
    (line,) = report.failed
    assert "connection dropped mid-response" in line or "truncated" in line
    assert landed.read_bytes() == CSV  # the whole old file, not half of the new one
    _clean(tmp_path)


def test_a_wrong_content_type_is_refused_without_retrying(portal, tmp_path):
    login_page = b"<!DOCTYPE html><html><body>Please log in</body></html>"
    portal.routes[portal.csv_path] = Reply(200, login_page, "text/html; charset=utf-8")
    report = sources_run.pull(_source(portal), tmp_path)
    (line,) = report.failed
    assert "served as text/html, expected csv" in line
    assert portal.hits(portal.csv_path) == 1
    # octet-stream is allowed, but the bytes are looked at
    portal.routes[portal.csv_path] = Reply(200, login_page, "application/octet-stream")
    (line,) = sources_run.pull(_source(portal), tmp_path).failed
    assert "a web page, not CSV" in line
    assert not list(source_dir(tmp_path, "korat").glob("*.csv"))
    _clean(tmp_path)


def test_an_oversized_resource_is_refused_declared_or_streamed(portal, tmp_path):
    big = CSV * 20  # about 8 kB; the limit is 4 kB
    limits = {**FAST, "max_mb": 4096 / 1024 / 1024}
    source = _source(portal, limits=limits, formats=["csv"])
    portal.routes[portal.csv_path] = Reply(200, big)
    (line,) = sources_run.pull(source, tmp_path).failed
    assert f"{len(big):,} bytes, over the limit of 4,096" in line
    portal.routes[portal.csv_path] = Reply(200, big, chunked=True)  # no Content-Length
    (line,) = sources_run.pull(source, tmp_path).failed
    assert "more than the limit of 4,096 bytes" in line
    assert not list(source_dir(tmp_path, "korat").glob("*.csv"))
    _clean(tmp_path)


def test_a_moved_resource_is_followed_and_its_new_address_recorded(portal, tmp_path):
    moved = "/moved/poverty_districts_2566.csv"
    portal.routes[portal.csv_path] = Reply(301, b"", None, {"Location": portal.url + moved})
    portal.routes[moved] = Resource(CSV)
    report = sources_run.pull(_source(portal), tmp_path)
    assert report.failed == []
    entry = next(e for n, e in read_manifest(source_dir(tmp_path, "korat"))["files"].items()
                 if n.endswith(".csv"))  # fmt: skip
    assert entry["final_url"] == portal.url + moved
    assert entry["url"].endswith(portal.csv_path)
    _clean(tmp_path)


def test_an_unchanged_resource_is_not_fetched_again_and_a_changed_one_is(portal, tmp_path):
    portal.routes[portal.csv_path] = Resource(CSV, etag='"v1"')
    first = sources_run.pull(_source(portal), tmp_path)
    assert first.counts() == {"new": 2, "updated": 0, "unchanged": 0, "failed": 0}
    # same modification date and file: no request for the resource at all
    again = sources_run.pull(_source(portal), tmp_path)
    assert again.landed == [] and again.failed == []
    assert portal.hits(portal.csv_path) == 1
    # a new modification date but the same ETag: asked conditionally, 304, file kept
    package = portal.package()
    package["result"]["resources"][0]["last_modified"] = "2024-08-01T00:00:00"
    portal.serve_package(package)
    conditional = sources_run.pull(_source(portal), tmp_path)
    assert [x.status for x in conditional.landed] == ["unchanged"]
    assert portal.calls[-1][1].get("If-None-Match") == '"v1"'
    # the content changed: fetched again, replaced, provenance updated
    changed = CSV.replace(b"98,512", b"98,600")
    portal.routes[portal.csv_path] = Resource(changed, etag='"v2"')
    package["result"]["resources"][0]["last_modified"] = "2024-09-01T00:00:00"
    portal.serve_package(package)
    updated = sources_run.pull(_source(portal), tmp_path)
    assert [x.status for x in updated.landed] == ["updated"]
    folder = source_dir(tmp_path, "korat")
    (path,) = folder.glob("*.csv")
    assert path.read_bytes() == changed
    entry = read_manifest(folder)["files"][path.name]
    assert entry["sha256"] == hashlib.sha256(changed).hexdigest() and entry["etag"] == '"v2"'
    assert entry["resource_modified"] == "2024-09-01T00:00:00"
    _clean(tmp_path)


def test_a_search_pulls_every_dataset_found(portal, tmp_path):
    portal.routes[portal.csv_path] = Resource(CSV)
    other = portal.package(name="korat-poverty-2565", id="77777777-0000-0000-0000-000000000000")
    other["result"]["resources"] = other["result"]["resources"][:1]
    portal.serve_search([portal.package(), other])
    source = Source("korat", "ckan", {"portal": portal.url, "limits": FAST,
                                      "search": {"q": "ความยากจน", "rows": 5}})  # fmt: skip
    report = sources_run.pull(source, tmp_path)
    assert report.failed == []
    assert {x.path.name.split("--")[0] for x in report.landed} == {
        "korat-poverty-districts", "korat-poverty-2565"}  # fmt: skip
    assert portal.query("/api/3/action/package_search") == [{"q": ["ความยากจน"], "rows": ["5"]}]


def test_a_ckan_error_answer_is_one_line(portal, tmp_path):
    body = portal.fixture("ckan_not_found.json")
    portal.routes["/api/3/action/package_show"] = Reply(404, body, "application/json")
    (line,) = sources_run.pull(_source(portal), tmp_path).failed
    assert "HTTP 404" in line
    portal.routes["/api/3/action/package_show"] = Reply(200, body, "application/json")
    (line,) = sources_run.pull(_source(portal), tmp_path).failed
    assert "CKAN answered Not found" in line


def test_the_api_key_comes_from_the_environment(portal, tmp_path, monkeypatch):
    portal.routes[portal.csv_path] = Resource(CSV)
    source = _source(portal, api_key_env="KORAT_CKAN_TOKEN")
    monkeypatch.delenv("KORAT_CKAN_TOKEN", raising=False)
    with pytest.raises(ConfigError, match=r"needs its API key in \$KORAT_CKAN_TOKEN"):
        sources_run.pull(source, tmp_path)
    monkeypatch.setenv("KORAT_CKAN_TOKEN", "tok-123")
    assert sources_run.pull(source, tmp_path).failed == []
    assert {h.get("Authorization") for _, h in portal.calls} == {"tok-123"}


SDMX_PATH = "/rest/data/NSO,DF_POVERTY_LINE,1.0/A..POV_LINE"
SDMX_SPEC = {
    "url": "{portal}/rest",
    "flow": "NSO,DF_POVERTY_LINE,1.0",
    "key": "A..POV_LINE",
    "dimensions": {"area": "REF_AREA", "year": "TIME_PERIOD"},
    "areas": {"TH": "TH", "BKK": "1", "CEN": "2", "NTH": "3", "NE": "4", "STH": "5"},
    "measure": "poverty_line_monthly",
    "licence": "NSO terms of use",
    "limits": FAST,
}


def _sdmx(portal: Portal, **changes) -> Source:
    spec = {**SDMX_SPEC, "url": SDMX_SPEC["url"].format(portal=portal.url), **changes}
    return Source("nso_poverty_line", "sdmx", spec)


def test_an_sdmx_message_lands_and_reads_as_poverty_lines(tmp_path):
    xml = (FIXTURES / "nso_poverty_line.xml").read_bytes()
    with Portal() as portal:
        portal.routes[SDMX_PATH] = [Reply(503, b"busy", "text/plain"),
                                    Reply(200, xml, "application/xml")]  # fmt: skip
        report = sources_run.pull(_sdmx(portal), tmp_path)
        assert report.failed == [] and [x.status for x in report.landed] == ["new"]
        assert "genericdata+xml" in portal.calls[-1][1]["Accept"]
    loaded = sources_run.load(_sdmx(portal), tmp_path)
    lines = {(r["year_be"], r["level"], r["area_code"]): r["value"]
             for r in loaded.figures.iter_rows(named=True)}  # fmt: skip
    assert lines[(2567, "country", "TH")] == 3078  # CE 2024 -> BE 2567
    assert lines[(2560, "region", "4")] == 2403
    assert len(lines) == 12
    assert set(loaded.figures["year_stated"]) == {"CE"}
    assert loaded.ledger.row(0, named=True)["rows_quarantined"] == 0
    entry = loaded.files.row(0, named=True)
    assert entry["licence"] == "NSO terms of use"
    assert entry["sha256"] == hashlib.sha256(xml).hexdigest()


def test_sdmx_codes_without_a_mapping_are_quarantined(tmp_path):
    xml = (FIXTURES / "nso_poverty_line.xml").read_bytes()
    with Portal() as portal:
        portal.routes[SDMX_PATH] = Reply(200, xml, "application/xml")
        areas = {k: v for k, v in SDMX_SPEC["areas"].items() if k != "STH"}
        source = _sdmx(portal, areas=areas)
        assert sources_run.pull(source, tmp_path).failed == []
    loaded = sources_run.load(source, tmp_path)
    ledger = loaded.ledger.row(0, named=True)
    assert (ledger["rows_read"], ledger["rows_loaded"], ledger["rows_quarantined"]) == (12, 11, 1)
    assert loaded.quarantine.row(0, named=True)["value"] == "STH"


def test_sdmx_served_as_a_web_page_is_refused(tmp_path):
    with Portal() as portal:
        portal.routes[SDMX_PATH] = Reply(200, b"<html>maintenance</html>", "text/html")
        (line,) = sources_run.pull(_sdmx(portal), tmp_path).failed
    assert "served as text/html, expected sdmx-ml" in line
    _clean(tmp_path)


def test_the_sources_file_is_checked_in_one_line(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text("sources:\n  Bad Name:\n    kind: ckan\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="use a-z, 0-9 and _ only"):
        load(path)
    path.write_text("sources:\n  korat:\n    kind: ckan\n    portal: x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="needs dataset or search"):
        load(path)
    path.write_text(json.dumps({"sources": {"x": {"kind": "ftp"}}}), encoding="utf-8")
    with pytest.raises(ConfigError, match="kind must be one of"):
        load(path)


def test_the_pulled_lines_can_replace_the_hand_typed_ones(tmp_path):
    from schemas import catalog
    from sources.reference import poverty_line_section

    xml = (FIXTURES / "nso_poverty_line.xml").read_bytes()
    with Portal() as portal:
        portal.routes[SDMX_PATH] = Reply(200, xml, "application/xml")
        assert sources_run.pull(_sdmx(portal), tmp_path).failed == []
    figures = sources_run.load(_sdmx(portal), tmp_path).figures
    section = poverty_line_section(
        figures.select("year_be", "level", "area_code", "value").rows(), "nso_poverty_line"
    )
    assert section["regional_year"] == 2560 and section["national_in_regional_year"] == 2686
    # the fixture carries NESDC's published lines, the ones survey_rules.yaml types in
    for year in range(2562, 2568):
        for region in catalog.regions():
            assert catalog.poverty_line(year, region.code, section) == pytest.approx(
                catalog.poverty_line(year, region.code)
            )
    regional_only = figures.filter(pl.col("level") == "region")
    with pytest.raises(ValueError, match="no poverty_line_monthly for the country"):
        poverty_line_section(
            regional_only.select("year_be", "level", "area_code", "value").rows(), "x"
        )


def test_sdmx_json_gives_the_same_figures_as_sdmx_ml(tmp_path):
    by_format = {}
    formats = [("sdmx-ml", "nso_poverty_line.xml", "application/xml"),
               ("sdmx-json", "nso_poverty_line.json", "application/json")]  # fmt: skip
    for fmt, name, media in formats:
        with Portal() as portal:
            portal.routes[SDMX_PATH] = Reply(200, (FIXTURES / name).read_bytes(), media)
            source = _sdmx(portal, format=fmt)
            assert sources_run.pull(source, tmp_path / fmt).failed == []
            assert "sdmx.data+json" in portal.calls[-1][1]["Accept"] or fmt == "sdmx-ml"
        figures = sources_run.load(source, tmp_path / fmt).figures
        by_format[fmt] = figures.select("year_be", "level", "area_code", "measure", "value").sort(
            "year_be", "area_code"
        )
    assert by_format["sdmx-json"].height == 12
    assert by_format["sdmx-json"].equals(by_format["sdmx-ml"])
