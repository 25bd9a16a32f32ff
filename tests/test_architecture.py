"""The rooms of the code and their one-way arrows (docs/architecture.md), as import-linter checks
them: the contracts of [tool.importlinter] in pyproject.toml hold, and each would catch the
crossing it is there for."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.architecture_graph import BEGIN, CONFIG, DOC, END, ROOT, mermaid


def lint(root: Path) -> subprocess.CompletedProcess:
    """`lint-imports` in ``root``, whose packages it reads (the working folder comes first)."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_every_contract_is_kept():
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    for contract in CONFIG["contracts"]:
        assert f"{contract['name']} KEPT" in done.stdout
    # nothing is let through: a crossing that stays would be listed here, with its reason
    assert not any(c.get("ignore_imports") for c in CONFIG["contracts"])


@pytest.fixture(scope="module")
def copy(tmp_path_factory):
    """The packages and the contracts, in a folder of their own, to plant a crossing in."""
    root = tmp_path_factory.mktemp("rooms")
    shutil.copy(ROOT / "pyproject.toml", root)
    for package in CONFIG["root_packages"]:
        shutil.copytree(ROOT / package, root / package, ignore=shutil.ignore_patterns("*.pyc"))
    return root


@pytest.mark.parametrize(
    ("module", "crossing", "contracts"),
    [
        ("assets/cases.py", "from assets.panel import MARTS", {"assets"}),
        ("measures/areas.py", "import dagster", {"no-dagster"}),
        ("schemas/catalog.py", "from store import tables", {"rooms"}),
        # the foundation importing an asset module: a crossing and, back, a cycle
        ("assets/warehouse.py", "from assets import facts", {"assets", "no-cycles"}),
        ("schemas/quality_page.py", "from schemas import expectations", {"no-cycles"}),
    ],
)
def test_a_crossing_breaks_its_contract(copy, module, crossing, contracts):
    path = copy / module
    original = path.read_text(encoding="utf-8")
    path.write_text(f"{original}\n{crossing}\n", encoding="utf-8")
    try:
        done = lint(copy)
    finally:
        path.write_text(original, encoding="utf-8")
    assert done.returncode == 1, done.stdout + done.stderr
    broken = {c["id"] for c in CONFIG["contracts"] if f"{c['name']} BROKEN" in done.stdout}
    assert broken == contracts, done.stdout


def test_the_pictures_of_the_architecture_page_are_those_of_the_imports():
    text = DOC.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    assert text[start:end] == mermaid(), (
        "docs/architecture.md shows other imports than the code's: run "
        "`.venv/bin/python -m tests.architecture_graph`"
    )
