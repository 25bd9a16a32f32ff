"""No planted identifier anywhere under CHIPAO_HOME but landing/ (issue 12).

Citizen IDs (valid check digit) and house codes are typed into every column of the tiny sample's
household and member files; after a run of the whole pipeline, every file under CHIPAO_HOME is
searched for them: the warehouse and the published snapshot (every text column of every table),
staged parts (every text column), exports, Data Docs, the Dagster run and event storage, logs
(their bytes, as UTF-8 and UTF-16). The same search finds them in landing/: it can see them.
"""

from __future__ import annotations

import csv
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from pipelines.instance import prepare_dagster_home
from pipelines.run import run_years
from synthetic import generate
from tests.conftest import settings_for
from tests.handmade import citizen_id

YEAR = 2566


def _plant(path: Path, planted: list[str], serial: int, house_codes: bool) -> int:
    """An ID (and a house code, in household files) in every column, each in its own row."""
    rows = list(csv.reader(path.open(encoding="utf-8-sig")))
    header, body = rows[0], rows[1:]
    row = 0
    for column in range(len(header)):
        values = [citizen_id(serial, prefix="8990")]
        if house_codes:
            values.append(f"9{serial:010d}")
        for value in values:
            body[row % len(body)][column] = value
            planted.append(value)
            row, serial = row + 1, serial + 1
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *body])
    return serial


def _texts_of_tables(path: Path) -> str:
    with duckdb.connect(str(path), read_only=True) as con:
        columns = con.execute(
            "SELECT database_name, schema_name, table_name, column_name FROM duckdb_columns() "
            "WHERE data_type = 'VARCHAR' AND NOT internal"
        ).fetchall()
        parts = []
        for database, schema, table, column in columns:
            quoted = f'"{database}"."{schema}"."{table}"'
            query = f'SELECT string_agg("{column}", chr(10)) FROM {quoted}'
            (text,) = con.execute(query).fetchone()
            parts.append(text or "")
    return "\n".join(parts)


def _text_of(path: Path) -> str:
    """What a file holds as text: tables read as tables (they compress), others as bytes."""
    if path.suffix == ".duckdb" and not path.name.endswith(".wal"):
        return _texts_of_tables(path)
    if path.suffix == ".parquet":
        frame = pl.read_parquet(path)
        return "\n".join(
            "\n".join(frame[c].cast(pl.Utf8).drop_nulls().to_list()) for c in frame.columns
        )
    raw = path.read_bytes()
    return raw.decode("utf-8", "replace") + raw.decode("utf-16-le", "replace")


def _found(folder: Path, planted: list[str], skip: Path | None = None) -> dict[str, list[str]]:
    found = {}
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or (skip is not None and path.is_relative_to(skip)):
            continue
        text = _text_of(path)
        hits = [value for value in planted if value in text]
        if hits:
            found[str(path.relative_to(folder))] = hits
    return found


def test_no_planted_identifier_is_found_outside_landing(tmp_path):
    home = tmp_path / "home"
    generate("tiny", [YEAR], seed=5, out=home / "landing")
    planted: list[str] = []
    serial = 1
    folder = home / "landing" / "bmn" / str(YEAR)
    for path in sorted(folder.glob("households/*.csv")):
        serial = _plant(path, planted, serial, house_codes=True)
    for path in sorted(folder.glob("members/*.csv")):
        serial = _plant(path, planted, serial, house_codes=False)
    assert len(planted) > 40

    settings = settings_for(home)
    dagster_home = prepare_dagster_home(settings.dagster_home)
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        run_years(settings, [YEAR], instance, lambda _: None, "DEBUG")

    assert settings.published.exists() and any((home / "dagster").rglob("*.db"))
    assert _found(home, planted, skip=home / "landing") == {}
    # the search can see them: every planted value is found where it was delivered
    assert set().union(*_found(home / "landing", planted).values()) == set(planted)
