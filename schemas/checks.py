"""The checks of a survey year's person facts and count marts, pure (no Dagster): what they
read of the warehouse, the Great Expectations suites they run (schemas/expectations.py), the
quality pages they write, and each check's outcome with the metadata people read.

A check is named by its table and name, ``("marts.area_summary", "gx_yoy_jumps")``;
assets/quality.py declares them as Dagster asset checks and turns each ``CheckOutcome`` into an
asset check result. The metadata values are plain Python: ``Listed`` rows become a table,
``Markdown`` text is rendered, a ``Path`` is a link, a dict is shown as JSON.
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Any

import duckdb
import pandas as pd

import sql
from schemas import quality_page, row_rules

FACT_PERSON = "core.fact_person"
AREA_SUMMARY = "marts.area_summary"
AREA_INDICATOR = "marts.area_indicator"

ROW_CONTRACT = "row_contract"
CONTRACT = "gx_contract"
RECONCILE = "gx_reconcile"
YOY_JUMPS = "gx_yoy_jumps"
ALL_PASS = "gx_all_pass"
ROLLUP = "gx_rollup_complete"

# Person keys counted for repeats per slice: a slice's GROUP BY holds this many keys at most,
# about 0.4 GiB, so the check's memory does not grow with the country (36.6 M persons: 10 slices)
SLICE_ROWS = 4_000_000
YOY_BOUND = 0.10  # a change of the MPI-poor rate beyond 10 percentage points is flagged...
YOY_ALPHA = 0.05  # ...when chance explains it in under 5 % of years (sql/quality/yoy_jumps.sql)
PERSONS_RATIO = 1.5  # persons x1.5 or /1.5 in a year: a delivery doubled or half lost
MIN_PERSONS = 30  # smaller areas are not flagged: their rates move by chance
MIN_AREAS = 30  # areas of a level needed to estimate how they spread around their parents
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
YOY_LISTED = [
    *FLAG_INDEX, "previous_persons", "persons", "previous_rate", "rate", "change", "z",
    "persons_ratio",
]  # fmt: skip
ALL_PASS_LISTED = [*FLAG_INDEX, "persons", "households", "parent_rate", "rho", "chance"]
ROLLUP_LISTED = [
    *FLAG_INDEX, "persons", "child_areas", "child_areas_lost", "previous_persons_lost",
    "first_lost",
]  # fmt: skip
SHORT_LISTED = [*FLAG_INDEX, "child_areas", "child_areas_expected", "child_areas_missing"]


@dataclass(frozen=True)
class Bars:
    """The bars of the checks; assets/quality.py makes its run config (QualityConfig) of them."""

    yoy_bound: float = YOY_BOUND
    yoy_alpha: float = YOY_ALPHA
    persons_ratio: float = PERSONS_RATIO
    min_persons: int = MIN_PERSONS
    all_pass_alpha: float = ALL_PASS_ALPHA
    min_areas: int = MIN_AREAS
    slice_rows: int = SLICE_ROWS


# ERROR severity; the flags (WARN) never hold anything back
BLOCKING = {ROW_CONTRACT, CONTRACT, RECONCILE}
ERROR, WARN = "error", "warn"
Check = tuple[str, str]  # (table, check name)
NEEDS: dict[Check, set[str]] = {  # what each check reads
    (FACT_PERSON, ROW_CONTRACT): {"counts", "rules"},
    (AREA_SUMMARY, CONTRACT): {"summary"},
    (AREA_SUMMARY, RECONCILE): {"summary", "counts"},
    (AREA_SUMMARY, YOY_JUMPS): {"yoy"},
    (AREA_SUMMARY, ALL_PASS): {"all_pass"},
    (AREA_SUMMARY, ROLLUP): {"rollups"},
    (AREA_INDICATOR, CONTRACT): {"indicator"},
    (AREA_INDICATOR, RECONCILE): {"indicator", "summary"},
}
ALL_CHECKS = frozenset(NEEDS)


class Markdown(str):
    """Metadata text shown as Markdown."""


@dataclass(frozen=True)
class Listed:
    """Metadata rows shown as a table: the records, and each column's kind (int, float, bool,
    string)."""

    records: list[dict[str, Any]]
    kinds: dict[str, str]


@dataclass(frozen=True)
class CheckOutcome:
    """One check of one survey year: passed or not, ERROR or WARN, and what people read."""

    table: str
    check: str
    passed: bool
    severity: str
    metadata: dict[str, Any]


@dataclass(frozen=True)
class RuleResult:
    """One row rule over every person of a year: the rows that break it, and the first village
    (by code) where one does. No person or household key."""

    name: str
    holds: str
    broken: int
    first_village: str | None

    @property
    def line(self) -> str:
        where = f" (first in village {self.first_village})" if self.first_village else ""
        return f"{self.name}: {self.holds}: {self.broken:,} rows break it{where}"


@dataclass(frozen=True)
class YearData:
    """What the checks of one survey year read from the warehouse (None: not asked for)."""

    year_be: int
    person_rows: int | None = None
    person_keys: int | None = None  # distinct person keys of the year
    repeated_keys: RuleResult | None = None  # rows whose person key another row holds
    rules: list[RuleResult] | None = None  # every row rule of core.fact_person
    summary: pd.DataFrame | None = None
    indicator: pd.DataFrame | None = None
    yoy: pd.DataFrame | None = None  # sql/quality/yoy_jumps.sql
    all_pass: pd.DataFrame | None = None  # sql/quality/all_pass_areas.sql
    rollups: pd.DataFrame | None = None  # sql/quality/incomplete_rollups.sql
    short: pd.DataFrame | None = None  # sql/quality/short_rollups.sql, context of the rollups


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
    bars: Bars | None = None,
    checks: Collection[Check] = ALL_CHECKS,
) -> YearData:
    """Read what ``checks`` need of one survey year."""
    config = bars or Bars()
    needs = set().union(*(NEEDS[c] for c in checks))
    year = {"year_be": year_be}
    read: dict[str, Any] = {}
    if "counts" in needs:
        counts = person_key_counts(con, year_be, config.slice_rows)
        read["person_rows"], read["person_keys"], read["repeated_keys"] = counts
    if "rules" in needs:
        read["rules"] = fact_rule_results(con, year_be)
    if "summary" in needs:
        query = "SELECT * FROM marts.area_summary WHERE year_be = $year_be"
        read["summary"] = _frame(con, query, year)
    if "indicator" in needs:
        query = "SELECT * FROM marts.area_indicator WHERE year_be = $year_be"
        read["indicator"] = _frame(con, query, year, categorical=True)
    if "yoy" in needs:
        read["yoy"] = yoy_jumps(
            con, year_be, config.yoy_bound, config.min_persons, config.yoy_alpha,
            config.persons_ratio,
        )  # fmt: skip
    if "all_pass" in needs:
        read["all_pass"] = all_pass_areas(
            con, year_be, config.min_persons, config.all_pass_alpha, config.min_areas
        )
    if "rollups" in needs:
        params = {**year, "min_persons": config.min_persons}
        read["rollups"] = _frame(con, sql.load("quality/incomplete_rollups"), params)
        read["short"] = _frame(con, sql.load("quality/short_rollups"), year)
    return YearData(year_be=year_be, **read)


REPEATED_KEYS = "person_key_unique"


def fact_rule_results(con: duckdb.DuckDBPyConnection, year_be: int) -> list[RuleResult]:
    """Every row rule of core.fact_person over every person of ``year_be``, in one scan; a
    second scan, only when some rule is broken, finds where."""
    columns = [
        row[0]
        for row in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'core' "
            "AND table_name = 'fact_person' ORDER BY ordinal_position"
        ).fetchall()
    ]
    rules = row_rules.fact_person_rules(columns)
    query, year = sql.load("quality/fact_person_rules"), {"year_be": year_be}
    broken = con.execute(query.format(aggregates=row_rules.counts(rules)), year).fetchall()[0][1:]
    villages: dict[str, str] = {}
    if failing := [rule for rule, n in zip(rules, broken, strict=True) if n]:
        found = con.execute(query.format(aggregates=row_rules.first_villages(failing)), year)
        villages = dict(zip([r.name for r in failing], found.fetchall()[0][1:], strict=True))
    # a year without persons has no rows to break a rule (its sums are NULL): the check fails on
    # the row count instead
    return [
        RuleResult(rule.name, rule.holds, int(n or 0), villages.get(rule.name))
        for rule, n in zip(rules, broken, strict=True)
    ]


def person_key_counts(
    con: duckdb.DuckDBPyConnection, year_be: int, slice_rows: int = SLICE_ROWS
) -> tuple[int, int, RuleResult]:
    """The year's person rows, its distinct person keys, and the rows of a repeated key, counted
    over slices of the keys (sql/quality/person_key_slice.sql) of ``slice_rows`` rows or so."""
    year = {"year_be": year_be}
    rows = con.execute(
        "SELECT count(*) FROM core.fact_person WHERE year_be = $year_be", year
    ).fetchall()[0][0]
    parts = max(1, -(-rows // slice_rows))
    query, repeats = sql.load("quality/person_key_slice"), sql.load("quality/person_key_repeats")
    keys = repeated = 0
    villages = []
    for part in range(parts):
        params = {**year, "parts": parts, "part": part}
        part_rows, part_keys = con.execute(query, params).fetchall()[0]
        keys += part_keys
        if part_rows > part_keys:  # a key held twice: which rows, and where (rare, slower)
            found = con.execute(repeats, params).fetchall()[0]
            repeated += found[0]
            villages.append(found[1])
    result = RuleResult(
        REPEATED_KEYS, "one row per person key", repeated, min(villages, default=None)
    )
    return rows, keys, result


def z_bound(alpha: float, tests: int) -> float:
    """The two-sided normal quantile that ``tests`` tests pass by chance, all of them, with
    probability 1 - ``alpha`` at least (Bonferroni)."""
    return NormalDist().inv_cdf(1 - alpha / max(tests, 1) / 2)


def yoy_jumps(
    con: duckdb.DuckDBPyConnection,
    year_be: int,
    bound: float,
    min_persons: int,
    alpha: float = YOY_ALPHA,
    persons_ratio: float = PERSONS_RATIO,
) -> pd.DataFrame:
    """Areas compared with the previous survey year; `jump` marks the flagged ones: a rate
    moved beyond ``bound`` and beyond chance, or persons beyond ``persons_ratio``."""
    params = {
        "year_be": year_be, "bound": bound, "min_persons": min_persons,
        "persons_ratio": persons_ratio, "z_bound": 0.0,
    }  # fmt: skip
    query = sql.load("quality/yoy_jumps")
    # the bar depends on how many areas are compared: count them first (a few thousand rows)
    compared = con.execute(f"SELECT count(*) FROM ({query})", params).fetchall()[0][0]
    frame = _frame(con, query, {**params, "z_bound": z_bound(alpha, compared)})
    frame.attrs["z_bound"] = z_bound(alpha, compared)
    return frame


def all_pass_areas(
    con: duckdb.DuckDBPyConnection,
    year_be: int,
    min_persons: int,
    alpha: float = ALL_PASS_ALPHA,
    min_areas: int = MIN_AREAS,
) -> pd.DataFrame:
    """Areas of min_persons or more; `flagged` marks those where nobody is MPI-poor although
    that is improbable given their parent area and how the level's areas spread around theirs."""
    params = {
        "year_be": year_be, "min_persons": min_persons, "alpha": alpha, "min_areas": min_areas
    }  # fmt: skip
    return _frame(con, sql.load("quality/all_pass_areas"), params)


