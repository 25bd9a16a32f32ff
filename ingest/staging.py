"""Stage one survey year of BMN files: one pseudonymised part per file, then the rules across files.

Each delivered file is read once (hashed and parsed from the same bytes), normalised, validated
and pseudonymised on its own, and written as Parquet parts beside a JSON manifest:

    <work>/<year_be>/<fingerprint>/<stem>.rows.parquet       rows that passed, raw IDs replaced
    <work>/<year_be>/<fingerprint>/<stem>.keys.parquet       the house key of every row delivered
    <work>/<year_be>/<fingerprint>/<stem>.failures.parquet   failed (row, column, rule), masked
    <work>/<year_be>/<fingerprint>/<stem>.json               rows read, file error, timings

so memory is bounded by the largest file, not the year, and files can be staged by several
processes, or on a Dask cluster (ingest/spread.py): one task per file. ``<work>`` may be an
object-storage prefix (ingest/location.py): a part is then written on the staging process's disk
and uploaded, and the writer copies the year's parts to its disk before the rules across files.
The fingerprint covers everything a part depends on besides the file (the key, the catalogs,
the area register, this module's version): a file already staged under the same fingerprint
is not read again, and one whose size and modification time did not change is not even opened.
The rules that span files then run in DuckDB over the parts (sql/staging/cross_rules.sql), in
this order, each on what the previous left: duplicate
households; member count against the member file; members whose household is missing or
rejected; one person in two households; the same person twice; households left without members.
Every input row ends up either staged or in the failures, and the ledger says so per file.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from functools import cache, partial
from importlib.resources import files as package_files
from pathlib import Path

import duckdb
import polars as pl

import sql
from ingest.landing import Refused
from ingest.location import (
    Location,
    fetch,
    is_remote,
    names_in,
    remove,
    size_and_mtime,
    upload,
)
from ingest.masking import mask_expr, mask_text
from ingest.progress import Throughput
from ingest.pseudonymise import KeyRef, key_digest, key_params, key_sql, worker_key
from ingest.readers import SEPARATOR_NAMES, UnreadableFile, read_file, sha256_of
from ingest.spread import Spread, worker_pool
from schemas import catalog
from schemas.normalise import clean_text, header_aliases, whole_code
from schemas.rules import rule_messages
from schemas.validate import CASE_DATES, EXTRA_CELLS, AreaRegister, check_rows

HOUSEHOLD, MEMBER, CASE = "bmn_household", "bmn_member", "case_record"
__all__ = ["worker_pool"]  # staging's process pool lives in ingest/spread.py now
FAILURE_COLUMNS = {
    "source": pl.Utf8, "file": pl.Utf8, "sha256": pl.Utf8, "row_index": pl.Int64,
    "column_name": pl.Utf8, "rule": pl.Utf8, "value": pl.Utf8,
}  # fmt: skip
# Replaced before anything is written: survey_year by the year of the folder, birth_date by age,
# the case records' BE dates by CE dates (schemas/validate.py CASE_DATES).
REPLACED = ("survey_year", "birth_date", *CASE_DATES)
# Columns validation adds to the catalog's: where an abolished village code was mapped, the age.
DERIVED = {HOUSEHOLD: ("village_code_sent",), MEMBER: ("age",), CASE: tuple(CASE_DATES.values())}
KEYS = {
    HOUSEHOLD: {"household_key": ("house_code", "house")},
    MEMBER: {"household_key": ("house_code", "house"), "person_key": ("citizen_id", "person")},
    CASE: {"household_key": ("house_code", "house")},
}


def direct_identifiers(source: str) -> list[str]:
    """Columns whose values are never written anywhere but the landing folder."""
    return [f.name for f in catalog.sources()[source].fields if f.pii == "direct"]


def staged_columns(source: str) -> list[str]:
    """What a staged row carries: lineage, pseudonyms, the catalog's fields, derived columns."""
    fields = [
        f.name
        for f in catalog.sources()[source].fields
        if f.pii != "direct" and f.name not in REPLACED
    ]
    return ["file", "row_index", *KEYS[source], *fields, *DERIVED[source]]


@dataclass(frozen=True)
class YearContext:
    """All that staging a file of the year needs; sent to worker processes as it is."""

    year_be: int
    areas: AreaRegister
    key: bytes
    reference_day: date
    folder: Location  # <work>/<year_be>/<fingerprint>: a folder, or an object-storage prefix
    # `chipao check`: the row parts keep only what the rules across files read, not the row
    keys_only: bool = False


# What the rules across files read of a staged row (sql/staging/cross_rules.sql, case_rules.sql).
CROSS_FILE_COLUMNS = ("file", "row_index", "members_declared", "indicator_code", "current")


