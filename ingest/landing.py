"""Every file under the landing folder: what the ingest reads, and why each other file is not.

The layout is ``<landing>/bmn/<year BE>/{households,members}/<file>`` (docs/input.md, "Input
layout"), and the case records of a year's households ``<landing>/cases/<year BE>/<file>``.
A file anywhere else under ``<landing>/bmn/`` or directly in ``<landing>/`` is not guessed into
a year: it is listed, with the reason and what to do, in the ledger of the survey year its
folder names (``2565 copy/`` and the CE folder ``2022/`` name 2565), or of every year run when
its path names none. Nothing under landing is silently skipped. Other folders of ``<landing>/``
belong to other sources and are not looked at here; ``cases/`` is read like ``bmn/``.

A symbolic link is followed only when it resolves inside the home folder: a link out of it
(or to nothing) is refused, so that what is loaded is what the home folder holds.

The landing root may be an object-storage prefix (``s3://bucket/landing``, ingest/location.py):
the same layout and the same rules, read through fsspec; an object store has no links.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ingest.location import Location, files_below, is_remote
from ingest.readers import SUFFIXES

FOLDERS = {"bmn_household": "households", "bmn_member": "members"}
# Case records (ThaiQM / TPMAP Logbook) of a survey year's households: <landing>/cases/<year BE>/
CASES, CASE_SOURCE = "cases", "case_record"
# BE survey years the layout accepts as folder names; the catalog's survey_year range.
BE_YEARS = range(2500, 2801)
CE_YEARS = range(1957, 2258)  # the same span in CE: 2500-543 .. 2800-543
YEAR_IN_NAME = re.compile(r"(?<!\d)(\d{4})(?!\d)")
# What to send instead of a file the readers do not take.
INSTEAD = {
    ".xls": "an old Excel .xls workbook: open it in Excel and save it as .xlsx (or CSV UTF-8)",
    ".xlsm": "a macro workbook: save it as .xlsx without macros",
    ".txt": "a .txt file: save it from Excel as 'CSV UTF-8 (Comma delimited) (*.csv)'",
    ".tsv": "a .tsv file: save it from Excel as 'CSV UTF-8 (Comma delimited) (*.csv)'",
    ".zip": "a .zip archive: unpack it and put the files themselves in households/ or members/",
    ".rar": "a .rar archive: unpack it and put the files themselves in households/ or members/",
    ".7z": "a .7z archive: unpack it and put the files themselves in households/ or members/",
    ".ods": "a LibreOffice .ods sheet: save it as .xlsx or CSV (UTF-8)",
}
# The landing folder's own description (`chipao generate` writes one): no delivery.
LANDING_DOCS = re.compile(r"^README(\.\w+)?$", re.I)
# Files the operating system or an editor leaves behind; they are no delivery.
IGNORED = re.compile(r"^(\.DS_Store|Thumbs\.db|desktop\.ini|\.gitkeep|~\$.*|\._.*)$", re.I)


@dataclass(frozen=True)
class Refused:
    """A file under landing that is not read, and why (English, one line, for the ledger)."""

    file: str  # relative to the landing root
    rule: str  # a rule of catalog/rules.yaml: its message says what to do, in Thai too
    reason: str
    source: str = "bmn_household"  # the ledger's source column: the folder it sat in, if any


@dataclass
class Delivery:
    """One survey year's files to read, per source, and the files of it that are refused."""

    files: dict[str, list[Location]] = field(
        default_factory=lambda: {s: [] for s in (*FOLDERS, CASE_SOURCE)}
    )
    refused: list[Refused] = field(default_factory=list)


def has_survey(files: dict[str, list[Path]]) -> bool:
    """A survey year is one with BMN files to read: case files alone are no survey, they wait
    for their year's households (``case_outside_layout``, listed in every year run)."""
    return any(files.get(source) for source in FOLDERS)


def unsupported(suffix: str) -> str:
    suffix = suffix.lower()
    what = INSTEAD.get(suffix, f"a {suffix or 'file without extension'!s} file")
    return f"not read: {what}; the readers take CSV, XLSX and Parquet"


def _link_problem(
    path: Location, home: Path | None, folders: dict[Path, Path] | None = None
) -> str | None:
    """Why a file reached through a link (itself or a folder above it) is not read; ``home``
    resolved once by the caller (a status or a run asks of every file several times); None
    on an object store, which has no links. ``folders`` keeps the caller's resolved folders:
    a file that is no link is where its resolved folder is, without resolving every file's
    path again (a run lists a landing of thousands of files several times)."""
    if home is None:
        return None
    if folders is None or path.is_symlink():
        target = path.resolve()
    else:
        parent = folders.get(path.parent)
        if parent is None:
            parent = folders[path.parent] = path.parent.resolve()
        target = parent / path.name
    if not target.exists():
        return f"a link to {target.name}, which does not exist: copy the file itself here"
    if not target.is_relative_to(home):
        return "a link to a file outside CHIPAO_HOME: copy the file itself into landing/"
    return None


