"""BMN survey files: landing inventory (raw) and validated, pseudonymised rows (staging)."""

import time
from datetime import datetime
from pathlib import Path

import dagster as dg
import polars as pl

from assets.metadata import ROW_COUNT
from assets.storage import LandingZone, PseudonymKey, ValidationPolicy
from assets.survey_year import year_multi_asset
from assets.warehouse import Warehouse
from ingest.landing import ce_folder_hint
from ingest.location import location
from ingest.masking import mask_text
from ingest.staging import (
    CASE,
    HOUSEHOLD,
    MEMBER,
    missing_provinces,
    quarantine_rows,
    stage_year,
)
from schemas.validate import AreaRegister
from store.tables import Rows

LEDGER_CHECK = "rows_reconcile"
SHARE_CHECK = "quarantine_share"


def _no_files_message(landing: LandingZone, year_be: int) -> str:
    folder = landing.year_folder(year_be)
    hint = ce_folder_hint(landing.location, year_be)
    return (
        f"No BMN files for survey year {year_be}: expected CSV or Parquet files in "
        f"{folder}/households/ and {folder}/members/ (docs/input.md, 'Input layout'). "
        + (f"{hint[0].upper()}{hint[1:]}. " if hint else "")
        + "`chipao generate` writes a synthetic sample there."
    )


def _area_register(warehouse: Warehouse) -> AreaRegister:
    with warehouse.connect() as con:
        subdistricts = con.execute(
            "SELECT area_code FROM core.dim_area WHERE level = 'subdistrict'"
        ).fetchall()
        abolished = con.execute(
            "SELECT area_code, successor_code FROM core.area_successor WHERE level = 'subdistrict'"
        ).fetchall()
    if not subdistricts:
        raise dg.Failure("core.dim_area is empty: materialize the reference tables first.")
    return AreaRegister.from_codes((r[0] for r in subdistricts), abolished)


def _share_check(ledger: pl.DataFrame, failures: pl.DataFrame, limit: float) -> dg.AssetCheckResult:
    shares = ledger.with_columns(
        (pl.col("rows_quarantined") / pl.col("rows_read").clip(lower_bound=1)).alias("share")
    )
    over = shares.filter((pl.col("share") > limit) | pl.col("file_error").is_not_null())
    problems = []
    for row in over.iter_rows(named=True):
        top = (
            failures.filter(pl.col("file") == row["file"])
            .group_by("rule")
            .len()
            .sort("len", descending=True)
            .head(3)
        )
        rules = ", ".join(f"{r} ({n:,})" for r, n in top.iter_rows())
        problems.append(
            f"{row['file']}: {row['share']:.1%} of rows quarantined"
            + (f" (file error: {row['file_error']})" if row["file_error"] else "")
            + f"; top rules: {rules}"
        )
    return dg.AssetCheckResult(
        check_name=SHARE_CHECK,
        asset_key=dg.AssetKey(["core", "ingest_ledger"]),
        passed=not problems,
        description=f"files with more than {limit:.0%} of rows quarantined, or unreadable",
        metadata={"limit": limit, "files_over": len(problems), "details": "\n".join(problems)},
    )


