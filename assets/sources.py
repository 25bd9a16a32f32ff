"""Sources (sources/): one pull asset per configured source, the published figures read back
from landing, and their checks. Thin: the pulling, matching and reading are the library's.

The pull assets are the only ones that touch the network; no schedule or sensor selects them
(``chipao pull`` or the ``pull_sources`` job in the UI does). ``load_sources`` reads whatever
landing/sources/ holds, pulled or not, and puts the figures in the published snapshot too.
"""

import os
from datetime import datetime
from pathlib import Path

import dagster as dg
import polars as pl

from assets.metadata import row_count
from assets.storage import ExportFolder, LandingZone
from assets.warehouse import WRITER_POOL, Warehouse
from sources import run as sources_run
from sources.config import Source
from sources.plausibility import disagreements, rank_gaps, totals_gaps
from store.tables import Rows

PULL_GROUP = "sources_pull"
GROUP = "sources"
FIGURES = dg.AssetKey(["marts", "published_figure"])
LEDGER = dg.AssetKey(["core", "source_ledger"])
TABLES = {
    "marts.published_figure": FIGURES,
    "core.source_file": dg.AssetKey(["core", "source_file"]),
    "core.source_ledger": LEDGER,
    "core.source_quarantine": dg.AssetKey(["core", "source_quarantine"]),
}


def pull_key(source: Source) -> dg.AssetKey:
    return dg.AssetKey(["landing", "sources", source.name])


def pull_asset(source: Source) -> dg.AssetsDefinition:
    @dg.asset(
        key=pull_key(source),
        group_name=PULL_GROUP,
        description=f"{source.kind} source {source.title}: fetched into "
        f"landing/sources/{source.name}/ with provenance (network; run on request only).",
        kinds={source.kind},
    )
    def _pull(context: dg.AssetExecutionContext, landing: LandingZone) -> dg.MaterializeResult:
        report = sources_run.pull(source, Path(landing.root), context.log.info)
        if report.failed:
            raise dg.Failure(
                description=f"{source.name}: " + "; ".join(report.failed),
                metadata=report.counts(),
            )
        return dg.MaterializeResult(metadata=report.counts())

    return _pull


def load_asset(sources: list[Source]) -> dg.AssetsDefinition:
    @dg.multi_asset(
        specs=[
            dg.AssetSpec(
                FIGURES,
                description="Published figures per area, each with its source.",
                deps=[pull_key(s) for s in sources] + [["core", "dim_area"]],
            ),
            dg.AssetSpec(TABLES["core.source_file"], description="Provenance of landed files."),
            dg.AssetSpec(LEDGER, description="Per source file: rows read = loaded + quarantined."),
            dg.AssetSpec(
                TABLES["core.source_quarantine"],
                description="Source rows that could not be matched, with the reason.",
            ),
        ],  # fmt: skip
        pool=WRITER_POOL,
        group_name=GROUP,
        name="load_source_figures",
    )
    def _load(context: dg.AssetExecutionContext, landing: LandingZone, warehouse: Warehouse):
        loaded = [sources_run.load(s, Path(landing.root)) for s in sources]
        inputs = {"fingerprint": sources_run.fingerprint(sources, Path(landing.root)),
                  "loaded_at": datetime.now()}  # fmt: skip
        tables = {
            "marts.published_figure": _frames(loaded, "figures"),
            "core.source_file": _frames(loaded, "files"),
            "core.source_ledger": _frames(loaded, "ledger"),
            "core.source_quarantine": _frames(loaded, "quarantine"),
        }
        rows = {
            t: Rows(f, sql="sources/insert_figures" if t == "marts.published_figure" else None)
            if f is not None
            else Rows()
            for t, f in tables.items()
        }
        rows["core.source_input"] = Rows(pl.DataFrame([inputs]))
        counts = warehouse.write(None, rows)
        warehouse.publish_tables([*TABLES, "core.source_input"])
        context.log.info(f"source rows: {counts}")
        for table, key in TABLES.items():
            yield dg.MaterializeResult(asset_key=key, metadata=row_count(counts[table]))

    return _load


def _frames(loaded, attribute: str) -> pl.DataFrame | None:
    frames = [getattr(x, attribute) for x in loaded if getattr(x, attribute).height]
    return pl.concat(frames, how="diagonal_relaxed") if frames else None


@dg.asset_check(
    asset=LEDGER, blocking=True, pool=WRITER_POOL, description="rows read = loaded + quarantined"
)
def source_rows_reconcile(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        bad = con.execute(
            "SELECT source, file, rows_read, rows_loaded, rows_quarantined FROM core.source_ledger "
            "WHERE rows_read <> rows_loaded + rows_quarantined"
        ).fetchall()
        errors = con.execute(
            "SELECT source || '/' || file || ': ' || file_error FROM core.source_ledger "
            "WHERE file_error IS NOT NULL"
        ).fetchall()
    return dg.AssetCheckResult(
        passed=not bad,
        metadata={
            "unbalanced": [list(map(str, r)) for r in bad],
            "unreadable files": [r[0] for r in errors],
        },  # fmt: skip
    )


def totals_check(sources: list[Source]) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=FIGURES,
        name="published_totals",
        blocking=True,
        pool=WRITER_POOL,
        description="Each source's national totals (sources.yaml `totals`) are found at the "
        "country and as the sum of every level (TPMAP 2561: 12,935,866 households, "
        "36,647,817 people, 1,032,987 target poor).",
    )
    def _check(warehouse: Warehouse) -> dg.AssetCheckResult:
        with warehouse.connect(read_only=True) as con:
            gaps = totals_gaps(con, sources)
        return dg.AssetCheckResult(passed=not gaps, metadata={"gaps": gaps})

    return _check


@dg.asset_check(
    asset=FIGURES,
    blocking=False,
    pool=WRITER_POOL,
    description="Survey and published figures of the same year, area and measure further "
    "apart than figures.yaml's tolerance (WARN: for people to look at).",
)
def survey_agreement(warehouse: Warehouse) -> dg.AssetCheckResult:
    with warehouse.connect(read_only=True) as con:
        found = disagreements(con)
    shown = found.head(50).to_dicts()
    return dg.AssetCheckResult(
        passed=found.is_empty(),
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"disagreements": found.height, "largest": [str(r) for r in shown]},
    )


@dg.asset(
    key=["exports", "sources", "poverty_rank_gap"],
    deps=[FIGURES],
    group_name=GROUP,
    pool=WRITER_POOL,
    description="Provinces whose MPI-poor rate ranks far from NSO's poverty ranking "
    "(exports/sources/poverty_rank_gap.csv).",
)
def poverty_rank_report(warehouse: Warehouse, exports: ExportFolder) -> dg.MaterializeResult:
    with warehouse.connect(read_only=True) as con:
        gaps = rank_gaps(con)
    folder = Path(exports.root) / "sources"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "poverty_rank_gap.csv"
    partial = path.with_name(f".{path.name}.partial")
    with partial.open("wb") as handle:
        handle.write(b"\xef\xbb\xbf")  # Excel reads Thai names right only with the BOM
        gaps.write_csv(handle)
    os.replace(partial, path)
    return dg.MaterializeResult(
        metadata={
            "provinces listed": gaps.height,
            "file": str(path),
            "listed": [str(r) for r in gaps.head(20).to_dicts()],
        }  # fmt: skip
    )


def build(sources: list[Source]) -> tuple[list, list]:
    """The assets and checks of the configured sources."""
    assets = [*(pull_asset(s) for s in sources), load_asset(sources), poverty_rank_report]
    checks = [source_rows_reconcile, totals_check(sources), survey_agreement]
    return assets, checks