@dataclass
class Part:
    """One delivered file as staged: its manifest, saved beside its Parquet parts."""

    source: str
    file: str  # path relative to the landing root, as people see it
    sha256: str
    size: int
    mtime_ns: int
    rows_read: int = 0
    rows_valid: int = 0
    file_error: str | None = None
    encoding: str | None = None
    header_row: int | None = None
    separator: str | None = None
    sheet: str | None = None
    header_rows: int | None = None  # 2: names and labels on two rows
    header_map: dict[str, str] = field(default_factory=dict)  # header as sent -> field
    timings: dict[str, float] = field(default_factory=dict)  # read, validate, pseudonymise, write
    duplicate_of: str | None = None  # set per year: the earlier file with the same content
    ignored_columns: list[str] = field(default_factory=list)  # header names of no field
    # provinces the file is of: its house codes' first two digits (read or not), else a
    # province code its name holds; for the rule on a province held whole (missing_provinces)
    provinces: list[str] = field(default_factory=list)
    refused: str | None = None  # not read (ingest/landing.py): the rule that says why

    @property
    def stem(self) -> str:
        # content and name: two files with the same bytes each keep their own lineage
        return f"{self.sha256[:32]}-{hashlib.sha256(self.file.encode()).hexdigest()[:8]}"

    def path(self, folder: Path, kind: str) -> Path:
        return folder / f"{self.stem}.{kind}.parquet"

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


@dataclass
class StagedYear:
    """The staged parts of a year and the outcome of every rule, ready to be loaded."""

    folder: Path
    parts: list[Part]  # every delivered file, in delivery order
    failures: pl.DataFrame  # FAILURE_COLUMNS, identifiers masked
    ledger: pl.DataFrame  # per file: rows read, staged, quarantined, file error, seconds
    timings: dict[str, float] = field(default_factory=dict)  # read, validate, pseudonymise, ...
    staged_files: int = 0  # files read this time; the others were staged already

    @property
    def validation_seconds(self) -> float:
        """Normalising and checking rows, and the rules across rows."""
        return self.timings.get("validate", 0.0)

    def part_paths(self, source: str) -> list[str]:
        """The row parts of the files whose rows count (not duplicates, not unreadable)."""
        return [
            str(p.path(self.folder, "rows"))
            for p in self.parts
            if p.source == source and p.duplicate_of is None and p.rows_valid
        ]

    def held(self, source: str) -> pl.DataFrame:
        """(file, row_index) of the rows of ``source`` held by any rule."""
        return (
            self.failures.filter((pl.col("source") == source) & pl.col("row_index").is_not_null())
            .select("file", "row_index")
            .unique()
        )

    def rows(self, source: str) -> pl.DataFrame:
        """The staged rows of a source, as the warehouse receives them (for tests, notebooks)."""
        paths = self.part_paths(source)
        if not paths:
            return pl.DataFrame(schema={c: pl.Utf8 for c in staged_columns(source)})
        with duckdb.connect() as con:
            con.register("held", self.held(source))
            return con.sql(
                "FROM read_parquet($parts) ANTI JOIN held USING (file, row_index) "
                "ORDER BY file, row_index",
                params={"parts": paths},
            ).pl()


def fingerprint(key: bytes, areas: AreaRegister, reference_day: date) -> str:
    """What a staged part depends on besides its file: the code and catalogs that make it, the
    key, the area register, the reference day. The key enters only through a hash, so the
    folder name says nothing of it."""
    digest = hashlib.sha256()
    for package, pattern in (("ingest", "*.py"), ("schemas", "*.py"), ("schemas", "catalog/*")):
        for path in sorted(Path(str(package_files(package))).glob(pattern)):
            digest.update(path.read_bytes())
    digest.update(hashlib.sha256(key + b"\x00fingerprint").digest())
    digest.update(" ".join(sorted(areas.subdistricts)).encode())
    digest.update(json.dumps(sorted(areas.successor.items())).encode())
    digest.update(" ".join(sorted(areas.ambiguous)).encode())
    digest.update(reference_day.isoformat().encode())
    return digest.hexdigest()[:16]


def provinces_of(text: pl.DataFrame) -> list[str]:
    """The province codes of a file's house codes, as delivered (valid or not)."""
    if "house_code" not in text.columns:
        return []
    codes = whole_code(clean_text(pl.col("house_code"))).str.slice(0, 2).unique()
    found = text.select(codes).to_series().drop_nulls()
    return sorted(found.filter(found.str.contains(r"^\d\d$")).to_list())


PROVINCE_IN_NAME = re.compile(r"(?<!\d)(\d{2})(?!\d)")


def provinces_named(name: str, areas: AreaRegister) -> list[str]:
    """Province codes a file's path names (``…_58_households.csv``): for a file not read."""
    known = {code[:2] for code in areas.subdistricts}
    return sorted({c for c in PROVINCE_IN_NAME.findall(name) if c in known})


def _failure(part: Part, rule: str, value: str | None) -> pl.DataFrame:
    row = {"source": part.source, "file": part.file, "sha256": part.sha256, "row_index": None,
           "column_name": None, "rule": rule, "value": value}  # fmt: skip
    return pl.DataFrame([row], schema=FAILURE_COLUMNS)


