"""Great Expectations suites for the count marts, built from the catalogs, and the one way to
run them: on a pandas frame, in an ephemeral GX context, offline. (The person facts are checked
over every row in DuckDB instead: schemas/row_rules.py.)

Pure: no Dagster, no DuckDB. Callers read the frames (schemas/checks.py reads them from the
warehouse); derived columns (rates, recounts) are added here with ``derive_*`` so that each suite
states its rule on plain columns. A suite run on a frame without its derived columns does not pass:
the expectation on a missing column raises inside GX, and ``validate`` reports that as a failure.

GX records a failure inside an expectation (a missing column, a bad type) in the result's
``exception_info`` and carries on; ``validate`` reads it, so a broken expectation never passes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import great_expectations as gx
import pandas as pd
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)

from schemas import catalog, quality_page
from schemas.catalog import COUNTING_UNITS

LEVELS = ("country", "region", "province", "district", "subdistrict", "village")
ALL_AGES = "all"  # the marts' age band for everybody
DOCS_SITE = "chipao"
WARNING = "warning"  # GX severity of the per-area flags: findings to look at, not errors

SUMMARY_COUNTS = (
    "households", "persons", "mpi_poor_persons", "target_poor_persons",
    "mpi_poor_card_verified", "mpi_poor_card_registered", "mpi_poor_no_card",
    "mpi_poor_persons_own", "child_areas", "villages",
)  # fmt: skip
SUMMARY_ADDITIVE = SUMMARY_COUNTS[:8]  # counts that add up over areas of one level
CARD_COUNTS = ("mpi_poor_card_verified", "mpi_poor_card_registered", "mpi_poor_no_card")
INDICATOR_COUNTS = (
    "persons_in_scope", "persons_deprived", "households_deprived", "answers_missing",
)  # fmt: skip
E = gx.expectations


# ---------------------------------------------------------------------------------------------
# Catalog values


def age_band_codes() -> list[str]:
    return [band.code for band in catalog.age_bands()]


def indicator_codes() -> list[str]:
    return [ind.code for ind in catalog.indicators()]


# ---------------------------------------------------------------------------------------------
# Derived columns


def _share(part: pd.Series, whole: pd.Series) -> pd.Series:
    """part / whole as floats; missing where whole is 0 (no rate to check there)."""
    whole = whole.astype("float64")
    return part.astype("float64") / whole.where(whole != 0)


CODE_DIGITS = {"province": 2, "district": 4, "subdistrict": 6, "village": 8}


def area_code_fits_level(frame: pd.DataFrame) -> pd.Series:
    """Whether each row's area_code has its level's form ('TH'; a region of regions.yaml; 2, 4, 6
    or 8 digits whose province lies in a catalog region) and sits under its parent_code."""
    level = frame["level"].astype("object")
    code = frame["area_code"].astype("object")
    parent = frame["parent_code"].astype("object")
    region_of = {
        f"{n:02d}": r.code for r in catalog.regions() for lo, hi in r.province_ranges
        for n in range(lo, hi + 1)
    }  # fmt: skip
    regions = [r.code for r in catalog.regions()]
    province_region = code.str[:2].map(region_of)
    fits = ((level == "country") & (code == "TH") & parent.isna()) | (
        (level == "region") & code.isin(regions) & (parent == "TH")
    )
    parent_digits = dict(zip(list(CODE_DIGITS)[1:], CODE_DIGITS.values(), strict=False))
    for name, digits in CODE_DIGITS.items():
        form = code.str.fullmatch(rf"\d{{{digits}}}").astype("boolean").fillna(False)
        if name == "province":
            under = parent == province_region
        else:
            under = code.str[: parent_digits[name]] == parent
        under = under.astype("boolean").fillna(False)
        fits |= (level == name) & form & province_region.notna() & under
    return fits.astype(bool)


def catalog_names(frame: pd.DataFrame, language: str) -> pd.Series:
    """The catalog's name of each region row (regions.yaml); missing for other levels."""
    names = {r.code: getattr(r, f"name_{language}") for r in catalog.regions()}
    region = frame["level"].astype("object") == "region"
    return frame["area_code"].astype("object").map(names).where(region)


def _with_area_checks(frame: pd.DataFrame) -> pd.DataFrame:
    frame["area_code_fits_level"] = area_code_fits_level(frame)
    frame["catalog_name_th"] = catalog_names(frame, "th")
    frame["catalog_name_en"] = catalog_names(frame, "en")
    return frame


