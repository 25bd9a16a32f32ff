"""Analyst notebooks: committed without outputs, each opening the published snapshot read-only
in one line, each executed top to bottom in a Jupyter kernel (nbclient) on the tiny warehouse."""

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SHAPE = re.compile(r"shape: \((\d+), (\d+)\)")


def test_there_are_the_three_analyst_notebooks_and_the_first_look():
    names = {p.stem for p in NOTEBOOKS}
    assert {"national_overview", "province_drilldown", "inequality_progress"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs_and_opening_the_snapshot_in_one_line(path):
    book = nbformat.read(path, as_version=4)
    code = [c for c in book.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    opening = [line for line in code[0].source.splitlines() if "Snapshot.open()" in line]
    assert len(opening) == 1
    assert "duckdb.connect" not in "".join(c.source for c in code)


def _frames(cell) -> list[tuple[int, int]]:
    """The (rows, columns) of the Polars frames a cell printed."""
    text = "".join(o.get("data", {}).get("text/plain", "") for o in cell.outputs)
    return [(int(r), int(c)) for r, c in SHAPE.findall(text)]


@pytest.fixture(scope="module")
def executed(run, tmp_path_factory):
    """Every notebook, executed in a kernel with CHIPAO_HOME the tiny run's."""
    import os

    old = os.environ.get("CHIPAO_HOME")
    os.environ["CHIPAO_HOME"] = str(run.home)  # the kernel inherits the environment
    try:
        done = {}
        for path in NOTEBOOKS:
            book = nbformat.read(path, as_version=4)
            NotebookClient(
                book, timeout=600, kernel_name="python3", resources={"metadata": {"path": ROOT}}
            ).execute()
            done[path.stem] = book
        return done
    finally:
        if old is None:
            os.environ.pop("CHIPAO_HOME")
        else:
            os.environ["CHIPAO_HOME"] = old


def _cell(book, marker: str):
    return next(c for c in book.cells if c.cell_type == "code" and marker in c.source)


def test_every_notebook_runs_top_to_bottom(executed):
    for name, book in executed.items():
        errors = [o for c in book.cells if c.cell_type == "code" for o in c.outputs
                  if o.output_type == "error"]  # fmt: skip
        assert not errors, name


def _images(cell) -> int:
    return sum("image/png" in o.get("data", {}) for o in cell.outputs)


def test_every_notebook_draws_its_findings(executed):
    """Issue 20, item 4: charts, not only tables; each notebook draws at least one."""
    for name, book in executed.items():
        drawn = [c for c in book.cells if c.cell_type == "code" and _images(c)]
        assert drawn, name
        assert all("plots." in c.source for c in drawn), name  # the shared chart functions


def test_rates_print_as_percentages(executed):
    country = _cell(executed["national_overview"], "country = db.q")
    text = country.outputs[0]["data"]["text/plain"]
    assert re.search(r"\d+\.\d %", text)
    assert not re.search(r"\b0\.\d{3}", text)  # no raw fraction such as 0.0357
    trend = _cell(executed["national_overview"], "plots.trend(")
    assert _images(trend) == 1  # the trend of both rates, once (not again by the inline backend)


def test_national_overview_shows_both_years_and_both_mpi_rules(executed):
    book = executed["national_overview"]
    assert _frames(_cell(book, "country = db.q")) == [(2, 7)]
    (regions,) = _frames(_cell(book, "regions = db.q"))
    assert regions[1] == 4  # area code, name, and one column per rule: union and k = 1/3
    assert _frames(_cell(book, "indicators = db.q"))[0][0] == 17
    text = _cell(book, "by_band = db.q").outputs[0]["data"]["text/plain"]
    assert text.index("0-5") < text.index("6-14") < text.index("15-21")


def test_province_drilldown_reaches_the_villages(executed):
    book = executed["province_drilldown"]
    for marker in ("districts = db.q", "subdistricts = db.q", "villages = db.q"):
        (shape,) = _frames(_cell(book, marker))
        assert shape[0] > 0, marker
    (components,) = _frames(_cell(book, "components = db.q"))
    assert components == (17, 4)


def test_inequality_progress_decomposes_and_compares_the_years(executed):
    book = executed["inequality_progress"]
    (decomposition,) = _frames(_cell(book, "decomposition = db.q"))
    assert decomposition[0] == 4  # two years, regions and provinces
    (progress,) = _frames(_cell(book, "progress = wide"))
    assert progress[0] == 1  # the tiny sample's one province, 2565 -> 2566
    change = _cell(book, "country_change =").outputs[0]["data"]["text/plain"]
    assert "'absolute'" in change and "'annualized_relative'" in change


def test_progress_reads_the_progress_and_panel_marts(executed):
    book = executed["progress"]
    for marker in ("districts = db.q", "convergence = db.q", "factors = db.q", "growth = ",
                   "panel = db.q", "targets = db.q"):  # fmt: skip
        (shape,) = _frames(_cell(book, marker))
        assert shape[0] > 0, marker
    assert _frames(_cell(book, "indicators = ")) == [(17, 2)]  # every indicator's part of M0
    transitions = next(c for c in book.cells if c.source == "transitions")
    assert _frames(transitions) == [(6, 8)]  # 2566: five dimensions and 'all'
    # the cases marts: the one province in the latest cases year, the outcome of 2565's help
    assert _frames(_cell(book, "cases = db.q")) == [(1, 12)]
    outcome = _cell(book, "outcome = db.q")
    assert _frames(outcome) == [(6, 15)]  # 2566: five dimensions and 'all'
    said = "".join(o.get("text", "") for o in outcome.outputs)
    assert "2565 -> 2566: of the " in said and " points (95 % CI " in said
