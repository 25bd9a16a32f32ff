"""The generator is its own package: it reads the catalogs and nothing of the pipeline.

Checked in a fresh interpreter, because this test session has long since imported Dagster and
the pipeline, which would hide an import the generator made.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import synthetic

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The project's own top-level packages (pyproject.toml, packages.find).
PROJECT_PACKAGES = {"pipelines", "assets", "schemas", "measures", "sql", "synthetic"}

IMPORT_EVERYTHING = """
import importlib, json, pkgutil, sys
import synthetic
names = [m.name for m in pkgutil.walk_packages(synthetic.__path__, "synthetic.")]
for name in names:
    importlib.import_module(name)
print(json.dumps({"modules": names, "top": sorted({m.split(".")[0] for m in sys.modules})}))
"""


def _import_every_module() -> dict:
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERYTHING],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.splitlines()[-1])


def test_synthetic_imports_only_the_catalogs():
    seen = _import_every_module()
    # Without this the check below would pass on a walk that imported nothing.
    assert "synthetic.generator" in seen["modules"]
    assert "synthetic.bench" in seen["modules"]
    top = set(seen["top"])
    assert "dagster" not in top
    assert top & PROJECT_PACKAGES == {"synthetic", "schemas"}


def test_one_home_for_the_generator():
    # No shim left behind in the code location: one import path for the generator.
    assert Path(synthetic.__file__).resolve().parent == PROJECT_ROOT / "synthetic"
    assert importlib.util.find_spec("pipelines.synthetic") is None