def derive_area_summary(frame: pd.DataFrame) -> pd.DataFrame:
    """Rates (each must lie in [0, 1]), the MPI-poor recounted by welfare card, and the area
    code and region names checked against the catalogs."""
    out = frame.copy()
    out["mpi_poor_rate"] = _share(out["mpi_poor_persons"], out["persons"])
    out["target_poor_rate"] = _share(out["target_poor_persons"], out["persons"])
    out["target_share_of_mpi_poor"] = _share(out["target_poor_persons"], out["mpi_poor_persons"])
    out["mpi_poor_by_card"] = out[list(CARD_COUNTS)].sum(axis=1)
    return _with_area_checks(out)


def derive_area_indicator(frame: pd.DataFrame) -> pd.DataFrame:
    """The deprived rate (must lie in [0, 1]). The mart's areas are those of
    marts.area_summary, whose codes and names are checked there; indicator_reconciliation
    ties the two marts' areas together."""
    out = frame.copy()
    out["deprived_rate"] = _share(out["persons_deprived"], out["persons_in_scope"])
    return out


def summary_reconciliation(
    summary: pd.DataFrame, person_rows: int | None = None, person_keys: int | None = None
) -> pd.DataFrame:
    """Counts of marts.area_summary (one year) that must agree, one row per comparison:
    each level's areas add up to the country (per age band and count), the age bands add up to
    'all' (per level and count; not households, which span age bands), and the country's persons
    equal the year's person facts (``person_rows``) and its distinct person keys
    (``person_keys``: a person counted twice fails here, over the whole year, not a sample).
    Columns: check, level, age_band, measure, total, expected."""
    counts = list(SUMMARY_ADDITIVE)
    rows: list[dict[str, Any]] = []
    country = summary[summary["level"] == "country"].groupby("age_band", observed=True)[counts]
    country = country.sum()
    by_level = summary.groupby(["level", "age_band"], observed=True)[counts].sum()
    for (level, band), sums in by_level.iterrows():
        for m in counts:
            rows.append(
                _row("level_adds_up_to_country", level, band, m, sums[m], country[m].get(band))
            )
    is_all = summary["age_band"] == ALL_AGES
    banded = summary[~is_all].groupby("level", observed=True)[counts].sum()
    everyone = summary[is_all].groupby("level", observed=True)[counts].sum()
    for level in sorted(set(banded.index) | set(everyone.index)):
        for m in counts[1:]:
            total, expected = banded[m].get(level), everyone[m].get(level)
            rows.append(_row("age_bands_add_up_to_all", level, "*", m, total, expected))
    if person_rows is not None:
        total = country["persons"].get(ALL_AGES)
        check = "country_persons_equal_person_facts"
        rows.append(_row(check, "country", ALL_AGES, "persons", total, person_rows))
    if person_keys is not None:
        total = country["persons"].get(ALL_AGES)
        check = "country_persons_equal_distinct_person_keys"
        rows.append(_row(check, "country", ALL_AGES, "persons", total, person_keys))
    return _reconciliation_frame(rows)


