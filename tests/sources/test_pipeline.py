"""A CKAN portal, an SDMX endpoint and the TPMAP import, configured in one YAML file, run as the
code location's jobs (`chipao pull`); the TPMAP 2561 country totals are found in the mart."""

from __future__ import annotations

import os

import duckdb
import pytest
import yaml

from pipelines.cli import main
from pipelines.definitions import defs
from pipelines.pull import load, pull
from pipelines.run import RunFailed
from pipelines.source_jobs import PULLED
from sources.landing import source_dir
from tests.conftest import settings_for
from tests.sources.server import FIXTURES, Portal, Reply, Resource, resource_path
from tests.sources.test_pull import CSV, FAST, SDMX_PATH, SDMX_SPEC

TPMAP_TOTALS = {"households": 12_935_866, "persons": 36_647_817, "target_poor_persons": 1_032_987}


def _config(path, portal: Portal, **tpmap) -> None:
    sdmx = {**SDMX_SPEC, "kind": "sdmx", "url": SDMX_SPEC["url"].format(portal=portal.url)}
    sources = {
        "tpmap_2561": {"kind": "tpmap", "survey_year_be": 2561, "rollup": True,
                       "totals": TPMAP_TOTALS, **tpmap},
        "korat": {"kind": "ckan", "portal": portal.url, "dataset": "korat-poverty-districts",
                  "formats": ["csv"], "limits": FAST},
        "nso_poverty_line": sdmx,
    }  # fmt: skip
    path.write_text(yaml.safe_dump({"sources": sources}, allow_unicode=True), encoding="utf-8")


@pytest.fixture
def portal():
    with Portal() as server:
        package = server.serve_package()
        server.routes[resource_path(package, 0)] = Resource(CSV)
        xml = (FIXTURES / "nso_poverty_line.xml").read_bytes()
        server.routes[SDMX_PATH] = Reply(200, xml, "application/xml")
        yield server


def _published(settings, query: str):
    with duckdb.connect(str(settings.published), read_only=True) as con:
        return con.execute(query).fetchall()


def test_pull_lands_every_source_and_the_tpmap_totals_are_in_the_mart(tmp_path, portal):
    import dagster as dg

    _config(tmp_path / "sources.yaml", portal)
    settings = settings_for(tmp_path / "home", CHIPAO_SOURCES=str(tmp_path / "sources.yaml"))
    with dg.DagsterInstance.ephemeral() as instance:
        result = pull(settings, instance, progress=lambda _: None)
        checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
        assert checks == {"published_totals": True, "source_rows_reconcile": True,
                          "survey_agreement": True}  # fmt: skip
        country = dict(_published(settings,
            "SELECT measure, value FROM marts.published_figure WHERE source = 'tpmap_2561' "
            "AND level = 'country' AND indicator_code IS NULL AND year_be = 2561"))  # fmt: skip
        assert {k: country[k] for k in TPMAP_TOTALS} == TPMAP_TOTALS
        levels = dict(_published(settings,
            "SELECT level, count(DISTINCT area_code) FROM marts.published_figure "
            "WHERE source = 'tpmap_2561' GROUP BY level"))  # fmt: skip
        assert levels == {"district": 878, "province": 76, "region": 4, "country": 1}
        korat = _published(settings,
            "SELECT area_code, name_th, measure, value FROM marts.published_figure "
            "WHERE source = 'korat' ORDER BY row_index")  # fmt: skip
        assert korat[0] == ("3001", "เมืองนครราชสีมา", "households", 98512.0)
        assert len(korat) == 5
        held = _published(settings, "SELECT source, rule FROM core.source_quarantine ORDER BY 2")
        assert held == [("korat", "area_unknown"), ("korat", "indicator_unknown")]
        lines = _published(settings,
            "SELECT year_be, area_code, value FROM marts.published_figure "
            "WHERE source = 'nso_poverty_line' AND level = 'country' ORDER BY 1")  # fmt: skip
        assert lines[-1] == (2567, "TH", 3078.0)
        provenance = _published(settings,
            "SELECT source, licence FROM core.source_file ORDER BY source, file")  # fmt: skip
        assert ("korat", "Open Data Common") in provenance
        assert ("nso_poverty_line", "NSO terms of use") in provenance
        # the ranking report is written for people (Excel: a BOM); no NSO provincial rates here
        report = settings.exports / "sources" / "poverty_rank_gap.csv"
        assert report.read_bytes().startswith(b"\xef\xbb\xbfyear_be,area_code,name_th")

        # the pipeline reads landing without the network: the portal is gone, the load runs;
        # unchanged since the last load, it is not even started
        portal.routes.clear()
        calls = len(portal.calls)
        assert load(settings, instance) is None
        (landed,) = source_dir(settings.landing, "korat").glob("*.csv")
        os.utime(landed, (landed.stat().st_atime, landed.stat().st_mtime + 60))
        again = load(settings, instance)
        assert again is not None and again.success
        assert len(portal.calls) == calls  # not one request


def test_a_wrong_national_total_fails_the_blocking_check(tmp_path, portal):
    import dagster as dg

    wrong = {**TPMAP_TOTALS, "persons": TPMAP_TOTALS["persons"] + 1}
    _config(tmp_path / "sources.yaml", portal, totals=wrong)
    settings = settings_for(tmp_path / "home", CHIPAO_SOURCES=str(tmp_path / "sources.yaml"))
    with dg.DagsterInstance.ephemeral() as instance, pytest.raises(RunFailed, match="totals"):
        pull(settings, instance, ["tpmap_2561"], progress=lambda _: None)


def test_chipao_pull_says_in_one_line_what_failed(tmp_path, portal, monkeypatch, capsys):
    _config(tmp_path / "sources.yaml", portal)
    portal.routes[SDMX_PATH] = Reply(200, b"<html>down</html>", "text/html")
    monkeypatch.setenv("CHIPAO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CHIPAO_SOURCES", str(tmp_path / "sources.yaml"))
    assert main(["pull", "nosuch"]) == 2
    assert "no source nosuch in" in capsys.readouterr().err
    assert main(["pull", "nso_poverty_line"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("pull failed: ") and "served as text/html" in err
    assert "\n" not in err
    assert not list(source_dir(tmp_path / "home" / "landing", "nso_poverty_line").glob("*.xml"))


def test_no_schedule_sensor_or_survey_job_pulls():
    graph = defs.resolve_asset_graph()
    pulls = PULLED.resolve(graph)
    assert {k.to_user_string() for k in pulls} == {"landing/sources/tpmap_2561"}
    for name in ("refresh_survey_year", "refresh_reference", "load_sources"):
        job = defs.resolve_job_def(name)
        assert not pulls & set(job.asset_layer.asset_graph.get_all_asset_keys()) or all(
            not job.asset_layer.asset_graph.get(k).is_materializable for k in pulls
        ), name
    repo = defs.get_repository_def()
    # the failure-alert sensor starts no run: it only reads the run history
    starting = [s for s in repo.sensor_defs if s.targets]
    assert {s.name for s in repo.sensor_defs} - {s.name for s in starting} == {"alert_on_failure"}
    assert {s.job_name for s in repo.schedule_defs} | {s.job_name for s in starting} == {
        "refresh_survey_year"
    }
