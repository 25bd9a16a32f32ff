"""The local Dagster instance under CHIPAO_HOME: telemetry off, one DuckDB writer at a time, and
run monitoring, so that a run whose process died does not hold the writer slot for ever."""

from __future__ import annotations

from pathlib import Path

DAGSTER_YAML = """\
# Written by chipao; edit freely, it is not overwritten.
telemetry:
  enabled: false
# no new-user pop-up (the community sign-up) over the UI of a local instance
nux:
  enabled: false
concurrency:
  pools:
    default_limit: 1
# For runs the daemon launches (nightly schedule, landing sensor; `make dev`). The default run
# launcher cannot tell whether a run's process is alive, so a run whose process died is failed
# when it passes max_runtime_seconds (4 h: a demo year takes a minute, a national one should take
# under an hour; raise it if yours take longer), and the duckdb_writer slot of an ended run is
# freed a minute later. `chipao run` does not wait for that: it fails its own dead runs at start.
run_monitoring:
  enabled: true
  start_timeout_seconds: 300
  cancel_timeout_seconds: 300
  max_runtime_seconds: 14400
  max_resume_run_attempts: 0
  poll_interval_seconds: 60
  free_slots_after_run_end_seconds: 60
"""


def prepare_dagster_home(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    config = path / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    return path
