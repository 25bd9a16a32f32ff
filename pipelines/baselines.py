"""Two reference lines for `chipao bench`, measured on the landing files the pipeline read.

* The floor: DuckDB reads every file once, every column as text, and counts the rows. No
  pipeline can ingest the files faster than they can be read, so chipao / floor says how much
  the validation, pseudonymisation, facts, marts, exports and checks cost on top of reading.
* The analyst's plain pandas script: per-capita household income, persons and the
  person-weighted Gini per province, as one would compute them without Chipao (no
  validation, no pseudonyms, no other level, no other measure). chipao / pandas says what the
  whole warehouse costs against the one table most people would make by hand.

No Dagster and no warehouse here. The pandas script runs in a child process
(`python -m pipelines.baselines FILES_JSON`) so that its peak memory is its own and not the
pipeline's.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

INCOME_COLUMNS = ("income_main", "income_secondary", "income_other", "income_own_produce")
# Codes keep their leading zeros; every other column is left to pandas, as an analyst would.
HOUSEHOLD_CODES = {"house_code": str, "village_code": str}
MEMBER_CODES = {"house_code": str, "citizen_id": str}
READERS = {".csv": "read_csv(?, all_varchar = true)", ".parquet": "read_parquet(?)"}


class BaselineFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class FloorLine:
    seconds: float
    rows: int
    files: int


@dataclass(frozen=True)
class PandasLine:
    seconds: float  # reading and computing, without the interpreter's start and imports
    peak_rss_bytes: int  # the child process's own peak (VmHWM)
    households: int
    persons: dict[str, int]  # per province code
    gini: dict[str, float]


def duckdb_floor(sources: Sequence[Sequence[Path]]) -> FloorLine:
    """Read every file once, all columns as text, and count the rows: one scan per source and
    format, as DuckDB reads many files of one layout fastest (a scan per file costs several
    times more: each one sniffs its file again)."""
    scans = []
    for files in sources:
        by_suffix: dict[str, list[str]] = {}
        for path in files:
            by_suffix.setdefault(path.suffix.lower(), []).append(str(path))
        for suffix, paths in by_suffix.items():
            if suffix not in READERS:
                raise BaselineFailed(f"{suffix} files: the reference lines read CSV and Parquet")
            scans.append((f"SELECT count(*) FROM {READERS[suffix]}", paths))
    rows = 0
    with duckdb.connect() as con:
        started = time.perf_counter()
        for scan, paths in scans:
            rows += con.execute(scan, [paths]).fetchone()[0]
        seconds = time.perf_counter() - started
    return FloorLine(seconds=seconds, rows=rows, files=sum(len(files) for files in sources))


def weighted_gini(x: np.ndarray, w: np.ndarray) -> float:
    """Lorenz-trapezoid Gini: 1 - sum p_i (L_i + L_{i-1}), sorted by x."""
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    share = w * x / np.sum(w * x)
    lorenz = np.cumsum(share)
    return float(1.0 - np.sum(w * (2.0 * lorenz - share)) / np.sum(w))


def _read(path: str, codes: dict[str, type]) -> pd.DataFrame:
    if path.lower().endswith(".parquet"):
        return pd.read_parquet(path)
    return pd.read_csv(path, dtype=codes)


def pandas_script(households: Sequence[str], members: Sequence[str]) -> dict:
    """The analyst's script: read everything, per-capita income, persons and Gini per province."""
    started = time.perf_counter()
    hh = pd.concat([_read(p, HOUSEHOLD_CODES) for p in households], ignore_index=True)
    mm = pd.concat([_read(p, MEMBER_CODES) for p in members], ignore_index=True)
    size = mm.groupby("house_code").size().rename("members")
    hh = hh.join(size, on="house_code", how="inner")
    hh["income_per_capita"] = hh[list(INCOME_COLUMNS)].sum(axis=1) / hh["members"]
    hh["province"] = hh["village_code"].str[:2]
    persons = hh.groupby("province")["members"].sum()
    gini = hh.groupby("province")[["income_per_capita", "members"]].apply(
        lambda g: weighted_gini(
            g["income_per_capita"].to_numpy(float), g["members"].to_numpy(float)
        )
    )
    return {
        "seconds": time.perf_counter() - started,
        "households": len(hh),
        "persons": {k: int(v) for k, v in persons.items()},
        "gini": {k: float(v) for k, v in gini.items()},
    }


def peak_rss_of_this_process() -> int:
    """VmHWM, the high-water mark of this process's own memory map, in bytes (Linux).

    Not ru_maxrss: on exec Linux carries the old map's peak into it, so a child started by a
    large parent reports at least the parent's size (measured: a 5,000-row pandas script
    "used" the 500 MiB of the pipeline that started it).
    """
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise BaselineFailed("/proc/self/status has no VmHWM: peak memory needs Linux")


def run_pandas_script(households: Sequence[Path], members: Sequence[Path]) -> PandasLine:
    """The pandas script in a child process; its time and its own peak RSS."""
    files = json.dumps(
        {"households": [str(p) for p in households], "members": [str(p) for p in members]}
    )
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.baselines", files], capture_output=True, text=True
    )
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or [""])[-1]
        if done.returncode == -9:
            why = "killed, out of memory?"
        raise BaselineFailed(f"the pandas script failed (exit {done.returncode}): {why}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return PandasLine(
        seconds=result["seconds"],
        peak_rss_bytes=result["peak_rss_bytes"],
        households=result["households"],
        persons=result["persons"],
        gini=result["gini"],
    )


if __name__ == "__main__":
    given = json.loads(sys.argv[1])
    result = pandas_script(given["households"], given["members"])
    print(json.dumps({**result, "peak_rss_bytes": peak_rss_of_this_process()}))
