"""CKAN portals (Thai government open data runs on CKAN): a dataset's metadata and its CSV and
XLSX resources into landing, through the Action API (``/api/3/action/package_show``,
``package_search``).

A resource whose URL and modification date are those recorded when it was landed, and whose
file still has the recorded sha256, is not asked for again; otherwise it is downloaded with
the recorded ETag and date as conditionals (a 304 keeps the file), and a download that gives
the same sha256 leaves the landed file as it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.readers import sha256_of
from sources.fetch import Fetcher, FetchError, Landed
from sources.landing import read_manifest, record

FORMATS = {"csv": "csv", "xlsx": "xlsx", "xls": None}  # CKAN's format label -> ours


@dataclass(frozen=True)
class PullResult:
    landed: list[Landed]
    failed: list[str]  # one line per resource that could not be fetched


def action(fetcher: Fetcher, portal: str, name: str, **params: Any) -> Any:
    url = f"{portal.rstrip('/')}/api/3/action/{name}"
    answer = fetcher.get_json(url, params)
    if not isinstance(answer, dict) or not answer.get("success"):
        error = answer.get("error", {}) if isinstance(answer, dict) else {}
        message = error.get("message") or error.get("__type") or "no success flag"
        raise FetchError(f"{url}: CKAN answered {message}")
    return answer["result"]


def packages(fetcher: Fetcher, spec: Mapping[str, Any]) -> list[dict[str, Any]]:
    portal = spec["portal"]
    if spec.get("dataset"):
        return [action(fetcher, portal, "package_show", id=spec["dataset"])]
    search = spec.get("search") or {}
    if isinstance(search, str):
        search = {"q": search}
    if not search:
        raise FetchError("a CKAN source needs `dataset` (an id or name) or `search`")
    result = action(fetcher, portal, "package_search", rows=search.get("rows", 10),
                    **{k: v for k, v in search.items() if k != "rows"})  # fmt: skip
    return list(result["results"])


def _file_name(package: Mapping[str, Any], resource: Mapping[str, Any], fmt: str) -> str:
    stem = re.sub(r"[^0-9A-Za-z_-]+", "-", f"{package['name']}--{resource['id']}").strip("-")
    return f"{stem}.{fmt}"


def pull(
    spec: Mapping[str, Any],
    folder: Path,
    fetcher: Fetcher,
    source: str,
    progress: Callable[[str], None] = lambda _: None,
) -> PullResult:
    wanted = {f.lower() for f in spec.get("formats", ["csv", "xlsx"])}
    landed: list[Landed] = []
    failed: list[str] = []
    for package in packages(fetcher, spec):
        licence = package.get("license_title") or package.get("license_id")
        for resource in package.get("resources", []):
            fmt = FORMATS.get(str(resource.get("format", "")).strip().lower())
            if fmt is None or fmt not in wanted:
                continue
            name = _file_name(package, resource, fmt)
            target = folder / name
            previous = read_manifest(folder)["files"].get(name)
            modified = resource.get("last_modified") or resource.get("metadata_modified")
            about = {"licence": licence, "dataset": package.get("name"),
                     "dataset_title": package.get("title"), "resource_id": resource.get("id"),
                     "resource_name": resource.get("name"), "portal": spec["portal"],
                     "dataset_modified": package.get("metadata_modified"),
                     "resource_modified": modified}  # fmt: skip
            if _unchanged(previous, target, resource["url"], modified):
                progress(f"{source}: {name} unchanged since {previous['fetched_at']}")
                continue
            try:
                got = fetcher.download(resource["url"], target, fmt, previous=previous)
            except FetchError as err:
                failed.append(f"{package.get('name')}/{resource.get('name') or name}: {err}")
                progress(f"{source}: {failed[-1]}")
                continue
            record(folder, source, "ckan", got, **about)
            progress(f"{source}: {name} {got.status} ({got.bytes:,} bytes)")
            landed.append(got)
    return PullResult(landed, failed)


def _unchanged(previous, target: Path, url: str, modified: str | None) -> bool:
    return bool(
        previous
        and modified
        and previous.get("url") == url
        and previous.get("resource_modified") == modified
        and target.exists()
        and sha256_of(target) == previous.get("sha256")
    )
