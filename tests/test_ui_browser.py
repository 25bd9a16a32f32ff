"""The Dagster UI of the tiny warehouse, opened in headless Chromium as an operator opens it after
`make dev`: the webserver loads the code location as `dg dev` does (a workspace naming it
chipao), on 127.0.0.1 and a free port, with the instance settings `chipao init` writes. Each page
is a React app that fetches its content over GraphQL after the load, so the pages are read once
their scripts have run; the GraphQL endpoint answers what a page draws but does not say in
text (which checks block).

Set CHIPAO_UI_SCREENSHOTS to a folder to keep the asset graph's screenshot (the operators'
guide's docs/img/ui-asset-graph.png is made that way)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.instance import prepare_dagster_home
from tests.browser import graphql_text, need_chromium, page_text, screenshot
from tests.conftest import TEST_KEY

ROOT = Path(__file__).resolve().parents[1]
LOCATION = "chipao"
STARTUP_SECONDS = 240  # the code location imports Dagster, Polars, DuckDB on a shared machine


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graphql(base: str, query: str) -> dict:
    return json.loads(graphql_text(base, query))["data"]


LOCATION_STATUS = (
    "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus } } } }"
)


@pytest.fixture(scope="module")
def ui(run, tmp_path_factory):
    """dagster-webserver on the tiny warehouse, until the code location has loaded."""
    need_chromium()
    work = tmp_path_factory.mktemp("ui")
    home = prepare_dagster_home(work / "dagster")
    workspace = work / "workspace.yaml"
    workspace.write_text(
        "load_from:\n  - python_module:\n      module_name: pipelines.definitions\n"
        f"      location_name: {LOCATION}\n      working_directory: {ROOT}\n",
        encoding="utf-8",
    )
    port = _free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "CHIPAO_HOME": str(run.home),
        "CHIPAO_KEY": TEST_KEY,
    }
    log = (work / "webserver.log").open("w")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "dagster-webserver"),
            "-w",
            str(workspace),
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],  # fmt: skip
        cwd=work,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            assert server.poll() is None, (work / "webserver.log").read_text()[-3000:]
            try:
                entries = graphql(base, LOCATION_STATUS)["workspaceOrError"]["locationEntries"]
                if [(e["name"], e["loadStatus"]) for e in entries] == [(LOCATION, "LOADED")]:
                    break
            except OSError:
                pass  # not listening yet
            assert time.monotonic() < deadline, (work / "webserver.log").read_text()[-3000:]
            time.sleep(2)
        yield base, work
    finally:
        server.terminate()
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_the_asset_graph_shows_the_pipeline_and_its_screenshot_is_drawn(ui):
    base, work = ui
    text = page_text(f"{base}/asset-groups", work / "graph")
    assert "Global asset lineage" in text
    words = text.split()
    for group in ("reference", "bmn", "core", "marts", "exports", "publish"):
        assert words.count(group) >= 2, group  # in the group list and as a node of the graph
    assert "Join the Dagster community" not in text  # no pop-up over a local instance
    # the group's own graph lays itself out in a worker after the DOM is read: its list instead
    marts = page_text(
        f"{base}/locations/{LOCATION}/asset-groups/marts/list", work / "marts", size=(1600, 4000)
    )
    for asset in ("area_summary", "area_indicator", "area_mpi", "area_progress"):
        assert asset in marts
    shown = screenshot(f"{base}/asset-groups", work / "ui-asset-graph.png", work / "shot")
    assert shown.inked_share > 0.05  # the navigation and the graph, not a blank page
    if folder := os.environ.get("CHIPAO_UI_SCREENSHOTS"):
        shutil.copy(work / "ui-asset-graph.png", Path(folder) / "ui-asset-graph.png")


def test_a_marts_checks_and_definition_are_on_its_pages(ui):
    base, work = ui
    checks = page_text(f"{base}/assets/marts/area_summary?view=checks", work / "checks")
    for name in (
        "gx_contract",
        "gx_reconcile",
        "gx_yoy_jumps",
        "gx_all_pass",
        "gx_rollup_complete",
    ):
        assert name in checks
    overview = page_text(f"{base}/assets/marts/area_summary", work / "overview")
    # the Definition panel: description, group, owners, kinds, storage, jobs and automations
    assert "Households, persons, MPI-poor" in overview
    for shown in ("Definition", "chipao", "DuckDB", "Great Expectations", "marts.area_summary"):
        assert shown in overview
    assert "refresh_survey_year" in overview and "landing_years" in overview
    # the freshness policy with distinct windows (the UI rounds 11 to 17 months to "a year")
    assert "Fails if more than 2 years since last materialization" in overview
    assert "Warns if more than a year since last materialization" in overview
    # which checks block: not drawn as text, asked of the same server
    data = graphql(
        base,
        '{ assetNodes(assetKeys: [{path: ["marts", "area_summary"]}]) '
        "{ assetChecksOrError { ... on AssetChecks { checks { name blocking } } } } }",
    )
    blocking = {
        c["name"]: c["blocking"] for c in data["assetNodes"][0]["assetChecksOrError"]["checks"]
    }
    assert blocking == {
        "gx_contract": True,
        "gx_reconcile": True,
        "gx_yoy_jumps": False,
        "gx_all_pass": False,
        "gx_rollup_complete": False,
    }


def test_the_schedule_and_the_sensor_are_on_their_pages(ui):
    base, work = ui
    schedule = page_text(f"{base}/locations/{LOCATION}/schedules/nightly_refresh", work / "s")
    assert "nightly_refresh" in schedule
    assert "0 2 * * *" in schedule and "Asia/Bangkok" in schedule
    assert "Every night at 02:00 Bangkok time" in schedule
    sensor = page_text(f"{base}/locations/{LOCATION}/sensors/landing_years", work / "sensor")
    assert "landing_years" in sensor
    assert "Registers a survey year as a partition when its landing folder gets files" in sensor
    automation = page_text(f"{base}/automation", work / "automation")
    assert "nightly_refresh" in automation and "landing_years" in automation
    assert "No automations" not in automation