def _files(folder: Location) -> list[Location]:
    """Every file below ``folder`` in name order, through linked folders too (each real
    folder once), links to files included, dangling ones too."""
    if is_remote(folder):
        return [p for p in files_below(folder) if not IGNORED.match(p.name)]
    if not folder.is_dir():
        return []
    found, seen = [], set()
    for top, dirs, names in os.walk(folder, followlinks=True):
        real = os.path.realpath(top)
        if real in seen:  # a link back up the tree
            dirs.clear()
            continue
        seen.add(real)
        found += [Path(top) / n for n in names if not IGNORED.match(n)]  # dangling links too
    return sorted(found)


def year_folders(root: Location) -> list[int]:
    """The BE survey-year folders of ``<root>/bmn``."""
    bmn = root / "bmn"
    if not bmn.is_dir():
        return []
    return sorted(
        int(p.name)
        for p in bmn.iterdir()
        if p.is_dir() and p.name.isdigit() and int(p.name) in BE_YEARS
    )


def _home(root: Location, home: Path | None) -> Path | None:
    """The folder links must stay in (resolved); None for an object store."""
    if is_remote(root):
        return None
    return (home if home is not None else root.parent).resolve()


def delivery(root: Location, year_be: int, home: Path | None = None) -> Delivery:
    """The files of ``<root>/bmn/<year_be>/`` to read, and the refused ones of that folder."""
    home = _home(root, home)
    out = Delivery()
    folder = root / "bmn" / str(year_be)
    by_folder = {sub: source for source, sub in FOLDERS.items()}
    folders: dict[Path, Path] = {}
    for path in _files(folder):
        name = str(path.relative_to(root))
        parts = path.relative_to(folder).parts
        # the ledger's source: the folder it sat in, households when none
        source = by_folder.get(parts[0], "bmn_household")
        link = _link_problem(path, home, folders)
        if link:
            out.refused.append(Refused(name, "symlink_refused", link, source))
        elif len(parts) != 2 or parts[0] not in by_folder:
            where = "/".join(parts[:-1]) or "the year folder itself"
            out.refused.append(Refused(
                name, "outside_layout",
                f"in {where}, not in households/ or members/: move it there", source,
            ))  # fmt: skip
        elif path.suffix.lower() not in SUFFIXES:
            out.refused.append(Refused(name, "unsupported_file", unsupported(path.suffix), source))
        else:
            out.files[source].append(path)
    _case_files(root, year_be, home, out)
    return out


def _case_files(root: Location, year_be: int, home: Path | None, out: Delivery) -> None:
    """The case files of ``<root>/cases/<year_be>/``: files directly in it, CSV, XLSX or Parquet."""
    folder = root / CASES / str(year_be)
    folders: dict[Path, Path] = {}
    for path in _files(folder):
        name = str(path.relative_to(root))
        parts = path.relative_to(folder).parts
        link = _link_problem(path, home, folders)
        if link:
            out.refused.append(Refused(name, "symlink_refused", link, CASE_SOURCE))
        elif len(parts) != 1:
            out.refused.append(Refused(
                name, "case_outside_layout",
                f"in {'/'.join(parts[:-1])}, not directly in cases/{year_be}/: move it there",
                CASE_SOURCE,
            ))  # fmt: skip
        elif path.suffix.lower() not in SUFFIXES:
            out.refused.append(
                Refused(name, "unsupported_file", unsupported(path.suffix), CASE_SOURCE)
            )
        else:
            out.files[CASE_SOURCE].append(path)


def _case_strays(root: Location, years: set[int]) -> list[tuple[int | None, Refused]]:
    """Files under ``<root>/cases`` outside every survey year's folder: a folder that is not a
    BE year (named for one: listed under it), or a year with no BMN folder (every year run)."""
    cases = root / CASES
    found: list[tuple[int | None, Refused]] = []
    for path in _files(cases):
        relative = path.relative_to(cases).parts
        top = relative[0]
        if top.isdigit() and int(top) in years:
            continue
        match = YEAR_IN_NAME.search(top) if len(relative) > 1 else None
        year = int(match.group(1)) if match else None
        if year is not None and top.isdigit() and year in BE_YEARS:
            year = None
            reason = (
                f"cases/{top}/ waits for its survey year: bmn/{top}/ has no BMN files to read; "
                "the case files are loaded with them"
            )
        elif year is not None and year in CE_YEARS:
            year += 543
            reason = f"folder '{top}' is not a BE survey year: move the files to cases/{year}/"
        elif year is not None and year in BE_YEARS:
            reason = f"folder '{top}' is not a survey year: move the files to cases/{year}/"
        else:
            year, reason = None, "not in a survey-year folder: case files go in cases/<year BE>/"
        found.append((year, Refused(str(path.relative_to(root)), "case_outside_layout", reason,
                                    CASE_SOURCE)))  # fmt: skip
    return found