def indicator_reconciliation(indicator: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """Counts of marts.area_indicator (one year) that must agree: each level's areas add up to
    the country (per age band, indicator and count); household indicators, whose scope is every
    household, have every person of marts.area_summary in scope (per level and age band); every
    area and age band of marts.area_summary has one row per catalog indicator."""
    counts = list(INDICATOR_COUNTS)
    keys = ["age_band", "indicator_code"]
    rows: list[dict[str, Any]] = []
    country = indicator[indicator["level"] == "country"].groupby(keys, observed=True)[counts]
    country = country.sum()
    by_level = indicator.groupby(["level", *keys], observed=True)[counts].sum()
    for (level, band, code), sums in by_level.iterrows():
        for m in counts:
            expected = country[m].get((band, code))
            rows.append(
                _row("level_adds_up_to_country", level, band, f"{code} {m}", sums[m], expected)
            )
    household = [i.code for i in catalog.indicators() if i.unit == "household"]
    in_scope = (
        indicator[indicator["indicator_code"].isin(household)]
        .groupby(["level", *keys], observed=True)["persons_in_scope"]
        .sum()
    )
    persons = summary.groupby(["level", "age_band"], observed=True)["persons"].sum()
    for (level, band, code), total in in_scope.items():
        expected = persons.get((level, band))
        measure = f"{code} persons_in_scope"
        rows.append(
            _row("household_indicator_covers_every_person", level, band, measure, total, expected)
        )
    per_band = indicator.groupby(["level", "age_band"], observed=True).size()
    areas = summary.groupby(["level", "age_band"], observed=True).size() * len(indicator_codes())
    for level, band in sorted(set(per_band.index) | set(areas.index)):
        total, expected = per_band.get((level, band)), areas.get((level, band))
        rows.append(_row("one_row_per_area_and_indicator", level, band, "rows", total, expected))
    return _reconciliation_frame(rows)


def _row(check: str, level: str, band: str, measure: str, total: Any, expected: Any) -> dict:
    def plain(value: Any) -> float | None:
        return None if value is None or pd.isna(value) else float(value)

    return {
        "check": check,
        "level": level,
        "age_band": band,
        "measure": measure,
        "total": plain(total),
        "expected": plain(expected),
    }


def _reconciliation_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    columns = ["check", "level", "age_band", "measure", "total", "expected"]
    frame = pd.DataFrame(rows, columns=columns)
    # a comparison with a side missing (a level with no country row) must fail, not be skipped:
    # GX skips a pair with a missing value, so missing becomes -1, which no count equals
    frame[["total", "expected"]] = frame[["total", "expected"]].fillna(-1.0)
    return frame


# ---------------------------------------------------------------------------------------------
# Suites. Each call builds a fresh suite: GX suites are mutable and bound to one context.


def _suite(name: str, expectations: Iterable[Any], **meta: Any) -> gx.ExpectationSuite:
    return gx.ExpectationSuite(name=name, expectations=list(expectations), meta=meta)


def _not_null(columns: Iterable[str]) -> list[Any]:
    return [E.ExpectColumnValuesToNotBeNull(column=c) for c in columns]


def _at_least_zero(columns: Iterable[str]) -> list[Any]:
    return [E.ExpectColumnValuesToBeBetween(column=c, min_value=0) for c in columns]


def _a_at_least_b(a: str, b: str) -> Any:
    return E.ExpectColumnPairValuesAToBeGreaterThanB(column_A=a, column_B=b, or_equal=True)


def _rate(column: str) -> Any:
    return E.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=1)


def _area_rows(key: list[str]) -> list[Any]:
    """Keys, levels and age bands of a mart: one row per key, everything within the catalogs."""
    return [
        E.ExpectTableRowCountToBeBetween(min_value=1),
        E.ExpectCompoundColumnsToBeUnique(column_list=key),
        *_not_null(dict.fromkeys(["year_be", *key, "name_th", "name_en"])),
        E.ExpectColumnValuesToBeInSet(column="level", value_set=list(LEVELS)),
        E.ExpectColumnValuesToBeInSet(column="age_band", value_set=[*age_band_codes(), ALL_AGES]),
    ]


def area_summary_suite() -> gx.ExpectationSuite:
    """marts.area_summary, one year (run on ``derive_area_summary(frame)``)."""
    return _suite(
        "marts.area_summary",
        [
            *_area_rows(["year", "level", "area_code", "age_band"]),
            E.ExpectColumnValuesToBeInSet(column="area_code_fits_level", value_set=[True]),
            *[
                E.ExpectColumnPairValuesToBeEqual(
                    column_A=f"name_{lang}",
                    column_B=f"catalog_name_{lang}",
                    ignore_row_if="either_value_is_missing",
                )
                for lang in ("th", "en")
            ],
            *_at_least_zero(SUMMARY_COUNTS),
            _a_at_least_b("persons", "households"),
            _a_at_least_b("persons", "mpi_poor_persons"),
            _a_at_least_b("mpi_poor_persons", "target_poor_persons"),
            _a_at_least_b("mpi_poor_persons", "mpi_poor_persons_own"),
            _rate("mpi_poor_rate"),
            _rate("target_poor_rate"),
            _rate("target_share_of_mpi_poor"),
            E.ExpectColumnPairValuesToBeEqual(
                column_A="mpi_poor_persons", column_B="mpi_poor_by_card"
            ),
        ],
        table="marts.area_summary",
    )


