"""`chipao check FILE…`: what the ingest would do with files, before they are sent.

A district office checks its files before sending them: the files are staged exactly as a run
stages them (ingest/staging.py: the same readers, contract, rules and rules across files, among
the files given) in a temporary folder that is removed afterwards, with a throw-away key: no
warehouse, no pseudonymisation key, nothing written but the report. Rules across files that
need a kind of file not given (a household file checked without its member file) are left out
and said to be, rather than holding every row.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

from ingest.landing import BE_YEARS, CASE_SOURCE, CASES, FOLDERS, unsupported
from ingest.readers import SUFFIXES
from ingest.staging import CASE, HOUSEHOLD, MEMBER, quarantine_rows, stage_year
from schemas.validate import AreaRegister

# Exit codes: every row would load; some rows would be quarantined; a file would be held whole.
WHOLE, ROWS_HELD, REFUSED = 0, 1, 2
# Rules across files that need the other kind of file: left out when it is not given.
NEEDS = {
    MEMBER: ("household_without_members", "member_count_mismatch"),
    HOUSEHOLD: ("member_without_household", "household_rejected", "case_household_unknown"),
}
KINDS = {"households": HOUSEHOLD, "members": MEMBER, "cases": CASE}
# A kind told by the file's name: the generator's and the centres' English and Thai names.
NAMED = (
    (HOUSEHOLD, re.compile(r"household|ครัวเรือน|บ้าน", re.I)),
    (MEMBER, re.compile(r"member|person|สมาชิก|บุคคล", re.I)),
    (CASE, re.compile(r"case|logbook|ช่วยเหลือ", re.I)),
)
YEAR = re.compile(r"(?<!\d)(2[5-7]\d\d)(?!\d)")
# The rows to fix, as the report's workbook lists them.
FIX_COLUMNS = ["file", "row", "column", "rule", "value", "what to fix", "สิ่งที่ต้องแก้ไข"]


class CheckError(ValueError):
    """What the person asked cannot be checked (no such file, no year): one line, exit 2."""


@dataclass(frozen=True)
class FileReport:
    file: str
    source: str
    rows_read: int
    rows_held: int
    file_error: str | None
    rules: list[tuple[str, int, str, str]]  # rule, rows, message in English, in Thai

    @property
    def code(self) -> int:
        if self.file_error and self.rows_held >= self.rows_read:
            return REFUSED
        return ROWS_HELD if self.rows_held else WHOLE


@dataclass(frozen=True)
class CheckReport:
    year_be: int
    files: list[FileReport]
    fixes: pl.DataFrame  # FIX_COLUMNS, identifiers masked
    left_out: list[str]  # rules across files not run, and why

    @property
    def code(self) -> int:
        return max((f.code for f in self.files), default=WHOLE)


@cache
def area_register() -> AreaRegister:
    """Current subdistricts and abolished ones from the DOPA register the warehouse is built
    from (assets/reference.py reads the same package): no warehouse needed."""
    import geothai
    from geothai.abolished import abolished_areas

    subdistricts = [
        s.code
        for p in geothai.provinces()
        for d in geothai.districts(p.code)
        for s in geothai.subdistricts(d.code)
    ]
    abolished = [
        (a.code, a.successors[0] if len(a.successors) == 1 else None)
        for a in abolished_areas()
        if a.level == "subdistrict"
    ]
    return AreaRegister.from_codes(subdistricts, abolished)


def kind_of(path: Path, kind: str | None = None) -> str:
    """households, members or cases: as asked, else the folder it sits in, else its name."""
    if kind:
        return KINDS[kind]
    folders = {sub: source for source, sub in FOLDERS.items()} | {CASES: CASE_SOURCE}
    for parent in path.resolve().parents:
        if parent.name in folders:
            return folders[parent.name]
    for source, pattern in NAMED:
        if pattern.search(path.stem):
            return source
    raise CheckError(
        f"{path}: is it a household, member or case file? say so with --kind households "
        "(or members, cases), or put it in a folder of that name"
    )


def readable(paths: Iterable[Path]) -> list[Path]:
    """The files, each one that exists and that the readers take; else the one line why not."""
    out = []
    for path in paths:
        if not path.is_file():
            raise CheckError(f"{path}: no such file")
        if path.suffix.lower() not in SUFFIXES:
            raise CheckError(f"{path}: {unsupported(path.suffix)}")
        out.append(path)
    return out


def year_of(paths: Iterable[Path], year: int | None = None) -> int:
    """The survey year (BE): as asked, else a BE year in the files' paths (bmn/2567/…,
    households_2567.csv), the same for all."""
    if year is not None:
        if year not in BE_YEARS:
            raise CheckError(f"--year {year}: a survey year is a Buddhist Era year, e.g. 2567")
        return year
    found = set()
    for path in paths:
        years = [int(y) for y in YEAR.findall(str(path.resolve())) if int(y) in BE_YEARS]
        if years:
            found.add(years[-1])
    if len(found) == 1:
        return found.pop()
    raise CheckError(
        "which survey year are the files of? say so with --year 2567"
        + (f" (their paths name {', '.join(map(str, sorted(found)))})" if found else "")
    )


def check_files(
    paths: list[Path],
    *,
    year_be: int,
    kind: str | None = None,
    areas: AreaRegister | None = None,
    workers: int = 1,
    log: Callable[[str], None] = lambda _: None,
) -> CheckReport:
    """Stage ``paths`` as a run would, in a temporary folder, and report what would be held."""
    files: dict[str, list[Path]] = {HOUSEHOLD: [], MEMBER: [], CASE: []}
    for path in readable(paths):
        files[kind_of(path, kind)].append(path.resolve())
    root = Path(os.path.commonpath([p.parent for ps in files.values() for p in ps]))
    with tempfile.TemporaryDirectory(prefix="chipao-check-") as work:
        staged = stage_year(
            files, root=root, year_be=year_be, areas=areas or area_register(),
            key=os.urandom(32), work=Path(work), workers=workers, log=log, keys_only=True,
        )  # fmt: skip
    left_out = [
        f"{', '.join(rules)}: no {'member' if source == MEMBER else 'household'} file given"
        for source, rules in NEEDS.items()
        if not files[source] and any(files.values())
    ]
    skipped = [r for source, rules in NEEDS.items() if not files[source] for r in rules]
    failures = staged.failures.filter(~pl.col("rule").is_in(skipped))
    messages = quarantine_rows(failures, year_be)
    reports = []
    for part in staged.parts:
        mine = messages.filter(pl.col("file") == part.file)
        rules = (
            mine.group_by("rule")
            .agg(
                pl.col("row_index").n_unique().alias("rows"),
                pl.col("message_en").first(),
                pl.col("message_th").first(),
            )
            .sort("rows", "rule", descending=[True, False])
        )
        held = mine["row_index"].drop_nulls().n_unique()
        reports.append(
            FileReport(
                part.file,
                part.source,
                part.rows_read,
                held,
                part.file_error,
                [
                    tuple(r)
                    for r in rules.select("rule", "rows", "message_en", "message_th").iter_rows()
                ],
            )  # fmt: skip
        )
    fixes = messages.sort("file", "row_index", "column_name").select(
        pl.col("file"), pl.col("row_index").alias("row"), pl.col("column_name").alias("column"),
        "rule", "value", pl.col("message_en").alias("what to fix"),
        pl.col("message_th").alias("สิ่งที่ต้องแก้ไข"),
    )  # fmt: skip
    return CheckReport(year_be, reports, fixes, left_out)


def report_lines(report: CheckReport) -> list[str]:
    """The report for the terminal, per file, in English and Thai."""
    lines = []
    for f in report.files:
        verdict = {
            WHOLE: "would load whole / นำเข้าได้ทั้งไฟล์",
            ROWS_HELD: f"{f.rows_held:,} row(s) would be quarantined / {f.rows_held:,} แถวจะถูกกักไว้",
            REFUSED: "would be held whole / ทั้งไฟล์จะถูกกักไว้",
        }[f.code]
        lines.append(f"{f.file}: {f.rows_read:,} rows read / อ่านได้ {f.rows_read:,} แถว; {verdict}")
        if f.file_error:
            lines.append(f"  file: {f.file_error}")
        for rule, rows, en, th in f.rules:
            if rule == "unreadable":
                continue  # the file error above says it
            lines.append(f"  {rule}: {rows:,} row(s) / แถว, e.g. {en}")
            lines.append(f"      {th}")
    for line in report.left_out:
        lines.append(f"not checked / ไม่ได้ตรวจ: {line}")
    return lines


def write_fixes(report: CheckReport, out: Path) -> None:
    """The rows to fix in a workbook: the row numbers are those Excel shows for the file."""
    report.fixes.write_excel(
        out, worksheet="rows to fix", autofit=True, freeze_panes=(1, 0),
        column_widths={"what to fix": 480, "สิ่งที่ต้องแก้ไข": 480},
    )  # fmt: skip