def survey_years(root: Location) -> list[int]:
    """The BE year folders of ``<root>/bmn`` that hold BMN files to read (``has_survey``)."""
    return [y for y in year_folders(root) if has_survey(delivery(root, y).files)]


def waiting_cases(root: Location) -> list[str]:
    """One line per ``cases/<year BE>/`` folder with files but no survey year to load them
    with, for the command line: the year is not run, its ledger lines are in every year run."""
    cases, years = root / CASES, set(survey_years(root))
    if not cases.is_dir():
        return []
    return [
        f"{p}: case files but no BMN files for {p.name} (bmn/{p.name}/): not a survey year, "
        "not run; they wait for its households (case_outside_layout in the ledger)"
        for p in sorted(cases.iterdir())
        if p.is_dir() and p.name.isdigit() and int(p.name) in BE_YEARS
        and int(p.name) not in years and _files(p)
    ]  # fmt: skip


def strays(root: Location) -> list[tuple[int | None, Refused]]:
    """Files under ``<root>/bmn`` outside every BE year folder, and files in ``<root>`` itself,
    each with the survey year its folder names (None: none)."""
    years = set(year_folders(root))
    found: list[tuple[int | None, Refused]] = []
    loose = sorted(
        p
        for p in root.glob("*")
        if p.is_file() and not IGNORED.match(p.name) and not LANDING_DOCS.match(p.name)
    )
    for path in loose:
        found.append((None, Refused(
            path.name, "outside_layout",
            "directly in landing/: BMN files go in landing/bmn/<year BE>/households/ or members/",
        )))  # fmt: skip
    bmn = root / "bmn"
    for path in _files(bmn):
        top = path.relative_to(bmn).parts[0]
        if top.isdigit() and int(top) in years:
            continue
        name = str(path.relative_to(root))
        match = YEAR_IN_NAME.search(top) if len(path.relative_to(bmn).parts) > 1 else None
        year = int(match.group(1)) if match else None
        if year is not None and top.isdigit() and year in CE_YEARS:
            reason = (
                f"folder {top} is a CE year: survey-year folders are Buddhist Era; move the "
                f"files to bmn/{year + 543}/ (nothing was loaded from bmn/{top}/)"
            )
            year += 543
        elif year is not None and year in BE_YEARS:
            reason = f"folder '{top}' is not a survey year: move the files to bmn/{year}/"
        else:
            year = None
            reason = f"'{top}' is not a survey-year folder: BMN files go in bmn/<year BE>/"
        found.append((year, Refused(name, "outside_layout", reason)))
    return found + _case_strays(root, set(survey_years(root)))


def ce_folders(root: Location) -> list[str]:
    """One line per CE year folder of ``<root>/bmn``: what is wrong, for the command line."""
    bmn = root / "bmn"
    if not bmn.is_dir():
        return []
    return [
        f"{p}: {p.name} is a CE year; survey-year folders are Buddhist Era "
        f"(bmn/{int(p.name) + 543}/): nothing is loaded from it"
        for p in sorted(bmn.iterdir())
        if p.is_dir() and p.name.isdigit() and int(p.name) in CE_YEARS
    ]


def ce_folder_hint(root: Location, year_be: int) -> str | None:
    """When ``<root>/bmn/<year_be - 543>/`` exists, the line that says it was seen and where its
    files belong: a year asked for as BE whose files sit under its CE number."""
    ce = year_be - 543
    if not (root / "bmn" / str(ce)).is_dir():
        return None
    return (
        f"bmn/{ce}/ was seen: {ce} looks like a CE year; survey-year folders are Buddhist Era, "
        f"so move its files to bmn/{year_be}/"
    )


def refused_for(root: Location, year_be: int, home: Path | None = None) -> list[Refused]:
    """The refused files listed in the ledger of ``year_be``: its own folder's, and the strays
    that name it or no year at all."""
    own = delivery(root, year_be, home).refused
    return own + [r for year, r in strays(root) if year in (None, year_be)]


def not_read(root: Location) -> list[str]:
    """One line per file under landing that no year's run would read, for the command line
    when no survey year has a file to load (their ledgers are then never written)."""
    refused = [r for year in year_folders(root) for r in delivery(root, year).refused]
    refused += [r for _, r in strays(root)]
    return [f"{r.file}: {r.reason}" for r in refused]
