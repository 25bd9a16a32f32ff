"""Great Expectations on the core and mart tables of a survey year, run as Dagster asset checks.

Two multi-asset checks, partitioned by survey year like the assets they check, read the year from
the warehouse, run the suites of schemas/expectations.py on pandas frames, write the Data Docs
(`gx_facts` to <exports>/<year_be>/data_docs/fact_person/, `gx_quality` to
<exports>/<year_be>/data_docs/) and report, per asset:

    core/fact_person      gx_contract     ERROR  a deterministic sample of up to 200,000 rows
    marts/area_summary    gx_contract     ERROR  keys, catalog codes and labels, rates in [0, 1]
    marts/area_summary    gx_reconcile    ERROR  levels add up to the country, bands to 'all',
                                                 persons = person facts = distinct person keys
    marts/area_summary    gx_yoy_jumps    WARN   MPI-poor rate moved > bound since the last year
    marts/area_summary    gx_all_pass     WARN   30+ persons and nobody MPI-poor where that is
                                                 improbable given the parent area (5 % a year)
    marts/area_summary    gx_rollup_complete WARN an expected child area has no data
    marts/area_indicator  gx_contract     ERROR  keys, catalog codes, rates in [0, 1]
    marts/area_indicator  gx_reconcile    ERROR  levels add up, one row per area and indicator

The ERROR checks are blocking: when one fails, Dagster runs nothing downstream of its asset, so
the marts are not built from person facts that broke their contract, and neither the exports nor
the published snapshot are made from marts that did not pass. That is why the person facts have
a check of their own: checked with the marts, the marts would wait for a check that waits for
them. The WARN checks are per-area findings, not contract violations: their metadata lists the
flagged areas (the first 20) with names and rates. Nothing is written to the warehouse.

Partitioned asset checks are a preview in Dagster 1.13 (AssetCheckSpec(partitions_def=...)): the
check runs with each survey-year run and its results are stored per partition.
"""

import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pandas as pd

import sql
from assets.storage import ExportFolder
from assets.warehouse import SURVEY_YEARS, WRITER_POOL, Warehouse

FACT_PERSON = dg.AssetKey(["core", "fact_person"])
AREA_SUMMARY = dg.AssetKey(["marts", "area_summary"])
AREA_INDICATOR = dg.AssetKey(["marts", "area_indicator"])

CONTRACT = "gx_contract"
RECONCILE = "gx_reconcile"
YOY_JUMPS = "gx_yoy_jumps"
ALL_PASS = "gx_all_pass"
ROLLUP = "gx_rollup_complete"

SAMPLE_ROWS = 200_000  # person facts validated per year, a deterministic sample
YOY_BOUND = 0.10  # a change of the MPI-poor rate beyond 10 percentage points is flagged
MIN_PERSONS = 30  # smaller areas are not flagged: their rates move by chance
# all_pass_areas.sql: the chance that any area of a year is flagged by luck alone
ALL_PASS_ALPHA = 0.05
LISTED = 20  # flagged areas listed in the metadata
DOCS_FOLDER = "data_docs"
FACTS_DOCS = "fact_person"  # inside DOCS_FOLDER; a marts rebuild leaves sub-folders alone

MART_KEYS = {
    AREA_SUMMARY: ["level", "area_code", "age_band"],
    AREA_INDICATOR: ["level", "area_code", "age_band", "indicator_code"],
}
RECONCILE_INDEX = ["check", "level", "age_band", "measure"]
FLAG_INDEX = ["level", "area_code", "name_th", "name_en"]
YOY_LISTED = [*FLAG_INDEX, "previous_persons", "persons", "previous_rate", "rate", "change"]
ALL_PASS_LISTED = [*FLAG_INDEX, "persons", "households", "parent_rate", "chance"]
ROLLUP_LISTED = [*FLAG_INDEX, "child_areas", "child_areas_expected", "child_areas_missing"]


class QualityConfig(dg.Config):
    yoy_bound: float = YOY_BOUND
    min_persons: int = MIN_PERSONS
    all_pass_alpha: float = ALL_PASS_ALPHA
    sample_rows: int = SAMPLE_ROWS


BLOCKING = {CONTRACT, RECONCILE}  # ERROR severity; the flags (WARN) never hold anything back


def _spec(name: str, asset: dg.AssetKey, description: str) -> dg.AssetCheckSpec:
    with warnings.catch_warnings():  # partitioned checks are a preview in Dagster 1.13
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return dg.AssetCheckSpec(
            name,
            asset=asset,
            partitions_def=SURVEY_YEARS,
            description=description,
            blocking=name in BLOCKING,
        )