def area_indicator_suite() -> gx.ExpectationSuite:
    """marts.area_indicator, one year (run on ``derive_area_indicator(frame)``)."""
    key = ["year", "level", "area_code", "age_band", "indicator_code"]
    return _suite(
        "marts.area_indicator",
        [
            *_area_rows(key),
            E.ExpectColumnValuesToBeInSet(column="indicator_code", value_set=indicator_codes()),
            E.ExpectColumnDistinctValuesToEqualSet(
                column="indicator_code", value_set=indicator_codes()
            ),
            *_at_least_zero(INDICATOR_COUNTS),
            _a_at_least_b("persons_in_scope", "persons_deprived"),
            _a_at_least_b("persons_deprived", "households_deprived"),
            _a_at_least_b("persons_in_scope", "answers_missing"),
            E.ExpectColumnValuesToBeInSet(column="counted_by", value_set=list(COUNTING_UNITS)),
            _rate("deprived_rate"),
        ],
        table="marts.area_indicator",
    )


def reconciliation_suite(table: str) -> gx.ExpectationSuite:
    """On ``summary_reconciliation`` / ``indicator_reconciliation`` frames: every total equals
    what it must equal."""
    return _suite(
        f"{table}_reconcile",
        [
            E.ExpectTableRowCountToBeBetween(min_value=1),
            E.ExpectColumnPairValuesToBeEqual(column_A="total", column_B="expected"),
        ],
        table=table,
    )


def yoy_suite(bound: float) -> gx.ExpectationSuite:
    """On the rows of sql/quality/yoy_jumps.sql: no area jumped, i.e. none's MPI-poor rate moved
    beyond ``bound`` and beyond chance, and none's persons changed by half again or a third.
    A warning per area, not an error: a jump may be real (a flood, a new survey team)."""
    return _suite(
        "marts.area_summary_yoy_jumps",
        [E.ExpectColumnValuesToBeInSet(column="jump", value_set=[False], severity=WARNING)],
        table="marts.area_summary",
        bound=bound,
    )


def all_pass_suite(min_persons: int, alpha: float) -> gx.ExpectationSuite:
    """On the rows of sql/quality/all_pass_areas.sql: no area is flagged, i.e. none of
    ``min_persons`` or more has nobody MPI-poor where that is improbable given its parent area
    (family-wise error ``alpha``). A warning per area (docs/domain.md §7: implausible, not
    impossible)."""
    return _suite(
        "marts.area_summary_all_pass",
        [E.ExpectColumnValuesToBeInSet(column="flagged", value_set=[False], severity=WARNING)],
        table="marts.area_summary",
        min_persons=min_persons,
        alpha=alpha,
    )


def rollup_suite() -> gx.ExpectationSuite:
    """On the rows of sql/quality/incomplete_rollups.sql: no area lost a child area that had
    data the year before. A warning per area: a district that delivered nothing leaves its
    province's figures smaller, not wrong (docs/marts.md, "How complete a rollup is")."""
    return _suite(
        "marts.area_summary_rollup_complete",
        [
            E.ExpectColumnValuesToBeInSet(
                column="rollup_incomplete", value_set=[False], severity=WARNING
            )
        ],
        table="marts.area_summary",
    )


# ---------------------------------------------------------------------------------------------
# Running a suite


@dataclass(frozen=True)
class Failure:
    """One expectation that did not pass, or that raised inside GX."""

    expectation: str  # e.g. "expect_column_values_to_be_between(mpi_poor_rate)"
    type: str
    columns: tuple[str, ...]
    severity: str
    unexpected_count: int | None
    observed: Any  # the observed value, or the first unexpected values
    examples: tuple[dict[str, Any], ...]  # first unexpected rows (index columns), when asked
    error: str | None = None  # the exception GX recorded, when the expectation raised

    def line(self) -> str:
        what = f"error: {self.error}" if self.error else f"observed {self.observed!r}"
        count = "" if self.unexpected_count is None else f", {self.unexpected_count:,} unexpected"
        return f"{self.expectation}: {what}{count}"


@dataclass(frozen=True)
class Outcome:
    suite: str
    success: bool
    rows: int
    evaluated: int
    failed: int
    unexpected: int  # unexpected values over every expectation
    failures: tuple[Failure, ...]
    result: Any = field(repr=False)  # the GX ExpectationSuiteValidationResult (for Data Docs)

    @property
    def names(self) -> list[str]:
        return [f.expectation for f in self.failures]

    @property
    def statistics(self) -> dict[str, int]:
        return {
            "rows": self.rows,
            "expectations_evaluated": self.evaluated,
            "expectations_failed": self.failed,
            "unexpected_values": self.unexpected,
        }


