"""Surviving what kills a run: dead runs are failed and free their slot; a warehouse held open by
another program is one line saying what to do."""

import socket
import subprocess
import sys
import uuid

import dagster as dg
import pytest

from pipelines.instance import DAGSTER_YAML, prepare_dagster_home
from pipelines.recovery import HOST_TAG, PID_TAG, STARTED_TAG, process_tags, recover
from pipelines.run import RunFailed
from tests.conftest import run_pipeline, settings_for
from tests.handmade import household, member, write_landing

POOL = "duckdb_writer"


def gone_pid() -> int:
    """The pid of a process that has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def started_run(instance, tags, year="2566") -> str:
    run_id = str(uuid.uuid4())
    instance.add_run(
        dg.DagsterRun(
            job_name="refresh_survey_year",
            run_id=run_id,
            status=dg.DagsterRunStatus.STARTED,
            tags={"dagster/partition": year, **tags},
        )
    )
    return run_id


@pytest.fixture
def instance(tmp_path):
    """An instance configured as `chipao init` writes it: one writer slot."""
    home = prepare_dagster_home(tmp_path / "dagster")
    with dg.DagsterInstance.from_config(str(home)) as instance:
        yield instance


def test_a_dead_run_is_failed_and_its_slot_freed_and_live_runs_are_left_alone(instance):
    host = socket.gethostname()
    dead = started_run(instance, {PID_TAG: str(gone_pid()), HOST_TAG: host})
    alive = started_run(instance, process_tags())
    # this process's pid, but another start time: the pid was reused, the run's process is gone
    reused = started_run(instance, {**process_tags(), STARTED_TAG: "1"})
    elsewhere = started_run(instance, {PID_TAG: str(gone_pid()), HOST_TAG: "another-host"})
    daemon = started_run(instance, {})  # launched by the daemon: run monitoring's business
    storage = instance.event_log_storage
    storage.initialize_concurrency_limit_to_default(POOL)  # as the executor does, from dagster.yaml
    assert storage.claim_concurrency_slot(POOL, dead, "staging_bmn").is_claimed
    assert not storage.claim_concurrency_slot(POOL, alive, "staging_bmn").is_claimed  # waits

    lines = recover(instance)

    status = {run_id: instance.get_run_by_id(run_id).status for run_id in (dead, reused)}
    assert set(status.values()) == {dg.DagsterRunStatus.FAILURE}
    for run_id in (alive, elsewhere, daemon):
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.STARTED
    assert dead not in storage.get_concurrency_run_ids()
    assert storage.claim_concurrency_slot(POOL, alive, "staging_bmn").is_claimed  # its turn now
    assert sum("was interrupted" in line for line in lines) == 2
    assert any(line.startswith(f"run {dead[:8]} (survey year 2566)") for line in lines)
    assert recover(instance) == []  # nothing left to do


def test_run_monitoring_is_on_and_valid_for_the_default_run_launcher(instance):
    assert "run_monitoring:" in DAGSTER_YAML
    assert instance.run_monitoring_enabled
    assert instance.run_monitoring_max_runtime_seconds > 0  # the one check of a dead worker
    assert instance.run_monitoring_settings["free_slots_after_run_end_seconds"] > 0
    assert instance.run_monitoring_max_resume_run_attempts == 0  # it cannot resume runs


def test_a_warehouse_held_open_by_another_program_is_one_line_saying_what_to_do(tmp_path):
    write_landing(tmp_path / "landing", 2566, [household(1)], [member(1, 1)])
    settings = settings_for(tmp_path)
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    # the program holds the live file before the run: the run's first write meets the lock
    # (no run needs to make the file first; the message is the same)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); print('open', "
            "flush=True); time.sleep(300)",
            str(settings.warehouse),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(RunFailed) as failed:
            run_pipeline(tmp_path, [2566])
    finally:
        holder.kill()
        holder.wait()
    message = str(failed.value)
    assert "\n" not in message and "Traceback" not in message
    assert "is open in another program (python" in message and f"PID {holder.pid})" in message
    assert "close it and run again" in message and "chipao sql" in message