FACT_SPECS = [
    _spec(
        CONTRACT,
        FACT_PERSON,
        "GX on a deterministic sample (up to 200,000 rows): unique person per year, codes in the "
        "catalogs, statuses 1/0/NULL, age band, deprivations and MPI-poor equal their recount.",
    ),
]
MART_SPECS = [
    _spec(
        CONTRACT,
        AREA_SUMMARY,
        "GX: unique (year, level, area, age band); levels, age bands, area codes and region "
        "names in the catalogs; counts >= 0; MPI-poor <= persons, target <= MPI-poor; rates in "
        "[0, 1]; MPI-poor = the sum over welfare-card groups.",
    ),
    _spec(
        RECONCILE,
        AREA_SUMMARY,
        "GX: each level adds up to the country, age bands add up to 'all', the country's "
        "persons equal the year's person facts and their distinct person keys.",
    ),
    _spec(
        YOY_JUMPS,
        AREA_SUMMARY,
        "Warning per area: MPI-poor rate changed by more than the bound (default 10 points) "
        "since the previous survey year, in areas with 30+ persons in both years.",
    ),
    _spec(
        ALL_PASS,
        AREA_SUMMARY,
        "Warning per area: 30+ persons and nobody MPI-poor, where the chance of that given the "
        "parent area's rate is below 5 % over all the year's areas (implausible, not "
        "impossible; sql/quality/all_pass_areas.sql).",
    ),
    _spec(
        ROLLUP,
        AREA_SUMMARY,
        "Warning per area: fewer child areas have data than core.dim_area expects (those the "
        "BMN surveys), so the rollup is smaller than the area; every mart row carries "
        "child_areas, child_areas_expected and rollup_incomplete.",
    ),
    _spec(
        CONTRACT,
        AREA_INDICATOR,
        "GX: unique (year, level, area, age band, indicator); codes in the catalogs, all 17 "
        "indicators; counts >= 0; deprived <= in scope; deprived rate in [0, 1].",
    ),
    _spec(
        RECONCILE,
        AREA_INDICATOR,
        "GX: each level adds up to the country; household indicators cover every person; one "
        "row per area, age band and catalog indicator.",
    ),
]
SPECS = FACT_SPECS + MART_SPECS


def _key(asset: dg.AssetKey, check: str) -> dg.AssetCheckKey:
    return dg.AssetCheckKey(asset, check)


ALL_CHECKS = frozenset(_key(spec.asset_key, spec.name) for spec in SPECS)
NEEDS = {  # what each check reads
    _key(FACT_PERSON, CONTRACT): {"persons"},
    _key(AREA_SUMMARY, CONTRACT): {"summary"},
    _key(AREA_SUMMARY, RECONCILE): {"summary", "counts"},
    _key(AREA_SUMMARY, YOY_JUMPS): {"yoy"},
    _key(AREA_SUMMARY, ALL_PASS): {"all_pass"},
    _key(AREA_SUMMARY, ROLLUP): {"rollups"},
    _key(AREA_INDICATOR, CONTRACT): {"indicator"},
    _key(AREA_INDICATOR, RECONCILE): {"indicator", "summary"},
}


@dataclass(frozen=True)
class YearData:
    """What the checks of one survey year read from the warehouse (None: not asked for)."""

    year_be: int
    person_rows: int | None = None
    person_keys: int | None = None  # distinct person keys of the year
    persons: pd.DataFrame | None = None  # the person facts of the year, or a sample
    summary: pd.DataFrame | None = None
    indicator: pd.DataFrame | None = None
    yoy: pd.DataFrame | None = None  # sql/quality/yoy_jumps.sql
    all_pass: pd.DataFrame | None = None  # sql/quality/all_pass_areas.sql
    rollups: pd.DataFrame | None = None  # sql/quality/incomplete_rollups.sql


def _frame(
    con: duckdb.DuckDBPyConnection, query: str, params: dict, categorical: bool = False
) -> pd.DataFrame:
    """A query result as pandas, through Arrow: on 1.6 M mart rows 1 s, where `.df()` takes 7 s
    to build Python strings. Categorical strings make GX several times faster on large marts."""
    table = con.sql(query, params=params).to_arrow_table()
    return table.to_pandas(strings_to_categorical=categorical)