def new_context(docs_dir: str | Path | None = None) -> Any:
    """An ephemeral GX context, in memory: analytics off, no progress bars, and a local Data Docs
    site in ``docs_dir`` when given. Nothing here reaches the network or sets the environment."""
    sites = {}
    if docs_dir is not None:
        sites[DOCS_SITE] = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(Path(docs_dir).resolve()),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        data_docs_sites=sites,
    )
    return gx.get_context(mode="ephemeral", project_config=config)


class Session:
    """One GX context for the suites of one run, and its Data Docs site (optional)."""

    def __init__(self, docs_dir: str | Path | None = None) -> None:
        self.docs_dir = Path(docs_dir) if docs_dir is not None else None
        self.context = new_context(self.docs_dir)
        self.outcomes: list[Outcome] = []

    def validate(
        self,
        frame: pd.DataFrame,
        suite: gx.ExpectationSuite,
        index_columns: Sequence[str] = (),
        complete: bool = False,
    ) -> Outcome:
        """Run ``suite`` on the whole frame. ``index_columns`` name the unexpected rows in the
        result; ``complete`` keeps every unexpected row (not only the first 20), so that the
        Data Docs list them all with their index columns: for short lists such as flags."""
        context = self.context
        if "chipao" in {ds.name for ds in context.data_sources.all().values()}:
            source = context.data_sources.get("chipao")
        else:
            source = context.data_sources.add_pandas("chipao")
        if suite.name in source.get_asset_names():
            asset = source.get_asset(suite.name)
            batch = asset.get_batch_definition("whole frame")
        else:
            asset = source.add_dataframe_asset(suite.name)
            batch = asset.add_batch_definition_whole_dataframe("whole frame")
        bound = context.suites.add_or_update(_copy(suite))
        definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=suite.name, data=batch, suite=bound)
        )
        result_format: dict[str, Any] = {"result_format": "COMPLETE" if complete else "SUMMARY"}
        if index_columns:
            result_format["unexpected_index_column_names"] = list(index_columns)
        result = definition.run(batch_parameters={"dataframe": frame}, result_format=result_format)
        outcome = _outcome(suite, result, rows=len(frame))
        self.outcomes.append(outcome)
        return outcome

    def write_data_docs(self) -> Path | None:
        """Build the static HTML site afresh in ``docs_dir``; return its index.html."""
        if self.docs_dir is None:
            return None
        _clear_docs(self.docs_dir)
        _scrub_stored_results(self.context)
        self.context.build_data_docs(site_names=[DOCS_SITE])
        index = self.docs_dir / "index.html"
        if not index.is_file():
            raise FileNotFoundError(f"GX built no Data Docs index at {index}")
        return index

    def write_quality_page(
        self, title: str, flagged: dict[str, list[dict[str, Any]]] | None = None
    ) -> Path | None:
        """The offline page of this session's results (schemas/quality_page.py), beside the
        GX index: ``docs_dir``/quality.html."""
        if self.docs_dir is None:
            return None
        html = quality_page.render(title, self.outcomes, flagged, gx_index="index.html")
        return quality_page.write(self.docs_dir / quality_page.PAGE, html)

    def page(self, suite_name: str) -> Path | None:
        """The Data Docs page of the latest validation of ``suite_name``, once written."""
        if self.docs_dir is None:
            return None
        folder = self.docs_dir.joinpath("validations", *suite_name.split("."))
        pages = sorted(folder.rglob("*.html"))
        return pages[-1] if pages else None


def validate(
    frame: pd.DataFrame,
    suite: gx.ExpectationSuite,
    *,
    session: Session | None = None,
    index_columns: Sequence[str] = (),
    complete: bool = False,
) -> Outcome:
    """Run ``suite`` on the whole of ``frame`` (in a fresh ephemeral context unless a session is
    given). An expectation that raised inside GX counts as failed, whatever its ``success``."""
    return (session or Session()).validate(frame, suite, index_columns, complete)