def _listed(frame: pd.DataFrame, columns: list[str]) -> Listed:
    """The first LISTED rows as a metadata table (Python values, rates rounded)."""
    head = frame[columns].head(LISTED).astype(object)
    head = head.where(head.notna(), None)
    records = [{k: _plain(v) for k, v in row.items()} for row in head.to_dict(orient="records")]
    kinds = {"i": "int", "u": "int", "f": "float", "b": "bool"}
    return Listed(records, {c: kinds.get(frame[c].dtype.kind, "string") for c in columns})


def _plain(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float):
        return round(value, 4)
    if hasattr(value, "item"):
        value = value.item()
        return round(value, 4) if isinstance(value, float) else value
    return value


def _by_level(flagged: pd.DataFrame) -> dict[str, int]:
    counts = flagged.groupby("level").size() if len(flagged) else {}
    return {str(k): int(v) for k, v in dict(counts).items()}


def _result(
    check: str, table: str, outcome: Any, docs: dict[str, Any], severity: str = ERROR,
    **extra: Any,
) -> CheckOutcome:  # fmt: skip
    """One check's outcome; its metadata: the counts of the GX run, the failed expectations
    with what was observed, and where the Data Docs are."""
    lines = [f"- {f.line()}" for f in outcome.failures]
    metadata = {
        "rows_validated": outcome.rows,
        "expectations_evaluated": outcome.evaluated,
        "expectations_failed": outcome.failed,
        "unexpected_values": outcome.unexpected,
        "failed_expectations": Markdown("\n".join(lines) or "none"),
        "gx_suite": outcome.suite,
        "gx_seconds": docs["seconds"].get(outcome.suite),
        "data_docs": Path(docs["index"]),
        "quality_page": Path(docs["quality_page"]),
        **extra,
    }
    page = docs["pages"].get(outcome.suite)
    if page is not None:
        metadata["data_docs_page"] = Path(page)
    return CheckOutcome(table, check, outcome.success, severity, metadata)