def read_year(
    con: duckdb.DuckDBPyConnection,
    year_be: int,
    config: QualityConfig | None = None,
    checks: frozenset[dg.AssetCheckKey] = ALL_CHECKS,
) -> YearData:
    """Read what ``checks`` need of one survey year."""
    config = config or QualityConfig()
    needs = set().union(*(NEEDS[c] for c in checks))
    year = {"year_be": year_be}
    read: dict[str, Any] = {}
    if needs & {"counts", "persons"}:
        read["person_rows"], read["person_keys"] = con.execute(
            "SELECT count(*), count(DISTINCT person_key) FROM core.fact_person "
            "WHERE year_be = $year_be",
            year,
        ).fetchall()[0]
    if "persons" in needs:
        # Deterministic: the rows with the smallest hash of the (pseudonymous) person key. Rows
        # that share a key share its hash, so duplicated keys are sampled together and show.
        read["persons"] = _frame(
            con,
            "SELECT * FROM core.fact_person WHERE year_be = $year_be "
            "ORDER BY hash(person_key), person_key, household_key LIMIT $rows",
            {**year, "rows": config.sample_rows},
        )
    if "summary" in needs:
        query = "SELECT * FROM marts.area_summary WHERE year_be = $year_be"
        read["summary"] = _frame(con, query, year)
    if "indicator" in needs:
        query = "SELECT * FROM marts.area_indicator WHERE year_be = $year_be"
        read["indicator"] = _frame(con, query, year, categorical=True)
    if "yoy" in needs:
        read["yoy"] = yoy_jumps(con, year_be, config.yoy_bound, config.min_persons)
    if "all_pass" in needs:
        read["all_pass"] = all_pass_areas(
            con, year_be, config.min_persons, config.all_pass_alpha
        )
    if "rollups" in needs:
        read["rollups"] = _frame(con, sql.load("quality/incomplete_rollups"), year)
    return YearData(year_be=year_be, **read)


def yoy_jumps(
    con: duckdb.DuckDBPyConnection, year_be: int, bound: float, min_persons: int
) -> pd.DataFrame:
    """Areas compared with the previous survey year; `jump` marks the flagged ones."""
    params = {"year_be": year_be, "bound": bound, "min_persons": min_persons}
    return _frame(con, sql.load("quality/yoy_jumps"), params)


def all_pass_areas(
    con: duckdb.DuckDBPyConnection, year_be: int, min_persons: int, alpha: float = ALL_PASS_ALPHA
) -> pd.DataFrame:
    """Areas of min_persons or more; `flagged` marks those where nobody is MPI-poor although
    that is improbable given their parent area."""
    params = {"year_be": year_be, "min_persons": min_persons, "alpha": alpha}
    return _frame(con, sql.load("quality/all_pass_areas"), params)


def _listed(frame: pd.DataFrame, columns: list[str]) -> dg.MetadataValue:
    """The first LISTED rows as a metadata table (Python values, rates rounded)."""
    head = frame[columns].head(LISTED).astype(object)
    head = head.where(head.notna(), None)
    records = [
        dg.TableRecord({k: _plain(v) for k, v in row.items()})
        for row in head.to_dict(orient="records")
    ]
    kinds = {"i": "int", "u": "int", "f": "float", "b": "bool"}
    schema = dg.TableSchema(
        columns=[dg.TableColumn(c, kinds.get(frame[c].dtype.kind, "string")) for c in columns]
    )
    return dg.MetadataValue.table(records=records, schema=schema)


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float):
        return round(value, 4)
    if hasattr(value, "item"):
        value = value.item()
        return round(value, 4) if isinstance(value, float) else value
    return value


def _by_level(flagged: pd.DataFrame) -> dg.MetadataValue:
    counts = flagged.groupby("level").size() if len(flagged) else {}
    return dg.MetadataValue.json({str(k): int(v) for k, v in dict(counts).items()})


def _result(
    check: str,
    asset: dg.AssetKey,
    outcome: Any,
    docs: dict[str, Any],
    severity: dg.AssetCheckSeverity = dg.AssetCheckSeverity.ERROR,
    **extra: Any,
) -> dg.AssetCheckResult:
    """One check result; its metadata: the counts of the GX run, the failed expectations with
    what was observed, and where the Data Docs are."""
    lines = [f"- {f.line()}" for f in outcome.failures]
    metadata = {
        "rows_validated": outcome.rows,
        "expectations_evaluated": outcome.evaluated,
        "expectations_failed": outcome.failed,
        "unexpected_values": outcome.unexpected,
        "failed_expectations": dg.MetadataValue.md("\n".join(lines) or "none"),
        "gx_suite": outcome.suite,
        "gx_seconds": docs["seconds"].get(outcome.suite),
        "data_docs": dg.MetadataValue.path(str(docs["index"])),
        "quality_page": dg.MetadataValue.path(str(docs["quality_page"])),
        **extra,
    }
    page = docs["pages"].get(outcome.suite)
    if page is not None:
        metadata["data_docs_page"] = dg.MetadataValue.path(str(page))
    return dg.AssetCheckResult(
        check_name=check,
        asset_key=asset,
        passed=outcome.success,
        severity=severity,
        metadata=metadata,
    )


