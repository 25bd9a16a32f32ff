"""Pull a configured source into landing, and read every landed source back as figures.

``pull`` is the only step that touches the network, and only when asked (``chipao pull``, the
``pull_sources`` job); ``load`` reads what landing holds, so the pipeline runs the same
whether a pull ran or not.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from ingest.readers import SUFFIXES, read_file, sha256_of
from sources import ckan, sdmx, tpmap
from sources.config import Source
from sources.fetch import Fetcher, FetchError, Landed
from sources.figures import QUARANTINE_COLUMNS, read_figures, rollup
from sources.landing import MANIFEST, read_manifest, record, source_dir


@dataclass
class PullReport:
    source: str
    landed: list[Landed] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {"new": 0, "updated": 0, "unchanged": 0, "failed": len(self.failed)}
        for item in self.landed:
            out[item.status] += 1
        return out


def pull(source: Source, landing: Path, progress: Callable[[str], None] = lambda _: None):
    folder = source_dir(landing, source.name)
    folder.mkdir(parents=True, exist_ok=True)
    report = PullReport(source.name)
    if source.kind == "tpmap":
        report.landed = tpmap.import_files(folder, source.name, int(source.spec["survey_year_be"]))
        return report
    if source.kind == "table":
        return report  # files are put in landing by hand
    with Fetcher(source.limits, headers=source.headers()) as fetcher:
        if source.kind == "ckan":
            try:
                result = ckan.pull(source.spec, folder, fetcher, source.name, progress)
            except FetchError as err:
                report.failed.append(str(err))
                return report
            report.landed, report.failed = result.landed, result.failed
        elif source.kind == "sdmx":
            target = sdmx.message_path(folder, source.name, source.spec)
            previous = read_manifest(folder)["files"].get(target.name)
            try:
                got = sdmx.pull(source.spec, folder, fetcher, source.name, previous)
            except FetchError as err:
                report.failed.append(str(err))
                return report
            record(folder, source.name, "sdmx", got, flow=source.spec["flow"],
                   licence=source.spec.get("licence"))  # fmt: skip
            report.landed.append(got)
    return report


@dataclass
class Loaded:
    figures: pl.DataFrame  # FIGURE_COLUMNS + file, rolled_up, source
    quarantine: pl.DataFrame  # QUARANTINE_COLUMNS + file, source
    ledger: pl.DataFrame  # per file: rows read, loaded, quarantined
    files: pl.DataFrame  # per file: provenance


def landed_files(source: Source, landing: Path) -> list[Path]:
    folder = source_dir(landing, source.name)
    if not folder.is_dir():
        return []
    wanted = {".xml", ".json"} if source.kind == "sdmx" else set(SUFFIXES)
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in wanted and p.name != MANIFEST
        and not p.name.startswith(".")
    )  # fmt: skip


def load(source: Source, landing: Path) -> Loaded:
    folder = source_dir(landing, source.name)
    manifest = read_manifest(folder)["files"]
    figures, held, ledger, files = [], [], [], []
    paths = landed_files(source, landing)
    if source.kind == "tpmap" and paths:
        figures.append(tpmap.read_counts(folder, int(source.spec["survey_year_be"])))
        ledger += [(p.name, pl.read_csv(p, infer_schema_length=0).height, None) for p in paths]
    for path in paths if source.kind != "tpmap" else []:
        if source.kind == "sdmx":
            good, bad, rows = sdmx.read_figures(path, source.spec)
        else:
            _, table = read_file(path, expected=_expected(source))
            if isinstance(table, Exception):
                ledger.append((path.name, 0, str(table)))
                continue
            result = read_figures(table.frame, source.spec.get("columns"), source.spec.get("level"))
            good, bad, rows = result.figures, result.quarantine, result.rows_read
        figures.append(good.with_columns(file=pl.lit(path.name)))
        held.append(bad.with_columns(file=pl.lit(path.name)))
        ledger.append((path.name, rows, None))
    for path in paths:
        entry = manifest.get(path.name)
        if source.kind == "table" and (entry is None or entry["sha256"] != sha256_of(path)):
            entry = _hand_put(folder, source, path)
        files.append({"file": path.name, **_provenance(entry)})
    frame = pl.concat(figures, how="diagonal_relaxed") if figures else None
    if frame is not None:
        frame, repeated = _first_of_each(frame)
        held.append(repeated)
        frame = (
            rollup(frame)
            if source.spec.get("rollup")
            else frame.with_columns(rolled_up=pl.lit(False))
        )
    quarantine = pl.concat([h.select(*QUARANTINE_COLUMNS, "file") for h in held]) if held else (
        pl.DataFrame(schema={**QUARANTINE_COLUMNS, "file": pl.String}))  # fmt: skip
    with_source = pl.lit(source.name).alias("source")
    counted = quarantine.group_by("file").agg(rows_quarantined=pl.col("row_index").n_unique())
    ledger_frame = (
        pl.DataFrame(ledger, schema=["file", "rows_read", "file_error"], orient="row")
        .join(counted, on="file", how="left")
        .with_columns(pl.col("rows_quarantined").fill_null(0).cast(pl.Int64))
        .with_columns(rows_loaded=pl.col("rows_read") - pl.col("rows_quarantined"))
    )
    return Loaded(
        figures=(frame.with_columns(with_source) if frame is not None else pl.DataFrame()),
        quarantine=quarantine.with_columns(with_source),
        ledger=ledger_frame.with_columns(with_source),
        files=pl.DataFrame(files).with_columns(with_source) if files else pl.DataFrame(),
    )


KEY = ["year_be", "level", "area_code", "measure", "indicator_code"]


def _first_of_each(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A figure given twice (the same table as CSV and as XLSX, a repeated row) counts once:
    the first, in file and row order; the others are quarantined as ``duplicate_figure``."""
    numbered = frame.with_row_index("_n").with_columns(
        _first=pl.col("_n") == pl.col("_n").min().over(KEY),
        _origin=pl.col("file").first().over(KEY),
    )
    repeated = numbered.filter(~pl.col("_first")).select(
        "row_index",
        pl.lit(None, pl.String).alias("column_name"),
        pl.lit("duplicate_figure").alias("rule"),
        pl.col("area_code").alias("value"),
        pl.format(
            "the same figure ({}, {}) as an earlier row of {}", "area_code", "measure", "_origin"
        ).alias("message_en"),
        "file",
    )
    return numbered.filter("_first").drop("_n", "_first", "_origin"), repeated


