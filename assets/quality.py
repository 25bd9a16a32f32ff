"""The checks of a survey year's person facts and count marts, run as Dagster asset checks:
declared here, their logic in schemas/checks.py (what they read, run and write), each outcome
turned into a Dagster result here.

Two multi-asset checks, partitioned by survey year like the assets they check:

- ``fact_checks`` runs every row rule of core.fact_person (schemas/row_rules.py, generated from
  the catalogs) over every person of the year inside DuckDB, in one scan that returns a count
  per rule (sql/quality/fact_person_rules.sql), and counts repeated person keys in slices of the
  keys (sql/quality/person_key_slice.sql), so memory is bounded by a slice, not the country. It
  used to validate a 200,000-person sample in pandas with Great Expectations: 0.5 % of a
  national year. Its page: <exports>/<year_be>/data_docs/fact_person/quality.html.
- ``gx_quality`` runs the Great Expectations suites of schemas/expectations.py on the marts
  (pandas frames) and writes the Data Docs and the quality page to
  <exports>/<year_be>/data_docs/.

    core/fact_person      row_contract    ERROR  every row: required columns, catalog codes,
                                                 statuses 1/0/NULL, age band, recounts, union
                                                 rule; one row per person key
    marts/area_summary    gx_contract     ERROR  keys, catalog codes and labels, rates in [0, 1]
    marts/area_summary    gx_reconcile    ERROR  levels add up to the country, bands to 'all',
                                                 persons = person facts = distinct person keys
    marts/area_summary    gx_yoy_jumps    WARN   MPI-poor rate moved beyond chance since the
                                                 last year (sql/quality/yoy_jumps.sql)
    marts/area_summary    gx_all_pass     WARN   nobody MPI-poor where that is improbable given
                                                 the parent area (5 % a year)
    marts/area_summary    gx_rollup_complete WARN an area that had data the year before has
                                                 none (sql/quality/incomplete_rollups.sql)
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

import dataclasses
import time
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pydantic

from assets.storage import ExportFolder
from assets.survey_year import year_check_spec, year_checks
from assets.warehouse import Warehouse
from schemas import checks as lib
from schemas import quality_page
from schemas.checks import ALL_PASS, CONTRACT, RECONCILE, ROLLUP, ROW_CONTRACT, YOY_JUMPS

HINTS = typing.get_type_hints(lib.Bars)
FACT_PERSON = dg.AssetKey(["core", "fact_person"])
AREA_SUMMARY = dg.AssetKey(["marts", "area_summary"])
AREA_INDICATOR = dg.AssetKey(["marts", "area_indicator"])
DOCS_FOLDER = "data_docs"
FACTS_DOCS = "fact_person"  # inside DOCS_FOLDER; a marts rebuild leaves sub-folders alone


# The bars of the checks (schemas/checks.py ``Bars``, declared there once) as Dagster run config,
# which the UI's launchpad lets people set per run.
QualityConfig = pydantic.create_model(
    "QualityConfig",
    __base__=dg.Config,
    **{f.name: (HINTS[f.name], f.default) for f in dataclasses.fields(lib.Bars)},
)


def _spec(name: str, asset: dg.AssetKey, description: str) -> dg.AssetCheckSpec:
    return year_check_spec(name, asset, description, blocking=name in lib.BLOCKING)


FACT_SPECS = [
    _spec(
        ROW_CONTRACT,
        FACT_PERSON,
        "Every person of the year, in DuckDB (sql/quality/fact_person_rules.sql, rules generated "
        "from the catalogs by schemas/row_rules.py): one row per person key, required columns, "
        "codes in the catalogs, statuses 1/0/NULL, the age band of the age, deprivations and "
        "MPI-poor equal to their recount. Fails on one broken row.",
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
        "Warning per area, 30+ persons in both years: since the previous survey year the "
        "MPI-poor rate moved more than 10 points and more than chance explains (z on "
        "households, Bonferroni, 5 % a year), or persons changed by half again or a third "
        "(sql/quality/yoy_jumps.sql).",
    ),
    _spec(
        ALL_PASS,
        AREA_SUMMARY,
        "Warning per area: 30+ persons and nobody MPI-poor, where the chance of that given the "
        "parent area's rate and how the level's areas spread around their parents "
        "(beta-binomial) is below 5 % over all the year's areas (implausible, not impossible; "
        "sql/quality/all_pass_areas.sql).",
    ),
    _spec(
        ROLLUP,
        AREA_SUMMARY,
        "Warning per area: a child area (village, subdistrict, district) that had 30+ persons "
        "in the previous survey year has no data now, so the rollup is short of it "
        "(sql/quality/incomplete_rollups.sql). Areas short of what core.dim_area lists are in "
        "the metadata and in every mart row (child_areas_expected, rollup_incomplete).",
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


def _value(value: Any) -> Any:
    """A metadata value of schemas/checks.py as Dagster shows it."""
    if isinstance(value, lib.Listed):
        columns = [dg.TableColumn(c, kind) for c, kind in value.kinds.items()]
        records = [dg.TableRecord(r) for r in value.records]
        return dg.MetadataValue.table(records=records, schema=dg.TableSchema(columns=columns))
    if isinstance(value, lib.Markdown):
        return dg.MetadataValue.md(str(value))
    if isinstance(value, Path):
        return dg.MetadataValue.path(str(value))
    if isinstance(value, dict):
        return dg.MetadataValue.json(value)
    return value


def _results(outcomes: list[lib.CheckOutcome]) -> list[dg.AssetCheckResult]:
    return [
        dg.AssetCheckResult(
            check_name=o.check,
            asset_key=dg.AssetKey(o.table.split(".")),
            passed=o.passed,
            severity=dg.AssetCheckSeverity.WARN
            if o.severity == lib.WARN
            else dg.AssetCheckSeverity.ERROR,
            metadata={k: _value(v) for k, v in o.metadata.items()},
        )
        for o in outcomes
    ]


def run_checks(data, docs_dir, config, log=None, checks=lib.ALL_CHECKS):
    """The mart checks of one year (schemas/checks.py run_checks) as Dagster results."""
    return _results(lib.run_checks(data, docs_dir, config, log, checks))


def fact_results(data: lib.YearData, docs_dir: Path) -> list[dg.AssetCheckResult]:
    """The row contract of the year's person facts (schemas/checks.py) as a Dagster result."""
    return _results(lib.fact_results(data, docs_dir))