def run_checks(
    data: YearData,
    docs_dir: Path,
    config: QualityConfig,
    log: Any = None,
    checks: frozenset[dg.AssetCheckKey] = ALL_CHECKS,
) -> list[dg.AssetCheckResult]:
    """Validate one survey year, write its Data Docs, return the results of ``checks``."""
    from schemas import expectations as gxe  # GX costs ~3 s to import: only when checks run

    session = gxe.Session(docs_dir)
    outcomes: dict[dg.AssetCheckKey, Any] = {}
    seconds: dict[str, float] = {}

    def run(asset, check, frame, suite, index=(), complete=False):
        if _key(asset, check) not in checks:
            return
        started = time.perf_counter()
        outcome = session.validate(frame(), suite, index, complete)
        seconds[suite.name] = round(time.perf_counter() - started, 2)
        outcomes[_key(asset, check)] = outcome
        if log is not None:
            failed = "; ".join(outcome.names[:5]) or "all passed"
            log(f"{data.year_be} {suite.name}: {outcome.rows:,} rows, {failed}")

    run(
        FACT_PERSON,
        CONTRACT,
        lambda: gxe.derive_fact_person(data.persons),
        gxe.fact_person_suite(),
    )
    run(
        AREA_SUMMARY,
        CONTRACT,
        lambda: gxe.derive_area_summary(data.summary),
        gxe.area_summary_suite(),
        MART_KEYS[AREA_SUMMARY],
    )
    run(
        AREA_SUMMARY,
        RECONCILE,
        lambda: gxe.summary_reconciliation(data.summary, data.person_rows, data.person_keys),
        gxe.reconciliation_suite("marts.area_summary"),
        RECONCILE_INDEX,
    )
    run(
        AREA_INDICATOR,
        CONTRACT,
        lambda: gxe.derive_area_indicator(data.indicator),
        gxe.area_indicator_suite(),
        MART_KEYS[AREA_INDICATOR],
    )
    run(
        AREA_INDICATOR,
        RECONCILE,
        lambda: gxe.indicator_reconciliation(data.indicator, data.summary),
        gxe.reconciliation_suite("marts.area_indicator"),
        RECONCILE_INDEX,
    )
    # the flags keep every unexpected row, so that the Data Docs name every flagged area
    run(
        AREA_SUMMARY,
        YOY_JUMPS,
        lambda: data.yoy,
        gxe.yoy_suite(config.yoy_bound),
        FLAG_INDEX,
        complete=True,
    )
    run(
        AREA_SUMMARY,
        ALL_PASS,
        lambda: data.all_pass,
        gxe.all_pass_suite(config.min_persons, config.all_pass_alpha),
        FLAG_INDEX,
        complete=True,
    )
    run(AREA_SUMMARY, ROLLUP, lambda: data.rollups, gxe.rollup_suite(), FLAG_INDEX, complete=True)

    started = time.perf_counter()
    index = session.write_data_docs()
    page = session.write_quality_page(
        f"Chipao quality checks · ตรวจคุณภาพข้อมูล, survey year {data.year_be}", _flagged(data)
    )
    if log is not None:
        log(f"{data.year_be}: Data Docs written in {time.perf_counter() - started:.1f}s: {index}")
    pages = {o.suite: session.page(o.suite) for o in session.outcomes}
    docs = {"index": index, "pages": pages, "seconds": seconds, "quality_page": page}

    results = []
    for key, outcome in outcomes.items():
        extra: dict[str, Any] = {}
        severity = dg.AssetCheckSeverity.ERROR
        if key == _key(FACT_PERSON, CONTRACT):
            extra = {
                "person_rows_in_year": data.person_rows,
                "sampled": data.person_rows > len(data.persons),
                "sample_rule": f"up to {config.sample_rows:,} rows, smallest hash(person_key)",
            }
        elif key.name == YOY_JUMPS:
            severity, extra = dg.AssetCheckSeverity.WARN, _yoy_metadata(data.yoy, config)
        elif key.name == ALL_PASS:
            severity, extra = dg.AssetCheckSeverity.WARN, _all_pass_metadata(data.all_pass, config)
        elif key.name == ROLLUP:
            severity, extra = dg.AssetCheckSeverity.WARN, _rollup_metadata(data.rollups)
        results.append(_result(key.name, key.asset_key, outcome, docs, severity, **extra))
    return results


