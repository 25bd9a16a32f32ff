"""A `chipao run` killed with SIGKILL (early, in a middle asset, while publishing) is survived: the
next run is not blocked by the dead one's writer slot, and the end result is the same warehouse as
an uninterrupted run's. Every wait has a deadline, so a hang fails the test instead."""

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import duckdb

from synthetic import generate
from tests.conftest import TEST_KEY, TINY_YEARS, break_one_member, settings_for

PROJECT = Path(__file__).resolve().parents[1]
DEADLINE = 420  # seconds a tiny run may take on a busy machine before the test calls it a hang
TABLES = [
    "core.fact_person",
    "core.quarantine",
    "core.ingest_ledger",
    "marts.area_summary",
    "marts.area_indicator",
    "marts.area_mpi",
    "marts.area_mpi_component",
    "marts.area_income_poverty",
    "marts.area_inequality",
    "marts.area_theil_decomposition",
]
WHEN = ("loaded_at", "seconds")  # when and how fast, not what


class ChipaoRun:
    """`chipao run` in a child process, its output read line by line with a deadline."""

    def __init__(self, home: Path) -> None:
        env = {**os.environ, "CHIPAO_HOME": str(home), "CHIPAO_KEY": TEST_KEY}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "run"],
            cwd=PROJECT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self._deadline = time.monotonic() + DEADLINE

    def _read(self) -> None:
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, text: str) -> None:
        """Read until a line holds ``text``; fail on the end of output or at the deadline."""
        while True:
            try:
                line = self._queue.get(timeout=max(self._deadline - time.monotonic(), 0))
            except queue.Empty:
                self.process.kill()
                raise AssertionError(f"no {text!r} in time:\n" + "\n".join(self.lines)) from None
            if line is None:
                raise AssertionError(f"ended before {text!r}:\n" + "\n".join(self.lines))
            self.lines.append(line)
            if text in line:
                return

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def finish(self) -> int:
        try:
            self.wait_for("\0never printed\0")
        except AssertionError as ended:
            if "ended before" not in str(ended):
                raise
        return self.process.wait(timeout=30)


def table_hashes(path: Path) -> dict[str, tuple]:
    """Per table, the row count and a hash of the rows; doubles rounded to 9 digits, since the
    measure marts' parallel sums differ in the last bits from one run to the next."""
    with duckdb.connect(str(path), read_only=True) as con:
        hashes = {}
        for table in TABLES:
            schema, name = table.split(".")
            columns = con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() "
                "WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
                [schema, name],
            ).fetchall()
            listed = ", ".join(
                f'round("{c}", 9)' if kind == "DOUBLE" else f'"{c}"'
                for c, kind in columns
                if c not in WHEN
            )
            hashes[table] = con.execute(
                f"SELECT count(*), sum(hash(t)) FROM (SELECT {listed} FROM {table}) t"
            ).fetchone()
        return hashes


def test_runs_killed_early_in_a_middle_asset_and_while_publishing_are_survived(tmp_path, run):
    generate("tiny", TINY_YEARS, seed=7, out=tmp_path / "landing")  # the sample of `run`
    break_one_member(tmp_path / "landing" / "bmn" / "2566")

    for kill_at in (
        "2565 staging_bmn: started",  # early: the first year's ingest holds the writer slot
        "2566 measure_marts: started",  # a middle asset of the second year
        "2566 published/warehouse: started",  # the snapshot being replaced
    ):
        killed = ChipaoRun(tmp_path)
        killed.wait_for(kill_at)
        killed.kill()
        if kill_at.startswith("2566 measure"):  # the run before it died in 2565's ingest
            assert any("was interrupted" in line for line in killed.lines), killed.lines

    final = ChipaoRun(tmp_path)
    assert final.finish() == 0, "\n".join(final.lines)
    assert any("was interrupted" in line for line in final.lines)
    assert table_hashes(settings_for(tmp_path).published) == table_hashes(run.published)

    with dg.DagsterInstance.from_config(str(tmp_path / "dagster")) as instance:
        unfinished = instance.get_runs(
            dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.STARTING])
        )
        assert unfinished == []
        assert instance.event_log_storage.get_concurrency_run_ids() == set()
