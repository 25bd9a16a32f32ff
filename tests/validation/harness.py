"""Stage hand-built files through the real readers and rules, without Dagster."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

from assets.reference import area_rows, successor_rows
from assets.storage import LandingZone
from ingest.staging import HOUSEHOLD, MEMBER, StagedYear, stage_year
from schemas.validate import AreaRegister
from tests.handmade import household, member, write_landing

YEAR = 2566
KEY = b"k" * 32


@cache
def areas() -> AreaRegister:
    subdistricts = area_rows().filter(pl.col("level") == "subdistrict")["area_code"]
    abolished = successor_rows().filter(pl.col("level") == "subdistrict")
    return AreaRegister.from_codes(
        subdistricts, abolished.select("area_code", "successor_code").iter_rows()
    )


def base_households() -> list[dict]:
    return [household(1, members_declared=2), household(2, members_declared=1)]


def base_members() -> list[dict]:
    return [member(1, 1), member(1, 2, relation=2, sex=2), member(2, 3)]


@dataclass
class Outcome:
    staged: StagedYear

    def rules(self) -> set[tuple[str, int | None, str | None, str]]:
        """(file kind, row, column, rule) of every failure."""
        kind = (
            pl.when(pl.col("source") == "bmn_household").then(pl.lit("h"))
            .when(pl.col("source") == "case_record").then(pl.lit("c"))
            .otherwise(pl.lit("m"))
        )  # fmt: skip
        return set(
            self.staged.failures.select(kind, "row_index", "column_name", "rule").iter_rows()
        )

    def file_errors(self) -> dict[str, str]:
        ledger = self.staged.ledger.filter(pl.col("file_error").is_not_null())
        return dict(ledger.select("file", "file_error").iter_rows())

    def read_as(self, file: str) -> dict:
        """How the ledger says a file (under bmn/<year>/) was read."""
        columns = ["encoding", "separator", "sheet", "header_row", "header_rows", "header_map"]
        ledger = self.staged.ledger.filter(pl.col("file") == f"bmn/{YEAR}/{file}")
        return ledger.select(columns).row(0, named=True)

    @property
    def households(self) -> int:
        return self.staged.rows(HOUSEHOLD).height

    @property
    def members(self) -> int:
        return self.staged.rows(MEMBER).height


def stage(
    root: Path,
    households: list[dict] | None = None,
    members: list[dict] | None = None,
    extra_files: dict[str, bytes] | None = None,
    landing_files: dict[str, bytes] | None = None,
    before: Callable[[Path], None] | None = None,
    work: Path | None = None,
) -> Outcome:
    """Write the rows (default: the valid base) and any raw files (``extra_files`` under the
    year folder, ``landing_files`` under landing/), let ``before`` change the landing folder,
    then stage the year as the staging asset does, refused files included."""
    landing = root / "landing"
    write_landing(
        landing,
        YEAR,
        base_households() if households is None else households,
        base_members() if members is None else members,
    )
    for relative, content in (extra_files or {}).items():
        path = landing / "bmn" / str(YEAR) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    for relative, content in (landing_files or {}).items():
        path = landing / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    if before is not None:
        before(landing)
    zone = LandingZone(root=str(landing))
    staged = stage_year(
        zone.bmn_files(YEAR), root=landing, year_be=YEAR, areas=areas(), key=KEY,
        work=work or root / "staged", refused=zone.refused(YEAR),
    )  # fmt: skip
    ledger = staged.ledger
    # nothing lost, ever: every file balances (stage_year asserts it too)
    assert (ledger["rows_read"] == ledger["rows_staged"] + ledger["rows_quarantined"]).all()
    return Outcome(staged)
