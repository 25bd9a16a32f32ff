"""Validate a delivered file's rows against its contract; split them into staged and failures."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import pandera.errors
import polars as pl

from schemas import catalog, rules
from schemas.catalog import Source
from schemas.contracts import contract
from schemas.normalise import ALL_REPAIRS, be_date_to_ce, normalise

# Cells beyond the header's last column; the reader puts them here so none is dropped unseen.
EXTRA_CELLS = "__extra_cells__"

FAILURE_SCHEMA = {"row_index": pl.UInt32, "column": pl.Utf8, "rule": pl.Utf8, "value": pl.Utf8}

# pandera names its built-in checks after their call; quarantine readers see our rule names.
_PANDERA_RULES = {
    "not_nullable": "required",
    "in_range": "range",
    "isin": "allowed",
    "str_matches": "digits",
}


@dataclass(frozen=True)
class AreaRegister:
    """What the validator needs to know of areas: current subdistricts and abolished ones."""

    subdistricts: frozenset[str]
    successor: dict[str, str]  # abolished subdistrict -> its single successor
    ambiguous: frozenset[str]  # abolished subdistricts with no single successor

    @classmethod
    def from_codes(
        cls, subdistricts: Iterable[str], abolished: Iterable[tuple[str, str | None]]
    ) -> AreaRegister:
        """Current subdistrict codes, and (abolished code, single successor or None) pairs."""
        pairs = list(abolished)
        return cls(
            subdistricts=frozenset(subdistricts),
            successor={code: successor for code, successor in pairs if successor},
            ambiguous=frozenset(code for code, successor in pairs if not successor),
        )


@dataclass(frozen=True)
class Checked:
    rows: pl.DataFrame  # rows that passed every rule, typed, with lineage
    failures: pl.DataFrame  # one row per failed (row, column, rule)

    @property
    def quarantined_rows(self) -> int:
        return self.failures["row_index"].n_unique()


def _pandera_rule(check: pl.Expr) -> pl.Expr:
    name = check.str.extract(r"^(\w+)")
    return name.replace_strict(_PANDERA_RULES, default=name)


def contract_failures(typed: pl.DataFrame, source: Source) -> pl.DataFrame:
    """Cells that break the field catalog's contract (required, range, allowed, digits)."""
    try:
        contract(source.name).validate(typed, lazy=True)
    except pandera.errors.SchemaErrors as err:
        cases = err.failure_cases.filter(pl.col("index").is_not_null())
        positions = cases["index"].cast(pl.UInt32)
        return pl.DataFrame(
            {
                "row_index": typed["row_index"].gather(positions),
                "column": cases["column"].cast(pl.Utf8),
                "rule": cases.select(_pandera_rule(pl.col("check")))["check"],
                "value": cases["failure_case"].cast(pl.Utf8),
            },
            schema=FAILURE_SCHEMA,
        )
    return pl.DataFrame(schema=FAILURE_SCHEMA)


