"""Where pulled sources land, and the provenance kept beside them.

``landing/sources/<source>/`` holds the files of one source and ``provenance.json``: per file
the URL asked for and the one answered (after redirects), when it was fetched, its sha256 and
size, its ETag and Last-Modified, the licence and the dataset's modified date as the portal
states them. The manifest is rewritten atomically after each file, so it never names a file
that is not there whole.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from sources.fetch import Landed, write_atomic

MANIFEST = "provenance.json"


def source_dir(landing: Path, name: str) -> Path:
    return landing / "sources" / name


def read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.exists():
        return {"files": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def record(folder: Path, source: str, kind: str, landed: Landed, **about: Any) -> dict[str, Any]:
    """Add or replace one file's provenance in the source's manifest."""
    manifest = read_manifest(folder)
    entry = {k: v for k, v in asdict(landed).items() if k not in ("path", "status")}
    entry.update({k: v for k, v in about.items() if v is not None})
    manifest.update({"source": source, "kind": kind})
    manifest["files"][landed.path.name] = entry
    write_atomic(
        folder / MANIFEST,
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8"),
    )
    return entry
