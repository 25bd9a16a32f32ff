"""Shared fixtures: a pipeline run in a temporary CHIPAO_HOME."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.run import run_years
from pipelines.settings import Settings, load_settings

TEST_KEY = "test-key-" + "0123456789abcdef" * 3


def settings_for(home: Path, **env: str) -> Settings:
    return load_settings({"CHIPAO_HOME": str(home), "CHIPAO_KEY": TEST_KEY, **env})


def run_pipeline(home: Path, years: list[int], **env: str) -> Settings:
    settings = settings_for(home, **env)
    with dg.DagsterInstance.ephemeral() as instance:
        run_years(settings, years, instance, progress=lambda _: None)
    return settings


@pytest.fixture
def query() -> Callable[[Settings, str], list[tuple]]:
    def run(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
        with duckdb.connect(str(settings.published), read_only=True) as con:
            return con.execute(sql, params or []).fetchall()

    return run
