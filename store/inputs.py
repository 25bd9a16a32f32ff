"""What a survey year is computed from, summed up in one fingerprint, and what was published.

A year's fingerprint covers its landing files (relative path, size and mtime_ns, in name order)
and the rules every year is computed with: the catalog YAML, the SQL, the version of the area
register (geothai) and the pseudonymisation key (through a hash of it: a new key gives every
person and household new pseudonyms, so every year is recomputed), and what the year's progress
and panel marts read besides (assets/progress.py, assets/panel.py): the earlier years' landing
files and the centres' target files, so a change there recomputes the later years; the year's
case files (landing/cases/<year>/) and the previous year's, whose outcome the year shows. The
publish step stores it in `core.year_input` of the published snapshot; a run skips a year whose
fingerprint is the one published. Stat, not content hashes: a no-change
run must cost seconds at national scale, and a delivery that rewrites a file changes its mtime.
Editing Python code is not seen: `chipao run --force` recomputes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Protocol

import duckdb

import schemas
import sql
from ingest.landing import CASE_SOURCE, has_survey
from ingest.location import location, size_and_mtime

RULE_FILES = (
    (Path(schemas.__file__).parent / "catalog", "*.yaml"),
    (Path(sql.__file__).parent, "**/*.sql"),
)


class Landing(Protocol):
    root: str

    def bmn_files(self, year_be: int) -> dict[str, list[Path]]: ...

    def years(self) -> list[int]: ...

    def target_files(self) -> list[Path]: ...


@dataclass(frozen=True)
class YearInputs:
    year_be: int
    files: tuple[tuple[str, int, int], ...]  # (path under the landing root, size, mtime_ns)
    rules: str  # rules_digest()
    # what else the year's marts read: earlier years' files (the progress marts compare with
    # them) and the centres' target files; in the fingerprint, not in the year's file count
    context: tuple[tuple[str, int, int], ...] = ()

    @property
    def fingerprint(self) -> str:
        text = json.dumps(
            {"year_be": self.year_be, "files": self.files, "rules": self.rules}
            | ({"context": self.context} if self.context else {}),
            sort_keys=True,
        )
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def bytes(self) -> int:
        return sum(size for _, size, _ in self.files)


@dataclass(frozen=True)
class Published:
    """A year as the published snapshot holds it."""

    year_be: int
    fingerprint: str
    files: int
    published_at: datetime
    run_id: str | None


def rules_digest(key: bytes) -> str:
    """One hash of the catalogs, the SQL, the area register's version and the key: a change of
    any recomputes every year. Read afresh each time: a long-lived code server sees edits too.
    The key enters only as a hash of a hash, as in the staged parts' fingerprint."""
    digest = hashlib.sha256()
    digest.update(hashlib.sha256(key + b"\x00year inputs").digest())
    for folder, pattern in RULE_FILES:
        for path in sorted(folder.glob(pattern)):
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    digest.update(f"geothai {metadata.version('geothai')}".encode())
    return digest.hexdigest()


def year_inputs(landing: Landing, year_be: int, rules: str) -> YearInputs:
    """The files the ingest would read for the year (the same listing), and the rules
    (`rules_digest`)."""
    root = location(landing.root)
    files = []
    for paths in landing.bmn_files(year_be).values():
        for path in paths:
            stat = path.stat()
            files.append((str(path.relative_to(root)), stat.st_size, stat.st_mtime_ns))
    # a file the ledger lists as not read counts too: one arriving changes the ledger
    for refused in getattr(landing, "refused", lambda _: [])(year_be):
        files.append((refused.file, *size_and_mtime(root / refused.file)))
    # the progress and panel marts read the earlier years and the centres' targets; the case
    # outcome (assets/cases.py) reads the previous year's case records, no earlier ones
    before = [y for y in landing.years() if y < year_be]
    earlier = [
        p for y in before for source, ps in landing.bmn_files(y).items()
        if source != CASE_SOURCE or y == max(before) for p in ps
    ]  # fmt: skip
    context = [(str(p.relative_to(root)), s.st_size, s.st_mtime_ns)
               for p in earlier + landing.target_files() for s in [p.stat()]]  # fmt: skip
    return YearInputs(year_be, tuple(sorted(files)), rules, tuple(sorted(context)))


def years_with_files(landing: Landing) -> list[int]:
    """Year folders holding at least one BMN file: an empty folder is not a survey year, nor
    one whose only files are case records (they wait for the year's households)."""
    return [y for y in landing.years() if has_survey(landing.bmn_files(y))]


def published_inputs(snapshot: Path) -> dict[int, Published]:
    """The years of the published snapshot with their fingerprints; none before a first publish
    (or in a snapshot from before fingerprints were kept)."""
    if not snapshot.exists():
        return {}
    with duckdb.connect(str(snapshot), read_only=True) as con:
        found = con.execute(
            "SELECT count(*) FROM duckdb_tables() "
            "WHERE schema_name = 'core' AND table_name = 'year_input'"
        ).fetchone()
        if not found[0]:
            return {}
        rows = con.execute(
            "SELECT year_be, fingerprint, files, published_at, run_id FROM core.year_input"
        ).fetchall()
    return {row[0]: Published(*row) for row in rows}