def map_abolished_areas(
    typed: pl.DataFrame, areas: AreaRegister
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Move villages of abolished subdistricts to the successor; flag unknown or ambiguous ones.

    The code as sent is kept in ``village_code_sent`` whenever it was changed.
    """
    subdistrict = pl.col("village_code").str.slice(0, 6)
    mapped = typed.with_columns(
        pl.when(subdistrict.is_in(list(areas.successor)))
        .then(pl.col("village_code"))
        .alias("village_code_sent"),
        pl.when(subdistrict.is_in(list(areas.successor)))
        .then(
            subdistrict.replace_strict(areas.successor, default=None)
            + pl.col("village_code").str.slice(6, 2)
        )
        .otherwise(pl.col("village_code"))
        .alias("village_code"),
    )
    new_sub = pl.col("village_code").str.slice(0, 6)
    has_code = pl.col("village_code").str.contains(r"^\d{8}$")
    ambiguous = has_code & new_sub.is_in(list(areas.ambiguous))
    unknown = has_code & ~new_sub.is_in(list(areas.subdistricts)) & ~ambiguous
    failures = pl.concat(
        [
            rules.failures_where(mapped, ambiguous, "village_code", "area_ambiguous"),
            rules.failures_where(mapped, unknown, "village_code", "area_unknown"),
        ]
    )
    return mapped, failures


def _household_rules(typed: pl.DataFrame) -> list[pl.DataFrame]:
    sent = pl.coalesce("village_code_sent", "village_code")
    wrong_district = pl.col("house_code").str.contains(r"^\d{11}$") & (
        pl.col("house_code").str.slice(0, 4) != sent.str.slice(0, 4)
    )
    village_zero = pl.col("village_code").str.contains(r"^\d{6}00$")
    return [
        rules.failures_where(typed, wrong_district, "house_code", "house_code_district"),
        rules.failures_where(typed, village_zero, "village_code", "village_number"),
    ]


def _member_rules(typed: pl.DataFrame, reference_day: date) -> tuple[pl.DataFrame, list]:
    typed = typed.with_columns(be_date_to_ce(pl.col("birth_date")).alias("birth_date_ce"))
    typed = typed.with_columns(rules.age_on(pl.col("birth_date_ce"), reference_day).alias("age"))
    bad_date = pl.col("birth_date").is_not_null() & pl.col("birth_date_ce").is_null()
    bad_age = (pl.col("age") < 0) | (pl.col("age") > rules.MAX_AGE)
    # one regex decides which IDs have 13 digits; their check digit is integer arithmetic
    bad_id = pl.col("citizen_id").str.contains(r"^\d{13}$") & ~rules.check_digit_holds(
        pl.col("citizen_id")
    )
    return typed, [
        rules.failures_where(typed, bad_date, "birth_date", "date"),
        rules.failures_where(typed, bad_age, "birth_date", "age"),
        rules.failures_where(typed, bad_id, "citizen_id", "citizen_id_check_digit"),
    ]


# The case records' BE date fields and the CE dates they are staged as.
CASE_DATES = {
    "date_raised": "raised_on", "date_resolved": "resolved_on", "status_date": "status_on",
}  # fmt: skip


def _case_rules(typed: pl.DataFrame, year_be: int) -> tuple[pl.DataFrame, list]:
    """Case records: the problem is a dimension and an indicator of the catalogs (the survey
    year's edition), the dates are BE dates, and a problem is not resolved before it was raised."""
    typed = typed.with_columns(
        be_date_to_ce(pl.col(text)).alias(day) for text, day in CASE_DATES.items()
    )
    of_dimension = {i.code: i.dimension for i in catalog.indicators(year_be)}
    dimension = pl.col("indicator_code").replace_strict(of_dimension, default=None)
    found = [
        rules.failures_where(
            typed, pl.col(text).is_not_null() & pl.col(day).is_null(), text, "date"
        )  # fmt: skip
        for text, day in CASE_DATES.items()
    ]
    known_dimension = pl.col("dimension").is_in([d.code for d in catalog.dimensions()])
    found += [
        rules.failures_where(typed, ~known_dimension, "dimension", "dimension_unknown"),
        rules.failures_where(typed, dimension.is_null(), "indicator_code", "indicator_unknown"),
        rules.failures_where(
            typed, known_dimension & (dimension != pl.col("dimension")),
            "indicator_code", "indicator_dimension",
        ),
        rules.failures_where(
            typed, pl.col("resolved_on") < pl.col("raised_on"),
            "date_resolved", "resolved_before_raised",
        ),
    ]  # fmt: skip
    return typed, found


def check_rows(
    text: pl.DataFrame,
    source: Source,
    *,
    year_be: int,
    areas: AreaRegister | None,
    reference_day: date,
    possible_repairs: frozenset[str] = ALL_REPAIRS,
) -> Checked:
    """Normalise, type and validate rows read as text; ``text`` carries a ``row_index`` column."""
    typed, type_failures = normalise(text, source, possible_repairs)
    found = [type_failures, contract_failures(typed, source)]
    if EXTRA_CELLS in typed.columns:
        spilled = pl.col(EXTRA_CELLS).is_not_null()
        found.append(rules.failures_where(typed, spilled, EXTRA_CELLS, "extra_cells"))
    if "survey_year" in typed.columns:
        wrong_year = pl.col("survey_year") != year_be
        found.append(rules.failures_where(typed, wrong_year, "survey_year", "year_mismatch"))
    if areas is not None and "village_code" in typed.columns:
        typed, area_failures = map_abolished_areas(typed, areas)
        found.append(area_failures)
        found += _household_rules(typed)
    if source.name == "bmn_member":
        typed, member_failures = _member_rules(typed, reference_day)
        found += member_failures
    if source.name == "case_record":
        typed, case_failures = _case_rules(typed, year_be)
        found += case_failures

    failures = pl.concat([f.cast(FAILURE_SCHEMA) for f in found])
    # A cell that is not a number is also null after typing; report it once, as `type`.
    typed_cells = failures.filter(pl.col("rule") == "type").select("row_index", "column")
    required = pl.col("rule") == "required"
    failures = pl.concat(
        [
            failures.filter(~required),
            failures.filter(required).join(typed_cells, on=["row_index", "column"], how="anti"),
        ]
    ).unique(maintain_order=True)
    good = typed.join(failures.select("row_index").unique(), on="row_index", how="anti")
    return Checked(rows=good, failures=failures)
