"""The service (issue 20): `chipao serve` runs the webserver and the daemon from an environment
file, the landing sensor runs a new year and publishes it, a failed run sends an alert to the
alerts log and by e-mail, and the pseudonymisation key shows neither in the UI nor in the run
storage."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
import zlib
from email import message_from_bytes
from email.policy import default as email_policy
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from aiosmtpd.controller import Controller

from pipelines import serve
from pipelines.alerts import MAIL_FAILED, RUN_FAILED, Alert, notify
from pipelines.cli import main
from pipelines.resources import build_resources
from pipelines.settings import SettingError, load_settings, read_env_file
from synthetic import generate
from tests.browser import graphql_text
from tests.conftest import TEST_KEY, settings_for
from tests.handmade import citizen_id
from tests.test_runs import deliver

ROOT = Path(__file__).parents[1]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """aiosmtpd's handler: keeps every message it is given."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=email_policy))
        return "250 OK"


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def stored_text(path: Path) -> str:
    """What a file of the run storage holds: a sqlite file's every value, its zlib-compressed
    blobs (the job snapshots with their config) opened; any other file's bytes."""
    raw = path.read_bytes()
    if not raw.startswith(b"SQLite format 3"):
        return raw.decode("utf-8", "replace")
    parts = [raw.decode("utf-8", "replace")]
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as con:
        tables = [t for (t,) in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in con.execute(f'SELECT * FROM "{table}"'):
                for value in row:
                    if isinstance(value, bytes):
                        with contextlib.suppress(zlib.error):
                            value = zlib.decompress(value)
                        value = value.decode("utf-8", "replace")
                    parts.append(str(value))
    return "\n".join(parts)


def files_holding(folder: Path, text: str) -> list[str]:
    """Files under ``folder`` (the Dagster home: run, event and schedule storage, compute logs)
    that hold ``text``."""
    return [str(p) for p in folder.rglob("*") if p.is_file() and text in stored_text(p)]


# -- the key never shows ---------------------------------------------------------------------


def test_the_key_is_given_to_dagster_by_name_only(tmp_path, monkeypatch):
    monkeypatch.setenv("CHIPAO_HOME", str(tmp_path))
    monkeypatch.setenv("CHIPAO_KEY", TEST_KEY)
    resource = build_resources(load_settings())["pseudonym_key"]
    with dg.build_resources({"key": resource}) as built:
        assert built.key.secret() == TEST_KEY.encode()  # read from the environment when used
    job = dg.Definitions(
        assets=[dg.AssetSpec("x")],
        jobs=[dg.define_asset_job("j")],
        resources={"pseudonym_key": resource},
    ).resolve_job_def("j")
    # the job's snapshot is what the UI shows and the run storage keeps
    snapshot = dg.serialize_value(job.get_job_snapshot())
    assert "CHIPAO_KEY" in snapshot and TEST_KEY not in snapshot


def test_a_key_given_as_a_value_is_refused(tmp_path, monkeypatch):
    monkeypatch.delenv("CHIPAO_KEY", raising=False)
    settings = load_settings({"CHIPAO_HOME": str(tmp_path), "CHIPAO_KEY": TEST_KEY})
    with pytest.raises(SettingError, match="CHIPAO_KEY_FILE"):
        build_resources(settings)


def test_chipao_run_leaves_no_key_in_the_run_storage(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CHIPAO_HOME", str(tmp_path))
    monkeypatch.setenv("CHIPAO_KEY", TEST_KEY)
    deliver(tmp_path, 2566)
    assert main(["run"]) == 0
    storage = tmp_path / "dagster"
    assert any(storage.rglob("*.db"))
    assert files_holding(storage, "CHIPAO_KEY")  # the key's name is there: the search sees
    assert files_holding(storage, TEST_KEY) == []
    assert TEST_KEY not in capsys.readouterr().out


# -- settings for the service ----------------------------------------------------------------


def test_the_environment_file_reads_as_systemd_does(tmp_path):
    path = tmp_path / "chipao.env"
    path.write_text(
        "# Chipao\n\nCHIPAO_HOME=/srv/chipao\nexport CHIPAO_UI_PORT = 3001\n"
        "CHIPAO_ALERT_TO=\"a@example.org, b@example.org\"\nCHIPAO_SMTP_PASSWORD='p#1'\n",
        encoding="utf-8",
    )
    values = read_env_file(path)
    assert values == {
        "CHIPAO_HOME": "/srv/chipao",
        "CHIPAO_UI_PORT": "3001",
        "CHIPAO_ALERT_TO": "a@example.org, b@example.org",
        "CHIPAO_SMTP_PASSWORD": "p#1",
    }
    settings = load_settings(values)
    assert settings.mail.recipients == ("a@example.org", "b@example.org")
    assert settings.ui_url == "http://127.0.0.1:3001"
    assert settings.alerts_log == Path("/srv/chipao/logs/alerts.log")
    assert "p#1" not in repr(settings) and "p#1" not in repr(settings.mail)
    path.write_text("CHIPAO_HOME\n", encoding="utf-8")
    with pytest.raises(SettingError, match="line 1: expected NAME=value"):
        read_env_file(path)


def test_mail_settings_that_would_fail_or_leak_are_refused(tmp_path):
    home = {"CHIPAO_HOME": str(tmp_path)}
    assert load_settings({**home, "CHIPAO_SMTP_PORT": "587"}).mail.tls == "starttls"
    assert load_settings({**home, "CHIPAO_SMTP_PORT": "465"}).mail.tls == "ssl"
    assert not load_settings(home).mail.enabled  # no host, no recipient: the log only
    with pytest.raises(SettingError, match="in clear"):
        _ = load_settings({**home, "CHIPAO_SMTP_USER": "chipao", "CHIPAO_SMTP_TLS": "none"}).mail
    with pytest.raises(SettingError, match="CHIPAO_SMTP_TLS"):
        _ = load_settings({**home, "CHIPAO_SMTP_TLS": "yes"}).mail
    # a mistake in the mail settings does not stop the other commands' settings
    assert load_settings({**home, "CHIPAO_SMTP_TLS": "yes"}).home == tmp_path


def test_serve_without_a_key_says_so_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("CHIPAO_KEY", raising=False)
    env_file = tmp_path / "chipao.env"
    env_file.write_text(f"CHIPAO_HOME={tmp_path / 'home'}\n", encoding="utf-8")
    monkeypatch.delenv("CHIPAO_HOME", raising=False)
    assert main(["serve", "--env-file", str(env_file)]) == 2
    err = capsys.readouterr().err
    assert "No pseudonymisation key" in err and "Traceback" not in err


# -- alerts ----------------------------------------------------------------------------------


def alert(**fields) -> Alert:
    return Alert(
        **{
            "run_id": "0f6c2a1e-run",
            "job": "refresh_survey_year",
            "year": "2567",
            "reason": "Execution of run for refresh_survey_year failed.",
            "steps": (f"staging_bmn: row of {citizen_id(7)} broke",),
            "checks": ("core/fact_person: row_contract",),
            "url": "http://chipao.example:3000",
            **fields,
        }
    )


def test_an_alert_is_logged_and_mailed_without_identifiers(tmp_path, smtp):
    controller, inbox = smtp
    settings = settings_for(
        tmp_path,
        CHIPAO_SMTP_HOST="127.0.0.1",
        CHIPAO_SMTP_PORT=str(controller.port),
        CHIPAO_ALERT_TO="centre@example.org",
        CHIPAO_ALERT_FROM="chipao@example.org",
    )
    done = notify(settings, alert())
    assert done[1].startswith("mailed to centre@example.org")
    (line,) = settings.alerts_log.read_text(encoding="utf-8").splitlines()
    assert f" {RUN_FAILED} job=refresh_survey_year year=2567 run=0f6c2a1e-run " in line
    assert "checks=core/fact_person:row_contract" in line
    (message,) = inbox.messages
    assert message["To"] == "centre@example.org"
    assert "refresh_survey_year 2567" in message["Subject"]
    body = message.get_content()
    assert "core/fact_person: row_contract" in body
    assert "http://chipao.example:3000/runs/0f6c2a1e-run" in body
    assert "ล้มเหลว" in body  # Thai and English
    assert citizen_id(7) not in body and "*************" in body


def test_a_mail_that_cannot_be_sent_is_logged_not_raised(tmp_path):
    settings = settings_for(
        tmp_path,
        CHIPAO_SMTP_HOST="127.0.0.1",
        CHIPAO_SMTP_PORT=str(free_port()),  # nobody listens there
        CHIPAO_ALERT_TO="centre@example.org",
    )
    notify(settings, alert())
    lines = settings.alerts_log.read_text(encoding="utf-8").splitlines()
    assert [line.split()[1] for line in lines] == [RUN_FAILED, MAIL_FAILED]


# -- the service as started in production ----------------------------------------------------


def wait_for(what: str, check, seconds: float, service_log: Path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(2)
    tail = service_log.read_text(encoding="utf-8", errors="replace")[-4000:]
    raise AssertionError(f"{what}: not within {seconds:.0f} s; the service's last lines:\n{tail}")


def graphql(port: int, query: str) -> str:
    return graphql_text(f"http://127.0.0.1:{port}", query)


RESOURCES = """{ workspaceOrError { ... on Workspace { locationEntries { name locationOrLoadError {
  ... on RepositoryLocation { repositories { name allTopLevelResourceDetails { name
  configFields { name } configuredValues { key value type } } } } } } } } }"""
RUNS = """{ runsOrError { ... on Runs { results { runId jobName status runConfigYaml
  tags { key value } } } } }"""


def published_years(path: Path) -> list[int]:
    if not path.exists():
        return []
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            rows = con.execute("SELECT DISTINCT year_be FROM marts.area_summary ORDER BY 1")
            return [y for (y,) in rows.fetchall()]
    except duckdb.Error:  # being replaced at that moment
        return []


def land(source: Path, landing: Path, year: int) -> None:
    """A year's folder appears whole, as a delivery by rename does."""
    target = landing / "bmn" / str(year)
    staging = landing / "bmn" / f".{year}.part"
    shutil.copytree(source, staging)
    staging.rename(target)


def test_the_service_runs_a_new_year_and_alerts_on_a_failed_one(tmp_path, smtp):
    controller, inbox = smtp
    home, port = tmp_path / "home", free_port()
    generated = generate("tiny", [2565], seed=7, out=tmp_path / "delivery")
    env_file = tmp_path / "chipao.env"
    env_file.write_text(
        f"CHIPAO_HOME={home}\nCHIPAO_KEY={TEST_KEY}\nCHIPAO_UI_PORT={port}\n"
        f"CHIPAO_SMTP_HOST=127.0.0.1\nCHIPAO_SMTP_PORT={controller.port}\n"
        "CHIPAO_ALERT_TO=centre@example.org\nCHIPAO_SENSOR_SECONDS=5\nCHIPAO_WORKERS=1\n"
        "CHIPAO_DUCKDB_MEMORY=1GB\n",
        encoding="utf-8",
    )
    # nothing of the test's own environment reaches the service but the basics
    env = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "TMPDIR") if k in os.environ}
    log = tmp_path / "service.log"
    with log.open("wb") as out:
        service = subprocess.Popen(
            [str(BIN / "chipao"), "serve", "--env-file", str(env_file)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: everything it starts is ended
        )
    try:

        def serving():
            assert service.poll() is None, log.read_text(errors="replace")[-4000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5):
                    return True
            except OSError:
                return False

        wait_for("the webserver answers", serving, 240, log)
        settings = load_settings({"CHIPAO_HOME": str(home)})
        land(generated.out / "bmn" / "2565", settings.landing, 2565)
        wait_for("2565 published", lambda: published_years(settings.published), 600, log)
        assert published_years(settings.published) == [2565]
        runs = json.loads(graphql(port, RUNS))["data"]["runsOrError"]["results"]
        (year_run,) = [r for r in runs if r["jobName"] == "refresh_survey_year"]
        tags = {t["key"]: t["value"] for t in year_run["tags"]}
        assert year_run["status"] == "SUCCESS"
        assert tags["dagster/sensor_name"] == "landing_years"
        assert tags["dagster/partition"] == "2565"

        # a year whose files cannot be read: no person, the blocking contract check fails
        bad = tmp_path / "bad"
        for source in ("households", "members"):
            (bad / source).mkdir(parents=True)
            (bad / source / f"bad_{source}.csv").write_bytes(b"\xff\xfe\x00 not a BMN file")
        land(bad, settings.landing, 2566)
        wait_for("the alert e-mail", lambda: inbox.messages, 600, log)
        (message,) = inbox.messages
        assert "refresh_survey_year 2566" in message["Subject"]
        assert "core/fact_person: row_contract" in message.get_content()
        (line,) = settings.alerts_log.read_text(encoding="utf-8").splitlines()
        assert f"{RUN_FAILED} job=refresh_survey_year year=2566 " in line
        assert published_years(settings.published) == [2565]  # the last good snapshot stays

        # the key: by name in the resource's configuration, its text nowhere served or stored
        resources = graphql(port, RESOURCES)
        assert '"value":"CHIPAO_KEY","type":"ENV_VAR"' in resources.replace(" ", "")
        assert TEST_KEY not in resources and TEST_KEY not in graphql(port, RUNS)
        assert files_holding(settings.dagster_home, TEST_KEY) == []
        assert TEST_KEY not in log.read_text(encoding="utf-8", errors="replace")
    finally:
        if service.poll() is None:
            os.killpg(service.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                service.wait(timeout=60)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(service.pid, signal.SIGKILL)  # whatever of the group is left
        service.wait(timeout=30)


# -- the supervisor --------------------------------------------------------------------------

SLEEPER = [sys.executable, "-c", "import time; time.sleep(120)"]


def test_when_one_process_ends_the_other_is_stopped_and_the_exit_code_says_so():
    said = []
    started = time.monotonic()
    code = serve.supervise(
        {"daemon": SLEEPER, "webserver": [sys.executable, "-c", "raise SystemExit(3)"]},
        os.environ,
        said.append,
        poll_seconds=0.2,
    )
    assert code == 1 and time.monotonic() - started < 60
    assert "webserver ended with exit code 3: stopping the others" in said


def test_sigterm_stops_both_processes_and_exits_cleanly():
    said, before = [], signal.getsignal(signal.SIGTERM)
    timer = threading.Timer(3, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        code = serve.supervise({"a": SLEEPER, "b": SLEEPER}, os.environ, said.append, 0.2)
    finally:
        timer.cancel()
    assert code == 0 and said[-1] == "SIGTERM: stopping"
    assert signal.getsignal(signal.SIGTERM) is before  # pytest's own handling is given back
    pids = [int(line.split("PID ")[1].rstrip(")")) for line in said if "started (PID" in line]
    assert len(pids) == 2
    for pid in pids:  # ended and reaped: no such process any more
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
