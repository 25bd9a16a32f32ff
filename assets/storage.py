"""Resources for the folders the pipeline reads and writes, and the pseudonymisation key."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from ingest.pseudonymise import load_key
from ingest.readers import SUFFIXES

# Each BMN survey year arrives as <landing>/bmn/<year_be>/{households,members}/*.csv|parquet
BMN_FOLDERS = {"bmn_household": "households", "bmn_member": "members"}


class LandingZone(dg.ConfigurableResource):
    """Where files are delivered, and where their staged parts are kept (ingest/staging.py)."""

    root: str
    staged: str | None = None  # required by the staging asset; listing files needs only root
    workers: int = 1  # processes staging files in parallel
    memory_limit: str = "4GB"  # for DuckDB's rules across files

    def year_folder(self, year_be: int) -> Path:
        return Path(self.root) / "bmn" / str(year_be)

    def bmn_files(self, year_be: int) -> dict[str, list[Path]]:
        """Files per source for one survey year, in name order so runs are repeatable."""
        folder = self.year_folder(year_be)
        return {
            source: sorted(
                p for p in (folder / sub).glob("*") if p.is_file() and p.suffix.lower() in SUFFIXES
            )
            for source, sub in BMN_FOLDERS.items()
        }

    def target_files(self) -> list[Path]:
        """The centres' target files (measures/targets.py), in name order."""
        folder = Path(self.root) / "targets"
        return sorted(p for p in folder.glob("*.y*ml") if p.is_file()) if folder.is_dir() else []

    def years(self) -> list[int]:
        bmn = Path(self.root) / "bmn"
        if not bmn.is_dir():
            return []
        return sorted(int(p.name) for p in bmn.iterdir() if p.is_dir() and p.name.isdigit())


class ExportFolder(dg.ConfigurableResource):
    root: str

    def folder(self, year_be: int) -> Path:
        path = Path(self.root) / str(year_be)
        path.mkdir(parents=True, exist_ok=True)
        return path


class PseudonymKey(dg.ConfigurableResource):
    key: str | None = None
    key_file: str

    def secret(self) -> bytes:
        return load_key(self.key, Path(self.key_file))


class ValidationPolicy(dg.ConfigurableResource):
    """How much quarantine a file may have before its check fails (share of rows)."""

    quarantine_share_limit: float = 0.05
