"""Analyst notebooks run top to bottom against a published warehouse (the tiny sample)."""

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_on_the_published_warehouse(path, run, monkeypatch):
    monkeypatch.setenv("CHIPAO_HOME", str(run.home))
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    namespace: dict = {}
    for cell in cells:
        if cell["cell_type"] == "code":
            exec(compile("".join(cell["source"]), f"{path.name}", "exec"), namespace)  # noqa: S102
    assert namespace["latest"] == 2566
    assert namespace["by_band"].height > 0


def test_there_is_a_notebook():
    assert NOTEBOOKS