def _copy(suite: gx.ExpectationSuite) -> gx.ExpectationSuite:
    """A fresh, unbound copy, so one built suite can be run in several contexts."""
    expectations = [e.copy(update={"id": None}, deep=True) for e in suite.expectations]
    return gx.ExpectationSuite(name=suite.name, expectations=expectations, meta=dict(suite.meta))


# What GX keeps of the unexpected rows: their values. The Data Docs show them (up to 20 per
# expectation); a count of 1 to 4 there would be a small cell the exports suppress, so the
# stored results lose them before the site is built. The counts, the observed aggregates and
# the index columns that name an area stay; the in-memory Outcome keeps everything.
VALUE_LISTS = ("partial_unexpected_list", "partial_unexpected_counts", "unexpected_list")
INDEX_LISTS = ("partial_unexpected_index_list", "unexpected_index_list")


def scrub_values(result: dict[str, Any]) -> dict[str, Any]:
    """One expectation's result without the values of unexpected cells."""
    out = {k: v for k, v in result.items() if k not in VALUE_LISTS}
    keep = set(result.get("unexpected_index_column_names") or ())
    for name in INDEX_LISTS:
        rows = result.get(name)
        if rows:
            out[name] = [
                {k: v for k, v in row.items() if k in keep} if isinstance(row, dict) else row
                for row in rows
            ]
    return out


def _scrub_stored_results(context: Any) -> None:
    store = context.validation_results_store
    for key in store.list_keys():
        stored = store.get(key)
        for r in stored.results:
            if r.result:
                r.result = scrub_values(dict(r.result))
        store.set(key, stored)


def _clear_docs(folder: Path) -> None:
    """Remove what an earlier build wrote (and only that), so the index shows this run."""
    import shutil

    for name in ("validations", "expectations", "static"):
        if (folder / name).is_dir():
            shutil.rmtree(folder / name)
    (folder / "index.html").unlink(missing_ok=True)
    (folder / quality_page.PAGE).unlink(missing_ok=True)


def _error(info: Any) -> str | None:
    """The message of an exception GX recorded, in either shape it uses: one dict with
    ``raised_exception``, or a dict of such dicts keyed by metric."""
    if not info:
        return None
    if isinstance(info, dict) and "raised_exception" in info:
        if info.get("raised_exception"):
            return str(info.get("exception_message") or "exception raised inside GX")
        return None
    if isinstance(info, dict):
        for value in info.values():
            message = _error(value)
            if message:
                return message
    return None


def _plain(value: Any) -> Any:
    """numpy and pandas scalars as Python values, so metadata and reports can hold them."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str):
        try:
            return value.item()
        except (TypeError, ValueError):
            return str(value)
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def _outcome(suite: gx.ExpectationSuite, result: Any, rows: int) -> Outcome:
    failures = []
    unexpected = 0
    for r in result.results:
        config = r.expectation_config
        kwargs = dict(config.kwargs)
        error = _error(r.exception_info)
        details = dict(r.result or {})
        count = details.get("unexpected_count")
        unexpected += int(count or 0)
        if r.success and not error:
            continue
        columns = quality_page.expectation_columns(kwargs)
        label = f"{config.type}({', '.join(columns)})" if columns else config.type
        observed = details.get("observed_value", details.get("partial_unexpected_list"))
        if isinstance(observed, list):
            observed = observed[:5]
        severity = getattr(config, "severity", None)
        failures.append(
            Failure(
                expectation=label,
                type=config.type,
                columns=columns,
                severity=str(getattr(severity, "value", severity) or "critical"),
                unexpected_count=None if count is None else int(count),
                observed=_plain(observed),
                examples=tuple(_plain(details.get("partial_unexpected_index_list") or [])[:5]),
                error=error,
            )
        )
    missing = len(suite.expectations) - len(result.results)
    if missing > 0:  # never let an expectation that did not run count as passed
        failures.append(
            Failure(
                expectation="expectations_not_evaluated",
                type="expectations_not_evaluated",
                columns=(),
                severity="critical",
                unexpected_count=None,
                observed=missing,
                examples=(),
                error=f"{missing} expectation(s) of the suite produced no result",
            )
        )
    return Outcome(
        suite=suite.name,
        success=not failures,
        rows=rows,
        evaluated=len(result.results),
        failed=len(failures),
        unexpected=unexpected,
        failures=tuple(failures),
        result=result,
    )