def run_checks(
    data: YearData,
    docs_dir: Path,
    config: Bars,
    log: Callable[[str], None] | None = None,
    checks: Collection[Check] = ALL_CHECKS,
) -> list[CheckOutcome]:
    """Validate one survey year, write its Data Docs, return the outcomes of ``checks``."""
    from schemas import expectations as gxe  # GX costs ~3 s to import: only when checks run

    session = gxe.Session(docs_dir)
    outcomes: dict[Check, Any] = {}
    seconds: dict[str, float] = {}

    def run(asset, check, frame, suite, index=(), complete=False):
        if (asset, check) not in checks:
            return
        started = time.perf_counter()
        outcome = session.validate(frame(), suite, index, complete)
        seconds[suite.name] = round(time.perf_counter() - started, 2)
        outcomes[(asset, check)] = outcome
        if log is not None:
            failed = "; ".join(outcome.names[:5]) or "all passed"
            log(f"{data.year_be} {suite.name}: {outcome.rows:,} rows, {failed}")

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
        f"Chipao quality checks · ตรวจคุณภาพข้อมูล, survey year {data.year_be}", flagged_areas(data)
    )
    if log is not None:
        log(f"{data.year_be}: Data Docs written in {time.perf_counter() - started:.1f}s: {index}")
    pages = {o.suite: session.page(o.suite) for o in session.outcomes}
    docs = {"index": index, "pages": pages, "seconds": seconds, "quality_page": page}

    results = []
    for (table, check), outcome in outcomes.items():
        extra: dict[str, Any] = {}
        severity = ERROR
        if check == YOY_JUMPS:
            severity, extra = WARN, _yoy_metadata(data.yoy, config)
        elif check == ALL_PASS:
            severity, extra = WARN, _all_pass_metadata(data.all_pass, config)
        elif check == ROLLUP:
            severity, extra = WARN, _rollup_metadata(data, config)
        results.append(_result(check, table, outcome, docs, severity, **extra))
    return results


