"""Read-only access to the published warehouse, for the CLI and analysts' notebooks.

Nobody but the pipeline opens the live file (one writer; a reader would block it): this opens
the snapshot the pipeline publishes after every successful year.

A sandboxed connection (``chipao sql``, notebooks) can read the snapshot's tables and nothing
else: DuckDB's ``enable_external_access = false`` refuses every file it did not open itself
(``COPY … TO``, ``EXPORT``, ``ATTACH``, ``read_csv('/etc/…')``, installing or loading an
extension), autoloading is off, and ``lock_configuration`` keeps a query from switching any of
it back on. Statements of those kinds are refused before DuckDB sees them, with a line that
says what to do instead.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass

import duckdb
import polars as pl

from pipelines.settings import Settings, load_settings


class NoWarehouse(RuntimeError):
    pass


class Refused(ValueError):
    """A statement that would write, attach or load something: never run on the snapshot."""


# DuckDB's own switches, set when the connection opens and locked (DuckDB 2.0 configuration).
SANDBOX = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
}
REFUSED = {  # statement type -> why, and what to do instead
    "COPY": "COPY writes or reads files: save a result with `chipao sql … --csv` or `--xlsx FILE`",
    "EXPORT": "EXPORT DATABASE writes files: the snapshot is a file already, copy it",
    "ATTACH": "ATTACH opens another database: this reads the published snapshot only",
    "DETACH": "DETACH changes the databases of the session: this reads the published snapshot",
    "LOAD": "INSTALL and LOAD bring in extensions: only DuckDB's built-in functions are available",
}
# DuckDB refuses a write to the read-only snapshot itself; temporary tables, views and macros
# stay allowed (they live in the session), so the statement's type alone cannot tell.
_READ_ONLY = re.compile(r'Cannot execute statement of type "(\w+)".*read-only mode', re.DOTALL)
WRITES = (
    "the published snapshot is read-only (only the pipeline writes the warehouse): keep a "
    "working result in a TEMP table, or save it with `chipao sql … --csv` or `--xlsx FILE`"
)


def connect_published(
    settings: Settings | None = None, *, sandbox: bool = False
) -> duckdb.DuckDBPyConnection:
    """The published snapshot, read-only; ``sandbox``: nothing outside it either."""
    settings = settings or load_settings()
    if not settings.published.exists():
        raise NoWarehouse(
            f"no published warehouse at {settings.published}: run `chipao run` (or `make demo`)"
        )
    con = duckdb.connect(
        str(settings.published), read_only=True, config=dict(SANDBOX) if sandbox else {}
    )
    # in a Jupyter kernel without ipywidgets DuckDB draws no bar, and refuses this SET
    with contextlib.suppress(duckdb.InvalidInputException):
        con.execute("SET enable_progress_bar = false")
    if sandbox:  # last: from here on no setting can change
        con.execute("SET lock_configuration = true")
    return con


def check_statements(con: duckdb.DuckDBPyConnection, text: str) -> None:
    """Refuse the statements a reader has no business running (the sandbox refuses them too;
    this says why in the user's terms)."""
    for statement in con.extract_statements(text):
        why = REFUSED.get(statement.type.name)
        if why:
            first = statement.query.strip().split(None, 1)[0].upper()
            raise Refused(f"{first} is refused: {why}")


def run_checked(con: duckdb.DuckDBPyConnection, text: str, params: dict | None = None):
    """``con.sql`` after :func:`check_statements`, a write to the snapshot refused as one."""
    check_statements(con, text)
    try:
        return con.sql(text, params=params or {})
    except duckdb.InvalidInputException as err:
        refused = _READ_ONLY.search(str(err))
        if refused is None:
            raise
        raise Refused(f"{refused[1]} is refused: {WRITES}") from None


_NUMBER = r"(\d{4})"
_COMPARED = r"\s*(?:=|<>|!=|<=|>=|<|>|\bIN\s*\(|\bBETWEEN\b)\s*"
_YEAR_BE = re.compile(r"\byear_be\b" + _COMPARED + _NUMBER, re.IGNORECASE)
_YEAR_CE = re.compile(r"(?<![\w.])(?:\w+\.)?year\b(?!_)" + _COMPARED + _NUMBER, re.IGNORECASE)
_LEVEL = re.compile(r"\blevel\s*=\s*'([^']*)'", re.IGNORECASE)
BE_OFFSET = 543
LEVELS = ("country", "region", "province", "district", "subdistrict", "village")


def empty_result_hint(text: str) -> str | None:
    """Why a query may have matched nothing: a CE year in ``year_be``, a BE year in ``year``,
    a level that does not exist. None when nothing in the text looks wrong."""
    for match in _YEAR_BE.finditer(text):
        year = int(match[1])
        if year < 2400:
            return (
                f"year_be is the Buddhist Era year: {year} looks like CE; try year_be = "
                f"{year + BE_OFFSET} (or year = {year})"
            )
    for match in _YEAR_CE.finditer(text):
        year = int(match[1])
        if year >= 2400:
            return (
                f"year is the CE year: {year} looks like BE; try year_be = {year} "
                f"(or year = {year - BE_OFFSET})"
            )
    for match in _LEVEL.finditer(text):
        if match[1] not in LEVELS:
            return f"level {match[1]!r} does not exist; levels are {', '.join(LEVELS)}"
    return None


@dataclass
class Snapshot:
    """The published warehouse for a notebook, in one line: ``db = Snapshot.open()``, then
    ``db.q("FROM marts.area_summary WHERE year_be = $y", y=2567)`` gives a Polars frame.
    Read-only and sandboxed: it cannot write, attach or load anything."""

    con: duckdb.DuckDBPyConnection

    @classmethod
    def open(cls, settings: Settings | None = None) -> Snapshot:
        return cls(connect_published(settings, sandbox=True))

    def q(self, text: str, **params) -> pl.DataFrame:
        return run_checked(self.con, text, params).pl()

    @property
    def latest_year(self) -> int:
        return self.con.execute("SELECT max(year_be) FROM marts.area_summary").fetchall()[0][0]

    def close(self) -> None:
        self.con.close()


def query(sql: str, params: dict | None = None, settings: Settings | None = None) -> pl.DataFrame:
    """Run one query on the published warehouse and return a Polars frame."""
    with connect_published(settings) as con:
        return con.sql(sql, params=params or {}).pl()