def _check_year(
    context: dg.AssetCheckExecutionContext,
    config: QualityConfig,
    warehouse: Warehouse,
    docs_dir: Path,
) -> list[dg.AssetCheckResult]:
    year_be = int(context.partition_key)
    selected = {(".".join(k.asset_key.path), k.name) for k in context.selected_asset_check_keys}
    checks = frozenset(selected) & lib.ALL_CHECKS
    bars = lib.Bars(**config.model_dump())
    started = time.perf_counter()
    with warehouse.connect() as con:
        data = lib.read_year(con, year_be, bars, checks)
    read_seconds = time.perf_counter() - started
    if (lib.FACT_PERSON, ROW_CONTRACT) in checks:
        results = fact_results(data, docs_dir)
    else:
        results = run_checks(data, docs_dir, bars, context.log.info, checks)
    context.log.info(
        f"{year_be}: {len(results)} checks; read in {read_seconds:.1f}s, checked in "
        f"{time.perf_counter() - started - read_seconds:.1f}s; {docs_dir / quality_page.PAGE}"
    )
    return results


@year_checks(
    specs=FACT_SPECS,
    name="fact_checks",
    description="Every row rule of core/fact_person over every person of the survey year, in "
    "DuckDB, before the marts are built from it; the rules and their counts in "
    "<exports>/<year_be>/data_docs/fact_person/quality.html.",
)
def fact_checks(
    context: dg.AssetCheckExecutionContext,
    config: QualityConfig,
    warehouse: Warehouse,
    exports: ExportFolder,
) -> Iterator[dg.AssetCheckResult]:
    docs_dir = exports.folder(int(context.partition_key)) / DOCS_FOLDER / FACTS_DOCS
    yield from _check_year(context, config, warehouse, docs_dir)


@year_checks(
    specs=MART_SPECS,
    name="gx_quality",
    can_subset=True,  # a run of one asset (or one check) runs only the checks selected
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