def _flagged(data: YearData) -> dict[str, list[dict[str, Any]]]:
    """The areas each finding names, for the quality page: names and persons only."""
    columns = [*FLAG_INDEX, "persons"]
    found = {}
    for suite, frame, flag in (
        ("marts.area_summary_yoy_jumps", data.yoy, "jump"),
        ("marts.area_summary_all_pass", data.all_pass, "flagged"),
    ):
        if frame is not None and len(frame):
            rows = frame[frame[flag].astype(bool)][columns]
            found[suite] = [{k: _plain(v) for k, v in r.items()} for r in rows.to_dict("records")]
    return found


def _yoy_metadata(yoy: pd.DataFrame, config: QualityConfig) -> dict[str, Any]:
    jumps = yoy[yoy["jump"].astype(bool)]
    previous = yoy["previous_year_be"].iloc[0] if len(yoy) else None
    return {
        "previous_year_be": None if previous is None else int(previous),
        "bound": config.yoy_bound,
        "min_persons": config.min_persons,
        "areas_compared": len(yoy),
        "areas_flagged": len(jumps),
        "flagged_by_level": _by_level(jumps),
        "flagged_areas": _listed(jumps, YOY_LISTED),
    }


def _all_pass_metadata(areas: pd.DataFrame, config: QualityConfig) -> dict[str, Any]:
    passes = areas[areas["flagged"].astype(bool)]
    return {
        "min_persons": config.min_persons,
        "alpha": config.all_pass_alpha,
        "areas_without_mpi_poor": int((areas["mpi_poor_persons"] == 0).sum()),
        "areas_eligible": len(areas),
        "areas_flagged": len(passes),
        "flagged_by_level": _by_level(passes),
        "flagged_areas": _listed(passes, ALL_PASS_LISTED),
    }


def _rollup_metadata(areas: pd.DataFrame) -> dict[str, Any]:
    incomplete = areas[areas["rollup_incomplete"].astype(bool)]
    return {
        "areas_checked": len(areas),
        "areas_flagged": len(incomplete),
        "flagged_by_level": _by_level(incomplete),
        "flagged_areas": _listed(incomplete, ROLLUP_LISTED),
    }


def _check_year(
    context: dg.AssetCheckExecutionContext,
    config: QualityConfig,
    warehouse: Warehouse,
    docs_dir: Path,
) -> list[dg.AssetCheckResult]:
    year_be = int(context.partition_key)
    checks = frozenset(context.selected_asset_check_keys) & ALL_CHECKS
    started = time.perf_counter()
    with warehouse.connect() as con:
        data = read_year(con, year_be, config, checks)
    read_seconds = time.perf_counter() - started
    results = run_checks(data, docs_dir, config, context.log.info, checks)
    context.log.info(
        f"{year_be}: {len(results)} checks; read in {read_seconds:.1f}s, checked in "
        f"{time.perf_counter() - started - read_seconds:.1f}s; Data Docs {docs_dir}/index.html"
    )
    return results


@dg.multi_asset_check(
    specs=FACT_SPECS,
    name="gx_facts",
    pool=WRITER_POOL,
    description="Great Expectations on core/fact_person of the survey year, before the marts are "
    "built from it; Data Docs in <exports>/<year_be>/data_docs/fact_person/index.html.",
)
def gx_facts(
    context: dg.AssetCheckExecutionContext,
    config: QualityConfig,
    warehouse: Warehouse,
    exports: ExportFolder,
) -> Iterator[dg.AssetCheckResult]:
    docs_dir = exports.folder(int(context.partition_key)) / DOCS_FOLDER / FACTS_DOCS
    yield from _check_year(context, config, warehouse, docs_dir)


@dg.multi_asset_check(
    specs=MART_SPECS,
    name="gx_quality",
    can_subset=True,  # a run of one asset (or one check) runs only the checks selected
    pool=WRITER_POOL,
    description="Great Expectations on the two marts of the survey year; Data Docs in the "
    "exports folder (<exports>/<year_be>/data_docs/index.html).",
)
def gx_quality(
    context: dg.AssetCheckExecutionContext,
    config: QualityConfig,
    warehouse: Warehouse,
    exports: ExportFolder,
) -> Iterator[dg.AssetCheckResult]:
    docs_dir = exports.folder(int(context.partition_key)) / DOCS_FOLDER
    yield from _check_year(context, config, warehouse, docs_dir)