def mask(failures: pl.DataFrame) -> pl.DataFrame:
    """Values of identifier columns, and cells beyond the header, keep only their length; in
    every other column, identifiers typed there are masked by value (ingest/masking.py)."""
    direct = {f"{s}.{c}" for s in catalog.sources() for c in direct_identifiers(s)}
    direct |= {f"{s}.{EXTRA_CELLS}" for s in catalog.sources()}
    qualified = pl.col("source") + "." + pl.col("column_name").fill_null("")
    return failures.with_columns(
        pl.when(qualified.is_in(sorted(direct)))
        .then(pl.col("value").str.replace_all(r"\S", "*"))
        .otherwise(mask_expr(pl.col("value")))
        .alias("value")
    )


@contextmanager
def _duckdb(memory_limit: str, spill: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute(f"SET temp_directory = '{spill}'")
        yield con
    finally:
        con.close()


@cache
def _file_connection(threads: int | None) -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB per process for the files it stages: opening one costs more than
    pseudonymising and writing a small file."""
    con = duckdb.connect(config={"threads": threads} if threads else {})
    con.execute("SET enable_progress_bar = false")
    return con


def _write_parquet(con: duckdb.DuckDBPyConnection, query: str, params: dict, path: Path) -> None:
    """COPY a query to ``path`` via a temporary name, so a part is there whole or not at all."""
    partial = path.with_name(path.name + ".partial")
    con.execute(f"COPY ({query}) TO '{partial}' (FORMAT parquet)", params)
    partial.replace(path)


def _save(part: Part, folder: Path, failures: pl.DataFrame) -> Part:
    part.file_error = mask_text(part.file_error)  # it may quote cells of the file
    mask(failures).cast(FAILURE_COLUMNS).write_parquet(part.path(folder, "failures"))
    manifest = folder / f"{part.stem}.json"
    partial = manifest.with_name(manifest.name + ".partial")
    partial.write_text(json.dumps(asdict(part)), encoding="utf-8")
    partial.replace(manifest)  # last: a manifest means every part of the file is there
    return part


def load_part(folder: Location, stem: str) -> Part | None:
    manifest = folder / f"{stem}.json"
    if not manifest.is_file():
        return None
    return Part(**json.loads(manifest.read_text(encoding="utf-8")))


def stage_file(
    task: tuple[str, Location, str], ctx: YearContext, threads: int | None = None
) -> Part:
    """Read, normalise, validate, pseudonymise and write one delivered file.

    Into an object-storage prefix, the parts are written on this machine's disk first and
    uploaded, the manifest last: a manifest there means the whole part is there."""
    if not is_remote(ctx.folder):
        return _stage_file(task, ctx, ctx.folder, threads)
    with tempfile.TemporaryDirectory(prefix="chipao-part-") as scratch:
        part = _stage_file(task, ctx, Path(scratch), threads)
        written = sorted(p.name for p in Path(scratch).iterdir())
        if written:  # nothing written: staged before, found in the prefix
            manifest = f"{part.stem}.json"
            upload(Path(scratch), ctx.folder, [n for n in written if n != manifest] + [manifest])
    return part


def stage_with_worker_key(task: tuple[str, Location, str], ctx: YearContext, ref: KeyRef) -> Part:
    """``stage_file`` on a Dask worker: ``ctx`` came without the key, which the worker reads
    from its own environment or the key file (ingest/pseudonymise.py ``worker_key``). An error
    leaves with its identifiers masked: Dask logs a failed task's error on the worker and the
    scheduler."""
    try:
        return stage_file(task, replace(ctx, key=worker_key(ref)), threads=1)
    except Exception as err:  # noqa: BLE001 - re-raised, masked
        raise RuntimeError(f"staging {task[2]}: {mask_text(str(err))}") from None


def _stage_file(
    task: tuple[str, Location, str], ctx: YearContext, out: Path, threads: int | None
) -> Part:
    """``stage_file``, its parts written into the local folder ``out``."""
    source_name, path, name = task
    source = catalog.sources()[source_name]
    stat = path.stat()
    started = time.perf_counter()
    sha, table = read_file(
        path, expected=header_aliases(source), encoding=source.encoding, sheet=source.sheet
    )
    part = Part(source_name, name, sha, stat.st_size, stat.st_mtime_ns)
    known = load_part(ctx.folder, part.stem)
    if known is not None:  # the same bytes under the same name, staged before: only re-dated
        return replace(known, size=part.size, mtime_ns=part.mtime_ns)
    part.timings["read"] = time.perf_counter() - started
    if isinstance(table, UnreadableFile):
        part.file_error = str(table)
        part.provinces = provinces_named(name, ctx.areas)
        return _save(part, out, _failure(part, "unreadable", str(table)))
    text = table.frame.with_columns(pl.lit(name).alias("file"), pl.lit(sha).alias("sha256"))
    part.rows_read = text.height
    part.encoding, part.header_row, part.header_rows = (
        table.encoding,
        table.header_row,
        table.header_rows,
    )
    part.separator, part.sheet, part.header_map = table.separator, table.sheet, table.header_map
    part.ignored_columns = list(table.ignored)
    part.provinces = provinces_of(text) or provinces_named(name, ctx.areas)
    other = _other_source(source_name, text.columns)
    if other is not None:
        part.file_error = (
            f"a {catalog.sources()[other].title_en.split(' (')[0]} (its header has "
            f"{', '.join([c for c in _only_in(other, source_name) if c in text.columns][:2])}): "
            f"move it to "
            f"{_FOLDERS[other]}/ (nothing of it was loaded)"
        )
        return _save(
            part, out, _every_row(text, source_name, None, "wrong_folder", _FOLDERS[other])
        )
    missing = [f.name for f in source.fields if f.required and f.name not in text.columns]
    if missing:
        part.file_error = f"missing required column(s): {', '.join(missing)}; {table.how_read()}"
        return _save(part, out, _every_row(text, source_name, missing[0], "missing_column", None))
    if text.height == 0:
        part.file_error = "no data rows"
        return _save(part, out, _failure(part, "no_rows", None))

    started = time.perf_counter()
    text = text.with_columns(
        *(pl.lit(None, pl.Utf8).alias(f.name) for f in source.fields if f.name not in text.columns),
        pl.col("row_index").cast(pl.UInt32),  # as the validators number rows
    )
    # cells broken in reading (a stray byte, a cut quote) or too long hold their rows, which
    # are not validated further: the rest of the file loads
    oversized = oversized_cells(text)
    if table.damaged is not None and table.damaged.height:
        oversized = pl.concat([table.damaged.cast(oversized.schema), oversized])
    checked = check_rows(
        text.join(oversized.select("row_index"), on="row_index", how="anti")
        if oversized.height
        else text,
        source,
        year_be=ctx.year_be,
        areas=ctx.areas,
        reference_day=ctx.reference_day,
        possible_repairs=table.repairs,
    )
    rows = checked.rows.with_columns(
        pl.lit(None, pl.Utf8).alias(c)
        for c in DERIVED[source_name]
        if c not in checked.rows.columns
    )
    # the house code of every row delivered, valid or not, counts for the rules across files
    delivered = text.select(
        "file", "row_index", whole_code(clean_text(pl.col("house_code"))).alias("house_code")
    )
    failures = pl.concat([checked.failures, oversized]).select(
        pl.lit(source_name).alias("source"), pl.lit(name).alias("file"),
        pl.lit(sha).alias("sha256"), pl.col("row_index").cast(pl.Int64),
        pl.col("column").alias("column_name"), "rule", "value",
    )  # fmt: skip
    part.rows_valid = rows.height
    part.timings["validate"] = time.perf_counter() - started

    started = time.perf_counter()
    # parts cut to the keys are thrown away after `chipao check`: a fast 64-bit hash tells
    # equal codes as well as the keyed HMAC does, and no pseudonym of them is kept
    params = {} if ctx.keys_only else key_params(ctx.key, "house", "person")
    pseudonym = (lambda column, _: f"hash({column}::VARCHAR)") if ctx.keys_only else key_sql
    # each distinct house code is hashed once, for the rows and the delivered keys alike
    keys = ["h.household_key"] + [
        f"{pseudonym(column, purpose)} AS {k}"
        for k, (column, purpose) in KEYS[source_name].items()
        if k != "household_key"
    ]
    plain = [
        "r.row_index::BIGINT AS row_index" if c == "row_index" else f"r.{c}"
        for c in staged_columns(source_name)
        if c not in KEYS[source_name] and (not ctx.keys_only or c in CROSS_FILE_COLUMNS)
    ]
    con = _file_connection(threads)
    con.register("rows", rows)
    con.register("delivered", delivered)
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE house AS SELECT house_code, "
            f"{pseudonym('house_code', 'house')} AS household_key FROM "
            "(SELECT house_code FROM rows UNION SELECT house_code FROM delivered) "
            "WHERE house_code IS NOT NULL",
            {k: v for k, v in params.items() if k.startswith("house_")},
        )
        person = {k: v for k, v in params.items() if k.startswith("person_")}
        _write_parquet(
            con,
            f"SELECT {', '.join(keys)}, {', '.join(plain)} FROM rows AS r "
            "LEFT JOIN house AS h USING (house_code) ORDER BY r.row_index",
            person if source_name == MEMBER else {},
            part.path(out, "rows"),
        )
        _write_parquet(
            con,
            "SELECT d.file, d.row_index::BIGINT AS row_index, h.household_key "
            "FROM delivered AS d LEFT JOIN house AS h USING (house_code) ORDER BY d.row_index",
            {},
            part.path(out, "keys"),
        )
    finally:
        con.unregister("rows")
        con.unregister("delivered")
    part.timings["pseudonymise"] = time.perf_counter() - started
    return _save(part, out, failures)


_FOLDERS = {HOUSEHOLD: "households", MEMBER: "members"}
# Longer than Excel allows in a cell (32,767 characters): no value of the contract, and a row
# that holds one is held (a pasted document, a broken quote) while the rest of the file loads.
MAX_CELL_CHARS = 32_767


def _only_in(source: str, other: str) -> list[str]:
    """Required columns of ``source`` that ``other`` does not have: what tells them apart."""
    theirs = set(catalog.sources()[other].names)
    return [f.name for f in catalog.sources()[source].fields if f.required and f.name not in theirs]


def _other_source(source: str, columns: list[str]) -> str | None:
    """The other source, when the header has its distinctive columns and lacks this one's."""
    for other in _FOLDERS:
        if other == source:
            continue
        theirs = [c for c in _only_in(other, source) if c in columns]
        if len(theirs) >= 2 and not any(c in columns for c in _only_in(source, other)):
            return other
    return None


def _every_row(
    text: pl.DataFrame, source: str, column: str | None, rule: str, value: str | None
) -> pl.DataFrame:
    """Every row of a file held by one file-level reason."""
    return text.select(
        pl.lit(source).alias("source"), "file", "sha256", "row_index",
        pl.lit(column, pl.Utf8).alias("column_name"), pl.lit(rule).alias("rule"),
        pl.lit(value, pl.Utf8).alias("value"),
    )  # fmt: skip


def oversized_cells(text: pl.DataFrame) -> pl.DataFrame:
    """(row_index, column, rule, value) of cells longer than MAX_CELL_CHARS; bytes are counted
    first, a cheap bound on characters, so a file without any long cell costs one pass."""
    cells = [c for c, t in text.schema.items() if t == pl.Utf8 and c not in ("file", "sha256")]
    longest = text.select(pl.col(cells).str.len_bytes().max()).row(0) if cells else ()
    suspects = [c for c, n in zip(cells, longest, strict=True) if n and n > MAX_CELL_CHARS]
    found = [
        text.filter(pl.col(c).str.len_chars() > MAX_CELL_CHARS).select(
            pl.col("row_index").cast(pl.UInt32),
            pl.lit(c).alias("column"),
            pl.lit("cell_too_long").alias("rule"),
            (pl.col(c).str.len_chars().cast(pl.Utf8) + " characters").alias("value"),
        )  # fmt: skip
        for c in suspects
    ]
    schema = {"row_index": pl.UInt32, "column": pl.Utf8, "rule": pl.Utf8, "value": pl.Utf8}
    return pl.concat(found) if found else pl.DataFrame(schema=schema)


def _files_index(folder: Location) -> dict[str, dict]:
    index = folder / "index.json"
    return json.loads(index.read_text(encoding="utf-8")) if index.is_file() else {}


def _save_index(folder: Location, parts: list[Part]) -> None:
    entries = {p.file: {"size": p.size, "mtime_ns": p.mtime_ns, "stem": p.stem} for p in parts}
    (folder / "index.json").write_text(json.dumps(entries, indent=0), encoding="utf-8")


def _unchanged(folder: Location, index: dict[str, dict], path: Location, name: str) -> Part | None:
    """The part of a file whose size and modification time are those recorded: not opened."""
    entry = index.get(name)
    if entry is None:
        return None
    stat = path.stat()
    if (entry["size"], entry["mtime_ns"]) != (stat.st_size, stat.st_mtime_ns):
        return None
    return load_part(folder, entry["stem"])


def _part_files(folder: Location, parts: list[Part]) -> list[str]:
    """The names of the files under ``folder`` that belong to ``parts`` (one listing)."""
    keep = {p.stem for p in parts}
    return [name for name in names_in(folder) if name.split(".", 1)[0] in keep]


def _prune(year_folder: Location, current: Location, parts: list[Part]) -> None:
    """Parts of files no longer delivered, and of other fingerprints, go: nothing stale stays."""
    for other in year_folder.iterdir():
        if other.is_dir() and other.name != current.name:
            remove(other)
    keep = {p.stem for p in parts}
    for path in current.iterdir():
        if path.name != "index.json" and path.name.split(".", 1)[0] not in keep:
            remove(path)


def _stage_all(
    tasks: list[tuple[str, Location, str]],
    ctx: YearContext,
    spread: Spread,
    log: Callable[[str], None],
    key_file: str | None = None,
) -> list[Part]:
    """Stage the files where ``spread`` runs them, one unit per file; results in task order.

    On Dask the context travels without the key, in the task graph the scheduler and its
    dashboard see: a worker reads the key itself and checks it against the digest sent
    (``stage_with_worker_key``). Progress goes to ``log`` as throughput lines
    (ingest/progress.py): files against the total, with the time left, and rows read per
    second."""
    files = Throughput("files", len(tasks), log, unit="files")
    rows = Throughput("rows", None, log, unit="rows")

    def done(part: Part) -> None:
        rows.advance(part.rows_read)
        files.advance()

    if spread.on_dask:
        ref = KeyRef(key_digest(ctx.key), key_file)
        unit = partial(stage_with_worker_key, ctx=replace(ctx, key=b""), ref=ref)
    else:
        unit = partial(stage_file, ctx=ctx, threads=None if spread.in_process else 1)
    if not spread.in_process and tasks:
        log(f"staging {len(tasks)} files on {spread.describe()}")
    results = spread.map(unit, tasks, done)
    rows.finish()
    return results


def _cross_rules(con: duckdb.DuckDBPyConnection, staged: StagedYear) -> pl.DataFrame:
    """The rules across rows and files, over the parts (sql/staging/cross_rules.sql).

    Each part is read with its file's number in delivery order as a literal column, so the
    rules join and sort on integers; names and hashes come back once, for the held rows."""
    order = pl.DataFrame(
        {"file": [p.file for p in staged.parts], "file_no": list(range(len(staged.parts))),
         "sha256": [p.sha256 for p in staged.parts]},
        schema={"file": pl.Utf8, "file_no": pl.Int32, "sha256": pl.Utf8},
    )  # fmt: skip
    con.register("order", order)
    usable = [(n, p) for n, p in enumerate(staged.parts) if p.duplicate_of is None and p.rows_read]
    views = {
        "h_rows": ("rows", HOUSEHOLD, "row_index, household_key, members_declared"),
        "m_rows": ("rows", MEMBER, "row_index, household_key, person_key"),
        "h_keys": ("keys", HOUSEHOLD, "row_index, household_key"),
        "m_keys": ("keys", MEMBER, "row_index, household_key"),
        "c_rows": ("rows", CASE, "row_index, household_key, indicator_code, current"),
    }
    typed = {"members_declared": "INTEGER", "indicator_code": "VARCHAR", "current": "INTEGER"}
    for view, (kind, source, columns) in views.items():
        reads = [
            f"SELECT {n}::INTEGER AS file_no, {columns} FROM read_parquet("
            + "'"
            + str(p.path(staged.folder, kind)).replace("'", "''")
            + "')"
            for n, p in usable
            if p.source == source and p.path(staged.folder, kind).is_file()
        ]
        if not reads:
            nulls = ", ".join(
                f"NULL::{typed.get(c.strip(), 'BIGINT')} AS {c.strip()}" for c in columns.split(",")
            )
            reads = [f"SELECT NULL::INTEGER AS file_no, {nulls} WHERE false"]
        con.execute(f"CREATE TEMP VIEW {view} AS " + " UNION ALL ".join(reads))
    con.execute(sql.load("staging/cross_rules"))
    con.execute(sql.load("staging/case_rules"))
    return con.sql(
        "SELECT h.source, o.file, o.sha256, h.row_index, h.column_name, h.rule, h.value "
        'FROM held AS h JOIN "order" AS o USING (file_no) ORDER BY h.step, h.file_no, h.row_index',
    ).pl()


def stage_year(
    files: dict[str, list[Path]],
    *,
    root: Path,
    year_be: int,
    areas: AreaRegister,
    key: bytes,
    work: Location,
    workers: int = 1,
    memory_limit: str = "4GB",
    log: Callable[[str], None] = lambda _: None,
    refused: Iterable[Refused] = (),
    keys_only: bool = False,
    spread: Spread | None = None,
    key_file: str | None = None,
    copy: Path | None = None,
) -> StagedYear:
    """Stage every household and member file of one survey year under ``work``.

    ``keys_only`` (for `chipao check`, whose parts are thrown away): the row parts keep only
    what the rules across files read, so they cannot be loaded.

    ``workers`` processes stage files in parallel (spawned: a script that calls this with
    workers > 1 needs the ``if __name__ == "__main__":`` guard); the rules across files run in
    one DuckDB that spills to ``work``/spill beyond ``memory_limit``. ``spread`` (when given,
    instead of ``workers``) runs the files elsewhere: on a Dask cluster, whose workers read the
    key from their environment or ``key_file``. ``work`` on object storage: the year's parts
    are copied to ``copy`` on this machine for the rules across files and the load. The
    ``refused`` files (ingest/landing.py: outside the layout, unsupported, links out of the
    home folder) are not read; they are listed in the ledger with their reason."""
    month, day = (int(x) for x in catalog.age_reference_day().split("-"))
    reference_day = date(year_be - 543, month, day)
    # parts cut to the keys are never taken for whole ones: they have a folder of their own
    folder = work / str(year_be) / (fingerprint(key, areas, reference_day) + "-keys" * keys_only)
    if not is_remote(folder):  # a prefix of an object store is there once a file is
        folder.mkdir(parents=True, exist_ok=True)
    elif copy is None:
        raise ValueError(f"staged parts on {work}: a local folder to copy them to is needed")
    ctx = YearContext(year_be, areas, key, reference_day, folder, keys_only)
    index = _files_index(folder)

    started = time.perf_counter()
    tasks, parts = [], {}
    for source_name, paths in files.items():
        for path in paths:
            name = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
            known = _unchanged(folder, index, path, name)
            if known is not None:
                parts[name] = known
            else:
                tasks.append((source_name, path, name))
    spread = spread if spread is not None else Spread(workers)
    for part in _stage_all(tasks, ctx, spread, log, key_file):
        parts[part.file] = part
    ordered = [
        parts[str(p.relative_to(root)) if p.is_relative_to(root) else str(p)]
        for paths in files.values()
        for p in paths
    ]
    loaded_before = {name for name in index if name in parts}
    not_read = [_refused_part(root, r) for r in refused]
    for part in not_read:  # an .xls in households/ leaves its province without data too
        part.provinces = provinces_named(part.file, areas)
    here = folder
    if is_remote(folder):  # DuckDB reads local files: the year's parts, copied once
        here = copy / str(year_be) / folder.name
        copied = fetch(folder, _part_files(folder, ordered), here)
        log(f"{copied} staged parts copied from {folder} to {here}")
    staged = _year(here, ordered, memory_limit, loaded_before, not_read)
    staged.staged_files = len(tasks)
    staged.timings["wall_parts"] = time.perf_counter() - started
    _save_index(folder, ordered)
    _prune(folder.parent, folder, ordered)
    if here != folder:
        _prune(here.parent, here, ordered)
    log(
        f"{len(ordered)} files ({len(tasks)} read, {len(ordered) - len(tasks)} unchanged), "
        f"{sum(p.rows_read for p in ordered):,} rows read; seconds: "
        + ", ".join(f"{k} {v:.2f}" for k, v in staged.timings.items())
    )
    return staged


VERSION = re.compile(r"^(?P<base>.+?)[ _-]v(?P<n>\d{1,3})$", re.IGNORECASE)


def _version(part: Part) -> tuple[str, str, int]:
    """(source, base name, version): ``50_households_v2.csv`` is version 2 of
    ``50_households``, a name without ``_vN`` version 1; the extension does not count."""
    path = Path(part.file)
    match = VERSION.match(path.stem)
    base, number = (match["base"], int(match["n"])) if match else (path.stem, 1)
    return part.source, str(path.parent / base).casefold(), number


def _refused_part(root: Location, refused: Refused) -> Part:
    path = root / refused.file
    size, mtime_ns = size_and_mtime(path)
    regular = path.is_file() and (is_remote(path) or not path.is_symlink())
    part = Part(
        refused.source, refused.file, sha256_of(path) if regular else "",
        size, mtime_ns, file_error=mask_text(refused.reason),
    )  # fmt: skip
    part.refused = refused.rule
    return part


def _year(
    folder: Path,
    parts: list[Part],
    memory_limit: str,
    loaded_before: set[str] = frozenset(),
    refused: list[Part] = (),
) -> StagedYear:
    """Re-deliveries, duplicates of whole files, the rules across files, and the ledger.

    A file ``<name>_v2`` (``_v3``, …) beside ``<name>`` is its corrected version: only the
    highest version is loaded, the others are listed as superseded. Of files with the same
    content, the one loaded in an earlier run is kept, else the oldest (modification time),
    else the first by name; the others are listed as duplicates."""
    parts = list(parts)  # the caller's list stays the files that were read
    failures: list[pl.DataFrame] = [_failure(p, p.refused, None) for p in refused]
    latest: dict[tuple[str, str], tuple[int, str]] = {}
    for part in parts:
        source, base, number = _version(part)
        if number > latest.get((source, base), (0, ""))[0]:
            latest[(source, base)] = (number, part.file)
    for i, part in enumerate(parts):
        source, base, number = _version(part)
        highest, newest = latest[(source, base)]
        if number < highest:
            parts[i] = part = replace(
                part, duplicate_of=newest, rows_read=0, rows_valid=0,
                file_error=f"superseded by {newest}, its corrected version: not loaded",
            )  # fmt: skip
            failures.append(_failure(part, "superseded", newest))
    first_by_hash: dict[str, str] = {}
    oldest_first = sorted(
        (i for i, p in enumerate(parts) if p.duplicate_of is None),
        key=lambda i: (parts[i].file not in loaded_before, parts[i].mtime_ns, i),
    )
    for i in oldest_first:
        part = parts[i]
        if part.sha256 in first_by_hash:
            original = first_by_hash[part.sha256]
            parts[i] = part = replace(
                part, duplicate_of=original, rows_read=0, rows_valid=0,
                file_error=f"same content as {original}, delivered before it: not loaded twice",
            )  # fmt: skip
            failures.append(_failure(part, "duplicate_file", original))
        else:
            first_by_hash[part.sha256] = part.file
    parts += refused
    timings: dict[str, float] = {}
    for step in ("read", "validate", "pseudonymise"):
        timings[step] = sum(p.timings.get(step, 0.0) for p in parts)
    staged = StagedYear(folder, parts, pl.DataFrame(schema=FAILURE_COLUMNS), pl.DataFrame())
    live = [p for p in parts if p.duplicate_of is None and p.refused is None]
    failures += [pl.read_parquet(p.path(folder, "failures")) for p in live]
    started = time.perf_counter()
    with _duckdb(memory_limit, folder.parent.parent / "spill") as con:
        failures.append(_cross_rules(con, staged))
    timings["validate"] += time.perf_counter() - started
    staged.failures = (
        pl.concat([f.cast(FAILURE_COLUMNS) for f in failures if f.height], how="vertical")
        if any(f.height for f in failures)
        else pl.DataFrame(schema=FAILURE_COLUMNS)
    )
    staged.ledger = _ledger(parts, staged.failures)
    staged.timings = timings
    return staged


MISSING_PROVINCE = {"province_code": pl.Utf8, "file": pl.Utf8, "reason": pl.Utf8}


def missing_provinces(staged: StagedYear) -> pl.DataFrame:
    """Provinces of the year whose survey files were held whole: a household or member file of
    the province staged no row, and no household file of it staged any. (province_code, file,
    reason), the reason being the file's error or its most frequent rule."""
    survey = {HOUSEHOLD, MEMBER}
    staged_rows = dict(staged.ledger.select("file", "rows_staged").iter_rows())
    live = [p for p in staged.parts if p.source in survey and p.duplicate_of is None]
    loaded = {
        code
        for p in live
        if p.source == HOUSEHOLD and staged_rows.get(p.file, 0)
        for code in p.provinces
    }
    top = dict(
        staged.failures.group_by("file", "rule").len()
        .sort("len", "rule", descending=[True, False]).group_by("file", maintain_order=True)
        .agg(pl.col("rule").first()).iter_rows()
    )  # fmt: skip
    rows = [
        {"province_code": code, "file": p.file,
         "reason": p.file_error or f"every row quarantined (mostly {top.get(p.file, 'no rows')})"}
        for p in live
        if not staged_rows.get(p.file, 0)
        for code in p.provinces
        if code not in loaded
    ]  # fmt: skip
    return pl.DataFrame(rows, schema=MISSING_PROVINCE)


def _ledger(parts: list[Part], failures: pl.DataFrame) -> pl.DataFrame:
    held = dict(
        failures.filter(pl.col("row_index").is_not_null())
        .group_by("file")
        .agg(pl.col("row_index").n_unique())
        .iter_rows()
    )
    held_valid = dict(  # rows that passed their file's rules and were held across files
        failures.filter(
            pl.col("rule").is_in(list(CROSS_FILE_RULES)) & pl.col("row_index").is_not_null()
        )
        .group_by("file")
        .agg(pl.col("row_index").n_unique())
        .iter_rows()
    )
    rows = []
    for p in parts:
        row = {
            "source": p.source,
            "file": p.file,
            "sha256": p.sha256,
            "rows_read": p.rows_read,
            "rows_staged": p.rows_valid - held_valid.get(p.file, 0),
            "rows_quarantined": held.get(p.file, 0),
            "file_error": p.file_error,
            "seconds": p.seconds,
            "encoding": p.encoding,
            "separator": SEPARATOR_NAMES.get(p.separator or ""),
            "sheet": p.sheet,
            "header_row": p.header_row,
            "header_rows": p.header_rows,
            "header_map": json.dumps(p.header_map, ensure_ascii=False) if p.header_map else None,
            "ignored_columns": ", ".join(p.ignored_columns) or None,
        }
        if row["rows_read"] != row["rows_staged"] + row["rows_quarantined"]:
            raise AssertionError(f"{p.file}: rows read != staged + quarantined: {row}")
        rows.append(row)
    schema = {"source": pl.Utf8, "file": pl.Utf8, "sha256": pl.Utf8, "rows_read": pl.Int64,
              "rows_staged": pl.Int64, "rows_quarantined": pl.Int64, "file_error": pl.Utf8,
              "seconds": pl.Float64, "encoding": pl.Utf8, "separator": pl.Utf8, "sheet": pl.Utf8,
              "header_row": pl.Int64, "header_rows": pl.Int64, "header_map": pl.Utf8,
              "ignored_columns": pl.Utf8}  # fmt: skip
    return pl.DataFrame(rows, schema=schema)


CROSS_FILE_RULES = (
    "duplicate_household", "member_count_mismatch", "member_without_household",
    "household_rejected", "person_in_two_households", "duplicate_member",
    "household_without_members", "case_household_unknown", "case_two_current", "case_no_current",
)  # fmt: skip


def quarantine_rows(failures: pl.DataFrame, year_be: int) -> pl.DataFrame:
    """Failures with their messages in English and Thai; identifiers were masked when staged.

    The column is named as people know it: its name and its label from the field catalog.
    """
    labels = pl.DataFrame(
        [
            {
                "source": s.name,
                "column_name": f.name,
                "label_en": f.label_en,
                "label_th": f.label_th,
            }
            for s in catalog.sources().values()
            for f in s.fields
        ]
    )
    templates = pl.DataFrame(
        [
            {"rule": r, "template_en": m["en"], "template_th": m["th"]}
            for r, m in rule_messages().items()
        ]
    )
    named = failures.join(labels, on=["source", "column_name"], how="left").join(
        templates, on="rule", how="left"
    )
    texts = []
    for lang in ("en", "th"):
        label = pl.col(f"label_{lang}")
        column = (
            pl.when(label.is_not_null())
            .then(pl.col("column_name") + " (" + label + ")")
            .otherwise(pl.col("column_name").fill_null(""))
        )
        texts.append(
            pl.col(f"template_{lang}")
            .str.replace_all("{column}", column, literal=True)
            .str.replace_all("{value}", pl.col("value").fill_null(""), literal=True)
            .alias(f"message_{lang}")
        )
    return named.select(*FAILURE_COLUMNS, pl.lit(year_be).alias("year_be"), *texts)
