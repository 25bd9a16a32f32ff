"""Staging spread on a Dask cluster, the files on object storage: the real thing, on loopback.

An S3-compatible server (moto's server mode) on 127.0.0.1 holds the tiny sample's landing files
and receives the staged parts; a LocalCluster of two worker processes stages the files; the
Dagster run in this process is the one writer. One worker process is killed while it stages:
its file is staged again by the other, and the run publishes marts equal, value for value, to
those of the single-process run of the same files (the ``run`` fixture). Neither the key nor a
raw citizen ID reaches the task graph, the bucket's staged parts or the workers' logs.
"""

from __future__ import annotations

import io
import logging
import os
import pickle
import re
import signal
import socket
from pathlib import Path

import polars as pl
import pytest

from reports.data import hidden_file
from tests.compare_marts import TOLERANCE, compare
from tests.conftest import TEST_KEY, TINY_YEARS, run_pipeline

distributed = pytest.importorskip("distributed")
moto_server = pytest.importorskip("moto.server")
from distributed.diagnostics.plugin import SchedulerPlugin  # noqa: E402

BUCKET = "chipao-test"
STAGE_TASK = "stage_with_worker_key"
CITIZEN_ID = re.compile(rb"(?<!\d)\d{13}(?!\d)")
S3_ENV = {
    "AWS_ACCESS_KEY_ID": "loopback",
    "AWS_SECRET_ACCESS_KEY": "loopback",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3():
    """moto's S3 on 127.0.0.1, reached through the variables every process reads (the worker
    processes inherit them): nothing of the endpoint or the credentials is in a task."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=_free_port())
    server.start()
    env = {**S3_ENV, "AWS_ENDPOINT_URL_S3": f"http://127.0.0.1:{server._server.port}"}
    before = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    import s3fs

    fs = s3fs.S3FileSystem(skip_instance_cache=True)
    fs.mkdir(BUCKET)
    try:
        yield fs
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        server.stop()


class Watch(SchedulerPlugin):
    """A scheduler plugin: keeps every staging task's pickled specification, and kills the
    worker process of the first staging task a moment after it starts."""

    name = "chipao-watch"

    def __init__(self, scheduler, kill_after: float = 0.5) -> None:
        self.kill_after = kill_after
        self.scheduler = scheduler
        self.specs: dict[str, bytes] = {}
        self.killed: tuple[str, int] | None = None  # (task, pid)
        self.started: dict[str, list[str]] = {}  # task -> workers it was sent to
        self.keys: set[str] = set()  # every task the cluster was given

    def update_graph(self, scheduler, *, keys, **kwargs) -> None:
        self.keys |= {str(key) for key in keys}
        for key in keys:
            task = scheduler.tasks.get(key)
            if task is not None and STAGE_TASK in str(key):
                self.specs[str(key)] = pickle.dumps(task.run_spec)

    def transition(self, key, start, finish, *args, **kwargs) -> None:
        if finish != "processing" or STAGE_TASK not in str(key):
            return
        worker = self.scheduler.tasks[key].processing_on
        self.started.setdefault(str(key), []).append(worker.address)
        if self.killed is None:
            self.killed = (str(key), worker.pid)
            self.scheduler.loop.call_later(self.kill_after, os.kill, worker.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def cluster(s3):
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        host="127.0.0.1",
        env={"POLARS_MAX_THREADS": "1"},
    ) as local:
        watch = Watch(local.scheduler)
        local.scheduler.add_plugin(watch)
        yield local, watch


def _upload(fs, folder: Path, prefix: str) -> int:
    files = [p for p in sorted(folder.rglob("*")) if p.is_file()]
    for path in files:
        fs.put_file(str(path), f"{prefix}/{path.relative_to(folder).as_posix()}")
    return len(files)


def _citizen_ids(landing: Path) -> set[bytes]:
    ids: set[bytes] = set()
    for path in (landing / "bmn").rglob("members/*.csv"):
        frame = pl.read_csv(path, infer_schema=False)
        ids |= {v.encode() for v in frame["citizen_id"].drop_nulls() if len(v) == 13}
    return ids


def _text_of(name: str, raw: bytes) -> bytes:
    """What an outsider reads of a stored file: a Parquet file's values, any other's bytes."""
    if not name.endswith(".parquet"):
        return raw
    frame = pl.read_parquet(io.BytesIO(raw))
    return "\n".join(
        "\n".join(frame[c].cast(pl.Utf8).drop_nulls().to_list()) for c in frame.columns
    ).encode()


@pytest.fixture(scope="module")
def spread_run(run, s3, cluster, tmp_path_factory):
    """The tiny sample, uploaded to the bucket, through the pipeline with staging on the
    cluster; the same key as the single-process run (conftest.settings_for)."""
    local, watch = cluster
    uploaded = _upload(s3, run.landing, f"{BUCKET}/landing")
    home = tmp_path_factory.mktemp("spread") / "home"
    settings = run_pipeline(
        home,
        TINY_YEARS,
        CHIPAO_LANDING=f"s3://{BUCKET}/landing",
        CHIPAO_STAGED=f"s3://{BUCKET}/staged",
        CHIPAO_DASK_SCHEDULER=local.scheduler_address,
        CHIPAO_WORKERS="2",
    )
    from distributed import Client

    with Client(local.scheduler_address, set_as_default=False) as client:
        logs = [
            line
            for lines in (*client.get_worker_logs().values(), client.get_scheduler_logs())
            for _, line in lines
        ]
    return settings, watch, uploaded, logs


def _differences(before: Path, after: Path, schema: str) -> dict[str, int]:
    """Rows of each table of ``schema`` not in the other file (as multisets), floats rounded
    to 1e-9 and ranks left out: DuckDB builds core.fact_person in an order that varies from
    run to run (a parallel join), and the floats summed over it differ in the 16th digit, which
    can swap two areas whose values tie (a single-process run against itself does the same)."""
    import duckdb

    con = duckdb.connect()
    con.execute("ATTACH ? AS a (READ_ONLY)", [str(before)])
    con.execute("ATTACH ? AS b (READ_ONLY)", [str(after)])
    columns = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = 'a' AND schema_name = ? ORDER BY table_name, column_index",
        [schema],
    ).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column, kind in columns:
        if column.startswith("rank") or "_rank" in column:
            continue
        tables.setdefault(table, []).append(
            f'round("{column}", 9)' if kind in ("DOUBLE", "FLOAT") else f'"{column}"'
        )
    found = {}
    for table, listed in tables.items():
        select = ", ".join(listed)
        rows = sum(
            con.execute(
                f"SELECT count(*) FROM (SELECT {select} FROM {x}.{schema}.{table} "
                f"EXCEPT ALL SELECT {select} FROM {y}.{schema}.{table})"
            ).fetchone()[0]
            for x, y in (("a", "b"), ("b", "a"))
        )
        found[table] = rows
    con.close()
    return found


def test_the_marts_equal_the_single_process_runs(run, spread_run):
    settings, watch, uploaded, _ = spread_run
    assert settings.landing.protocol == "s3" and uploaded > 0
    assert watch.specs, "no file was staged on the cluster"
    # what the writer loaded from the cluster's parts: the same rows, to the last bit
    staged = _differences(run.warehouse, settings.warehouse, "staging")
    assert staged and not any(staged.values()), staged
    # every count mart exactly (tests/compare_marts.py), every mart to 1e-9
    report = {r["table"]: r for r in compare(str(run.published), str(settings.published))}
    assert sum(r["rows"] for r in report.values()) > 0
    for table in ("area_summary", "area_indicator", "area_mpi", "area_target"):
        r = report[table]
        assert r["rows"] and not r["only_before"] and not r["only_after"], r
        assert r["max_diff"] <= TOLERANCE, r
    marts = _differences(run.published, settings.published, "marts")
    assert set(marts) == set(report) and not any(marts.values()), marts
    # the per-province work went to the cluster too: the suppression's subtrees and the
    # progress parts (the top tier's and the province's), and the same cells are hidden
    for task in ("protect_subtree", "progress_part", "factor_part"):
        assert any(key.startswith(task) for key in watch.keys), (task, sorted(watch.keys)[:5])
    for year in TINY_YEARS:
        hidden = [
            pl.read_parquet(s.exports / str(year) / hidden_file(year)) for s in (run, settings)
        ]
        assert hidden[0].height > 0 and hidden[0].equals(hidden[1]), year


def test_a_killed_worker_has_its_file_staged_again(spread_run):
    _, watch, _, _ = spread_run
    assert watch.killed is not None
    task, pid = watch.killed
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # the process is gone
    # sent to the killed worker, then to a worker again; the run still published
    assert len(watch.started[task]) >= 2, watch.started[task]


def test_no_key_in_the_task_graph_and_no_raw_id_in_the_bucket_or_the_logs(run, s3, spread_run):
    _, watch, _, logs = spread_run
    key = TEST_KEY.encode()
    assert all(key not in spec for spec in watch.specs.values())
    ids = _citizen_ids(run.landing)
    assert len(ids) > 100
    staged = [n for n in s3.find(f"{BUCKET}/staged") if not n.endswith("/")]
    assert any(n.endswith(".rows.parquet") for n in staged)
    for name in staged:
        text = _text_of(name, s3.cat_file(name))
        assert key not in text, name
        assert not set(CITIZEN_ID.findall(text)) & ids, name
    said = "\n".join(map(str, logs)).encode()
    assert said and key not in said
    assert not set(CITIZEN_ID.findall(said)) & ids
    graph = b"".join(watch.specs.values())
    assert not set(CITIZEN_ID.findall(graph)) & ids
