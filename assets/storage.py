"""Resources for the folders the pipeline reads and writes, and the pseudonymisation key."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from ingest import landing
from ingest.location import Location, location
from ingest.pseudonymise import KeyRef, key_digest, load_key
from ingest.spread import Each, Spread


class LandingZone(dg.ConfigurableResource):
    """Where files are delivered, and where their staged parts are kept (ingest/staging.py):
    folders, or object-storage prefixes (s3://bucket/prefix, ingest/location.py)."""

    root: str
    staged: str | None = None  # required by the staging asset; listing files needs only root
    # the writer's copy of the parts when ``staged`` is on object storage
    staged_copy: str | None = None
    workers: int = 1  # processes staging files in parallel
    memory_limit: str = "4GB"  # for DuckDB's rules across files
    # a Dask scheduler's address, or "local" for a LocalCluster of ``workers`` processes;
    # None: local processes (ingest/spread.py)
    scheduler: str | None = None

    @property
    def location(self) -> Location:
        return location(self.root)

    def year_folder(self, year_be: int) -> Location:
        return self.location / "bmn" / str(year_be)

    def bmn_files(self, year_be: int) -> dict[str, list[Location]]:
        """Files per source for one survey year, in name order so runs are repeatable."""
        return landing.delivery(self.location, year_be).files

    def refused(self, year_be: int) -> list[landing.Refused]:
        """The files under landing listed in the year's ledger as not read, with the reason."""
        return landing.refused_for(self.location, year_be)

    def target_files(self) -> list[Location]:
        """The centres' target files (measures/targets.py), in name order."""
        folder = self.location / "targets"
        return sorted(p for p in folder.glob("*.y*ml") if p.is_file()) if folder.is_dir() else []

    def years(self) -> list[int]:
        """BE survey-year folders; a CE one (2022/) is refused, not run (ingest/landing.py)."""
        return landing.year_folders(self.location)

    def spread(self) -> Spread:
        """Where the files are staged: local processes, or a Dask cluster."""
        return Spread(self.workers, self.scheduler)

    def province_units(self) -> Each | None:
        """Where the provinces' units run (the suppression's subtrees, the progress parts): on
        the Dask cluster when one is set, which adds machines; else in the writer's process
        (None). Local processes only copied each province's frames across this machine's own
        cores: at 10 % the progress parts took 76 s in two of them against 64 s here."""
        spread = self.spread()
        return spread.stream if spread.on_dask else None


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

    def reference(self) -> KeyRef:
        """What a staging worker on a Dask cluster is told of the key (never the key)."""
        return KeyRef(key_digest(self.secret()), self.key_file)


class ValidationPolicy(dg.ConfigurableResource):
    """How much quarantine a file may have before its check fails (share of rows)."""

    quarantine_share_limit: float = 0.05
    # a province whose files were all held: "publish" the year without it (its roll-ups flagged
    # incomplete, core.missing_province says why), or "hold" the year (docs/operators-deliveries.md)
    missing_province: str = "publish"
