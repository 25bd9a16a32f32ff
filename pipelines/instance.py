"""The local Dagster instance under CHIPAO_HOME: telemetry off, one DuckDB writer at a time."""

from __future__ import annotations

from pathlib import Path

DAGSTER_YAML = """\
# Written by chipao; edit freely, it is not overwritten.
telemetry:
  enabled: false
concurrency:
  pools:
    default_limit: 1
"""


def prepare_dagster_home(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    config = path / "dagster.yaml"
    if not config.exists():
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    return path