def what_changed(data: YearData) -> dict[str, pd.DataFrame]:
    """Per finding, its flagged areas, largest change first, with what changed in words: whole
    percentage points and persons of areas of MIN_PERSONS or more, never a count of 1 to 4."""
    found = {}
    if data.yoy is not None and len(data.yoy):
        jumps = data.yoy[data.yoy["jump"].astype(bool)].copy()
        jumps["size"] = [
            max(abs(c), abs(math.log(r)) if r else math.inf)
            for c, r in zip(jumps["change"], jumps["persons_ratio"], strict=True)
        ]
        jumps["what_changed"] = [
            "; ".join(
                ([f"MPI-poor rate {100 * r['change']:+.0f} points"] if r["rate_jump"] else [])
                + (
                    [
                        f"persons x{r['persons_ratio']:.2f} ({r['previous_persons']:,} to "
                        f"{r['persons']:,})"
                    ]
                    if r["persons_jump"]
                    else []
                )
            )  # fmt: skip
            for r in jumps.to_dict("records")
        ]
        found["marts.area_summary_yoy_jumps"] = jumps.sort_values("size", ascending=False)
    if data.all_pass is not None and len(data.all_pass):
        passes = data.all_pass[data.all_pass["flagged"].astype(bool)].copy()
        passes["what_changed"] = [
            f"nobody MPI-poor in {r['households']:,} households, where the parent area has "
            f"{100 * r['parent_rate']:.0f} % (chance {r['chance']:.1e})"
            for r in passes.to_dict("records")
        ]
        found["marts.area_summary_all_pass"] = passes.sort_values("chance")
    if data.rollups is not None and len(data.rollups):
        lost = data.rollups[data.rollups["rollup_incomplete"].astype(bool)].copy()
        lost["what_changed"] = [
            f"{r['child_areas_lost']:,} child area(s) with data the year before have none "
            f"({r['previous_persons_lost']:,} persons then; first {r['first_lost']})"
            for r in lost.to_dict("records")
        ]
        found["marts.area_summary_rollup_complete"] = lost.sort_values(
            "previous_persons_lost", ascending=False
        )
    return found


