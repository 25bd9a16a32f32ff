"""Where units of work run: in this process, in local worker processes, or on a Dask cluster.

One seam for work made of independent units (a delivered file to stage): ``Spread.map`` calls a
function on every unit and returns the results in order, wherever the calls ran:

- no scheduler, one worker: in this process, one unit after the other;
- no scheduler, several workers: in that many spawned processes of this machine;
- ``local``: on a Dask ``LocalCluster`` of that many worker processes, started for the map;
- ``tcp://host:8786`` (or ``tls://``): on the Dask cluster whose scheduler listens there.

On Dask, a worker that dies (killed, out of memory, its machine gone) has its units run again on
the others by the scheduler (up to ``distributed.scheduler.allowed-failures`` deaths per unit);
a unit that raises is tried ``RETRIES`` more times before the map fails with its error.

What a unit's function is given is pickled into the task graph that the scheduler holds and its
dashboard shows: it must hold no secret (ingest/staging.py sends the key's digest, not the key).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing import get_context
from typing import Any

# How a caller runs units that each need loading first: ``each(function, keys, load)`` yields
# ``(key, function(load(key)))`` in the keys' order, wherever it likes (Spread.stream, or
# ``here``, one after the other in this process).
Each = Callable[
    [Callable[[Any], Any], Sequence[Any], Callable[[Any], Any]], Iterable[tuple[Any, Any]]
]
POLARS_THREADS = "POLARS_MAX_THREADS"
LOCAL = "local"
SCHEMES = ("tcp://", "tls://", "inproc://", "ucx://")
# tries after the first of a unit that raised (a worker's death is counted by the scheduler)
RETRIES = 2


def here(function: Callable[[Any], Any], keys: Sequence[Any], load: Callable[[Any], Any]):
    """``Each`` in this process, one unit after the other."""
    return ((key, function(load(key))) for key in keys)


def scheduler_problem(text: str) -> str | None:
    """Why a scheduler setting is no address, else None."""
    if text == LOCAL or (text.startswith(SCHEMES) and len(text) > text.index("://") + 3):
        return None
    return f"use {LOCAL} or a scheduler's address such as tcp://10.0.0.5:8786"


@contextmanager
def worker_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """Processes that each run a unit on one thread: Polars and DuckDB one thread each.

    Polars sizes its thread pool once, when it is imported, and a spawned worker imports it
    while unpickling its first task, before any initializer could run: so POLARS_MAX_THREADS
    is in the environment the workers are started with. Without it each of two workers ran
    Polars on every core, and they fought over the cores. Spawn, not fork: Polars and DuckDB
    threads do not survive a fork."""
    before = os.environ.get(POLARS_THREADS)
    os.environ[POLARS_THREADS] = "1"
    try:
        # spawned on demand, a worker may start at any submit: the setting stays till the end
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            yield pool
    finally:
        if before is None:
            os.environ.pop(POLARS_THREADS, None)
        else:
            os.environ[POLARS_THREADS] = before


class Spread:
    """Runs units of work where the settings say (module docstring)."""

    def __init__(self, workers: int = 1, scheduler: str | None = None) -> None:
        if scheduler and (problem := scheduler_problem(scheduler)):
            raise ValueError(f"Dask scheduler {scheduler!r}: {problem}")
        self.workers = max(1, workers)
        self.scheduler = scheduler or None

    @property
    def on_dask(self) -> bool:
        """The units' arguments travel in a Dask task graph (other processes, other machines,
        the dashboard see them)."""
        return self.scheduler is not None

    @property
    def in_process(self) -> bool:
        return not self.on_dask and self.workers == 1

    def describe(self) -> str:
        if self.scheduler == LOCAL:
            plural = "es" * (self.workers > 1)
            return f"a local Dask cluster of {self.workers} worker process{plural}"
        if self.on_dask:
            return f"the Dask cluster at {self.scheduler}"
        return "this process" if self.in_process else f"{self.workers} local processes"

    def map(
        self,
        function: Callable[[Any], Any],
        units: Iterable[Any],
        done: Callable[[Any], None] = lambda _: None,
    ) -> list[Any]:
        """``function(unit)`` of every unit, in the units' order; ``done`` is called with each
        result as it comes (in the order they finish), for progress lines."""
        units = list(units)
        if not units:
            return []
        if self.on_dask:
            return self._on_dask(function, units, done)
        if self.workers == 1 or len(units) == 1:
            results = []
            for unit in units:
                results.append(function(unit))
                done(results[-1])
            return results
        with worker_pool(min(self.workers, len(units))) as pool:
            futures = [pool.submit(function, unit) for unit in units]
            results = []
            for future in futures:
                results.append(future.result())
                done(results[-1])
            return results

    def stream(
        self,
        function: Callable[[Any], Any],
        keys: Sequence[Any],
        load: Callable[[Any], Any],
        window: int | None = None,
    ) -> Iterator[tuple[Any, Any]]:
        """``(key, function(load(key)))`` for every key, in the keys' order. ``load`` runs here,
        a unit at a time, when a worker is about to be free: at most ``window`` units (default
        two a worker) are out at once, so that memory holds a few units, never all of them
        (a province's marts, where ``map``'s units are file names)."""
        keys = list(keys)
        # one unit is not worth starting local processes for; a cluster is there already
        if self.in_process or not keys or (len(keys) == 1 and not self.on_dask):
            yield from here(function, keys, load)
            return
        window = window or 2 * self.workers
        if self.on_dask:
            runner = _client(self.scheduler, self.workers, *_dask_types())

            def submit(client, unit):
                return client.submit(function, unit, pure=False, retries=RETRIES)
        else:
            runner = worker_pool(min(self.workers, len(keys)))

            def submit(pool, unit):
                return pool.submit(function, unit)

        with runner as where:
            out: deque = deque()
            for key in keys:
                out.append((key, submit(where, load(key))))
                if len(out) >= window:
                    done, future = out.popleft()
                    yield done, future.result()
            while out:
                done, future = out.popleft()
                yield done, future.result()

    def _on_dask(self, function, units, done) -> list[Any]:
        from distributed import as_completed

        with _client(self.scheduler, self.workers, *_dask_types()) as client:
            # pure=False: a unit is run even when the same arguments ran before (a file
            # re-staged after its parts were removed)
            futures = client.map(function, units, pure=False, retries=RETRIES)
            for future in as_completed(futures, loop=client.loop):
                done(future.result())
            return client.gather(futures)


def _dask_types():
    from distributed import Client, LocalCluster

    return Client, LocalCluster


@contextmanager
def _client(scheduler: str, workers: int, client_type, cluster_type):
    if scheduler != LOCAL:
        with client_type(scheduler, set_as_default=False) as client:
            yield client
        return
    # one thread a worker (module docstring of worker_pool); the dashboard is not opened: a
    # local cluster lives for one map
    with (
        cluster_type(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            env={POLARS_THREADS: "1"},
        ) as cluster,
        client_type(cluster, set_as_default=False) as client,
    ):
        yield client