@year_multi_asset(
    "bmn",
    specs=[
        dg.AssetSpec(
            ["raw", "landing_file"],
            deps=[["core", "dim_area"], ["core", "area_successor"]],
            description="Every landing file of the survey year, with its sha256 and size "
            "(also the files not read: outside the layout, unsupported, links out of home).",
        ),
        dg.AssetSpec(
            ["staging", "household"],
            description="Valid household rows, typed, house code pseudonymised.",
        ),
        dg.AssetSpec(
            ["staging", "member"],
            description="Valid member rows, typed, IDs pseudonymised, age computed.",
        ),
        dg.AssetSpec(
            ["core", "fact_case"],
            description="Case records (landing/cases/<year>/): every valid row, house code "
            "pseudonymised as the survey's; one current status per household-problem.",
        ),
        dg.AssetSpec(
            ["core", "quarantine"],
            description="Every rejected row with its rule and message (EN/TH).",
        ),
        dg.AssetSpec(
            ["core", "ingest_ledger"],
            description="Per file: rows read = staged + quarantined.",
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            LEDGER_CHECK,
            asset=["core", "ingest_ledger"],
            blocking=True,
            description="rows read = rows staged + rows quarantined, every file",
        ),
        dg.AssetCheckSpec(
            SHARE_CHECK,
            asset=["core", "ingest_ledger"],
            description="no file has more than the allowed share quarantined",
        ),
    ],
)
def staging_bmn(
    context: dg.AssetExecutionContext,
    warehouse: Warehouse,
    landing: LandingZone,
    pseudonym_key: PseudonymKey,
    validation: ValidationPolicy,
):
    started = time.perf_counter()
    year_be = int(context.partition_key)
    files = landing.bmn_files(year_be)
    if not (files[HOUSEHOLD] or files[MEMBER]):
        raise dg.Failure(_no_files_message(landing, year_be))
    staged = stage_year(
        files,
        root=landing.location,
        year_be=year_be,
        areas=_area_register(warehouse),
        key=pseudonym_key.secret(),
        work=location(landing.staged),
        memory_limit=landing.memory_limit,
        log=lambda line: context.log.info(mask_text(line)),
        refused=landing.refused(year_be),
        spread=landing.spread(),
        key_file=pseudonym_key.key_file,
        copy=Path(landing.staged_copy) if landing.staged_copy else None,
    )
    now = datetime.now()
    year = [pl.lit(year_be).alias("year_be")]
    inventory = pl.DataFrame(
        [
            {"source": p.source, "file": p.file, "sha256": p.sha256, "bytes": p.size}
            for p in staged.parts
        ]
    ).with_columns(*year, pl.lit(now).alias("seen_at"))
    quarantine = quarantine_rows(staged.failures, year_be)
    missing = missing_provinces(staged).with_columns(pl.lit(year_be).alias("year_be"))
    ledger = staged.ledger.with_columns(*year, pl.lit(now).alias("loaded_at"))
    warehouse.write(
        year_be,
        {
            "raw.landing_file": Rows(inventory),
            **{
                table: Rows(
                    staged.held(source),
                    sql="staging/insert_rows",
                    params={"parts": staged.part_paths(source), "year_be": year_be},
                )
                if staged.part_paths(source)
                else Rows()
                for table, source in (
                    ("staging.household", HOUSEHOLD),
                    ("staging.member", MEMBER),
                    ("core.fact_case", CASE),
                )  # fmt: skip
            },
            "core.quarantine": Rows(quarantine),
            "core.ingest_ledger": Rows(ledger),
            "core.missing_province": Rows(missing),
        },
    )
    if missing.height:
        said = "; ".join(
            f"province {code}: {file} was held whole ({reason})"
            for code, file, reason in missing.select("province_code", "file", "reason").iter_rows()
        )
        if validation.missing_province == "hold":
            raise dg.Failure(
                f"survey year {year_be} held (CHIPAO_MISSING_PROVINCE=hold): {said}; send the "
                "corrected file(s), or set CHIPAO_MISSING_PROVINCE=publish to publish the other "
                "provinces with these flagged as missing"
            )
        context.log.warning(
            f"{year_be}: published without {missing['province_code'].n_unique()} province(s), "
            f"their roll-ups flagged incomplete: {said}"
        )

    ingest_seconds = time.perf_counter() - started
    totals = ledger.select(pl.col("rows_read", "rows_staged", "rows_quarantined").sum()).row(0)
    staged_rows = {
        table: int(ledger.filter(pl.col("source") == source)["rows_staged"].sum())
        for table, source in (
            ("staging.household", HOUSEHOLD),
            ("staging.member", MEMBER),
            ("core.fact_case", CASE),
        )
    }
    top_rules = staged.failures.group_by("rule").len().sort("len", descending=True).head(5)
    context.log.info(
        f"{year_be}: {totals[0]:,} rows read, {totals[1]:,} staged, {totals[2]:,} quarantined; "
        f"top rules: {dict(top_rules.iter_rows())}; validation took "
        f"{staged.validation_seconds / ingest_seconds:.0%} of {ingest_seconds:.1f}s ingest"
    )
    yield dg.MaterializeResult(
        asset_key=["raw", "landing_file"],
        metadata={
            ROW_COUNT: inventory.height,
            "files": inventory.height,
            "bytes": int(inventory["bytes"].sum()),
        },
    )
    for table, rows in staged_rows.items():
        yield dg.MaterializeResult(asset_key=table.split("."), metadata={ROW_COUNT: rows})
    yield dg.MaterializeResult(
        asset_key=["core", "quarantine"],
        metadata={ROW_COUNT: quarantine.height, "rows_quarantined": int(totals[2])},
    )
    yield dg.MaterializeResult(
        asset_key=["core", "ingest_ledger"],
        metadata={
            ROW_COUNT: ledger.height,
            "files": ledger.height,
            "rows_read": int(totals[0]),
            "rows_staged": int(totals[1]),
            "rows_quarantined": int(totals[2]),
            "ingest_seconds": round(ingest_seconds, 2),
            **{f"{step}_seconds": round(v, 2) for step, v in staged.timings.items()},
            "validation_share": round(staged.validation_seconds / ingest_seconds, 3),
        },
    )
    balanced = (
        ledger.filter(
            pl.col("rows_read") != pl.col("rows_staged") + pl.col("rows_quarantined")
        ).height
        == 0
    )
    yield dg.AssetCheckResult(
        check_name=LEDGER_CHECK,
        asset_key=["core", "ingest_ledger"],
        passed=balanced,
        metadata={"files": ledger.height},
    )
    yield _share_check(ledger, staged.failures, validation.quarantine_share_limit)