def flagged_areas(data: YearData) -> dict[str, list[dict[str, Any]]]:
    """The areas each finding names, for the quality page: names, persons and what changed."""
    columns = [*FLAG_INDEX, "persons", "what_changed"]
    return {
        suite: [{k: _plain(v) for k, v in r.items()} for r in rows[columns].to_dict("records")]
        for suite, rows in what_changed(data).items()
        if len(rows)
    }


def _yoy_metadata(yoy: pd.DataFrame, config: Bars) -> dict[str, Any]:
    jumps = yoy[yoy["jump"].astype(bool)]
    previous = yoy["previous_year_be"].iloc[0] if len(yoy) else None
    return {
        "previous_year_be": None if previous is None else int(previous),
        "bound": config.yoy_bound,
        "alpha": config.yoy_alpha,
        "z_bound": round(yoy.attrs.get("z_bound", 0.0), 3),
        "persons_ratio": config.persons_ratio,
        "min_persons": config.min_persons,
        "areas_compared": len(yoy),
        "areas_flagged": len(jumps),
        "rate_jumps": int(jumps["rate_jump"].astype(bool).sum()),
        "persons_jumps": int(jumps["persons_jump"].astype(bool).sum()),
        "areas_beyond_bound_by_chance": int(
            ((yoy["change"].abs() > config.yoy_bound) & ~yoy["rate_jump"].astype(bool)).sum()
        ),
        "flagged_by_level": _by_level(jumps),
        "flagged_areas": _listed(jumps, YOY_LISTED),
    }


def _all_pass_metadata(areas: pd.DataFrame, config: Bars) -> dict[str, Any]:
    passes = areas[areas["flagged"].astype(bool)]
    spread = areas.groupby("level")["rho"].first() if len(areas) else {}
    return {
        "min_persons": config.min_persons,
        "alpha": config.all_pass_alpha,
        "spread_by_level": {str(k): round(float(v), 4) for k, v in dict(spread).items()},
        "areas_without_mpi_poor": int((areas["mpi_poor_persons"] == 0).sum()),
        "areas_eligible": len(areas),
        "areas_flagged": len(passes),
        "flagged_by_level": _by_level(passes),
        "flagged_areas": _listed(passes, ALL_PASS_LISTED),
    }


def _rollup_metadata(data: YearData, config: Bars) -> dict[str, Any]:
    areas, short = data.rollups, data.short
    incomplete = areas[areas["rollup_incomplete"].astype(bool)]
    short_areas = short[short["rollup_incomplete"].astype(bool)]
    return {
        "min_persons": config.min_persons,
        "areas_checked": len(areas),
        "areas_flagged": len(incomplete),
        "flagged_by_level": _by_level(incomplete),
        "flagged_areas": _listed(incomplete, ROLLUP_LISTED),
        # context, not the warning: areas short of what core.dim_area lists (docs/marts.md)
        "areas_with_expected_children": len(short),
        "short_of_dim_area": len(short_areas),
        "short_of_dim_area_by_level": _by_level(short_areas),
        "short_of_dim_area_areas": _listed(short_areas, SHORT_LISTED),
    }


def fact_results(data: YearData, docs_dir: Path) -> list[CheckOutcome]:
    """The row contract of the year's person facts, from the rule counts over every row, and
    its quality page in ``docs_dir`` (quality.html; GX Data Docs an earlier version wrote there
    are removed, so the folder shows this run only)."""
    rules = [data.repeated_keys, *data.rules]
    broken = [r for r in rules if r.broken]
    for stale in ("index.html", "validations", "expectations", "static"):
        path = docs_dir / stale
        if path.is_dir():
            shutil.rmtree(path)
        path.unlink(missing_ok=True)
    page = quality_page.write(
        docs_dir / quality_page.PAGE,
        quality_page.render_rules(
            f"Chipao quality checks · ตรวจคุณภาพข้อมูล, core.fact_person, survey year {data.year_be}",
            "core.fact_person",
            data.person_rows,
            [(r.name, r.holds, r.broken, r.first_village) for r in rules],
        ),
    )
    return [
        CheckOutcome(
            table=FACT_PERSON,
            check=ROW_CONTRACT,
            passed=data.person_rows > 0 and not broken,
            severity=ERROR,
            metadata={
                "rows_validated": data.person_rows,
                "distinct_person_keys": data.person_keys,
                "rules_checked": len(rules),
                "rules_broken": len(broken),
                "rows_broken": sum(r.broken for r in broken),
                "broken_rules": Markdown("\n".join(f"- {r.line}" for r in broken) or "none"),
                "quality_page": Path(page),
            },
        )
    ]