def _expected(source: Source) -> list[str]:
    columns = source.spec.get("columns") or {}
    return list(columns.values()) or ["year", "area", "indicator", "value", "ปี", "ค่า"]


def _hand_put(folder: Path, source: Source, path: Path) -> dict:
    """A file put in landing by hand gets its provenance when first read (or changed): its
    sha256, size and the time it was found."""

    data = path.read_bytes()
    found = datetime.now(UTC).isoformat(timespec="seconds")
    entry = Landed(path, url=path.name, final_url=path.name,
                   sha256=hashlib.sha256(data).hexdigest(), bytes=len(data), content_type=None,
                   etag=None, last_modified=None, fetched_at=found, status="new")  # fmt: skip
    return record(folder, source.name, source.kind, entry, licence=source.spec.get("licence"))


PROVENANCE = ("url", "final_url", "sha256", "bytes", "fetched_at", "etag", "last_modified",
              "licence", "dataset", "dataset_modified", "resource_modified")  # fmt: skip


def _provenance(entry: dict) -> dict:
    return {k: (None if entry.get(k) is None else str(entry.get(k))) for k in PROVENANCE}


def fingerprint(sources: list[Source], landing: Path) -> str:
    """One hash of what loading reads: the sources' configuration, their landed files (name,
    size, modification time), the catalogs and the area register's version. Unchanged, the
    figures would come out the same, so `chipao run` does not load them again."""
    from importlib import metadata
    from importlib.resources import files as package_files

    digest = hashlib.sha256(f"geothai {metadata.version('geothai')}".encode())
    for source in sorted(sources, key=lambda s: s.name):
        spec = json.dumps(dict(source.spec), sort_keys=True, default=str, ensure_ascii=False)
        digest.update(f"{source.name}\0{source.kind}\0{spec}\0".encode())
        for path in landed_files(source, landing):
            stat = path.stat()
            digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    catalog = Path(str(package_files("schemas").joinpath("catalog")))
    for path in sorted(catalog.glob("*.yaml")):
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
