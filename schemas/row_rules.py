"""The row rules of core.fact_person, generated from the catalogs, as DuckDB predicates: what
schemas/checks.py checks over every person of a survey year in one scan
(sql/quality/fact_person_rules.sql), not over a sample in pandas.

Each rule names what must hold and gives the predicate that is true on a row that breaks it.
A predicate that is NULL (a NULL status where a set is checked) does not count as broken: the
NULLs a column may not hold have a rule of their own, as in the Pandera contracts of the input
(schemas/contracts.py), from whose field catalog the per-column rules here are generated.

Pure: no Dagster, no DuckDB, only the text of the rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from schemas import catalog
from schemas.rules import MAX_AGE  # staging rejects other ages

BMN_SOURCES = ("bmn_household", "bmn_member")  # the fields core.fact_person carries over
PERSON_REQUIRED = (
    "year", "year_be", "person_key", "household_key", "village_code", "age_band",
    "deprivations", "mpi_poor", "deprivations_own", "mpi_poor_own", "target_poor",
    "first_in_household", "first_in_band",
)  # fmt: skip


@dataclass(frozen=True)
class Rule:
    name: str  # stable identifier, as the check's metadata and the quality page show it
    holds: str  # what must hold, in words
    broken: str  # DuckDB predicate, true on a row that breaks the rule


def _sql_list(values: Iterable[object]) -> str:
    return ", ".join(repr(v) for v in values)


def field_rules(columns: Sequence[str]) -> list[Rule]:
    """The catalog's rules (required, range, allowed values, digits) of every input field that
    core.fact_person carries over unchanged, as the Pandera contract states them for the input."""
    rules = []
    seen = set()
    for source in BMN_SOURCES:
        for field in catalog.sources()[source].fields:
            if field.name not in columns or field.name in seen:
                continue
            seen.add(field.name)
            col = field.name
            if field.required:
                rules.append(Rule(f"{col}_required", f"{col} is never missing", f"{col} IS NULL"))
            if field.min is not None:
                rules.append(Rule(f"{col}_min", f"{col} >= {field.min:g}", f"{col} < {field.min}"))
            if field.max is not None:
                rules.append(Rule(f"{col}_max", f"{col} <= {field.max:g}", f"{col} > {field.max}"))
            if field.allowed:
                allowed = sorted(field.allowed)
                rules.append(
                    Rule(
                        f"{col}_allowed",
                        f"{col} in the catalog ({', '.join(map(str, allowed))})",
                        f"{col} NOT IN ({_sql_list(allowed)})",
                    )
                )
            if field.digits is not None:
                rules.append(
                    Rule(
                        f"{col}_digits",
                        f"{col} has {field.digits} digits",
                        f"NOT regexp_full_match({col}, '\\d{{{field.digits}}}')",
                    )
                )
    return rules


def age_band_case() -> str:
    """The catalog's age band of `age`, as a CASE expression (NULL where no band holds it)."""
    whens = []
    for band in catalog.age_bands():
        if band.max_age is None:
            whens.append(f"WHEN age >= {band.min_age} THEN '{band.code}'")
        else:
            whens.append(f"WHEN age BETWEEN {band.min_age} AND {band.max_age} THEN '{band.code}'")
    return f"CASE {' '.join(whens)} END"


def _recount(columns: Sequence[str]) -> str:
    return "(" + " + ".join(f"coalesce({c} = 1, false)::INTEGER" for c in columns) + ")"


def fact_person_rules(columns: Sequence[str]) -> list[Rule]:
    """Every row rule of core.fact_person (``columns``: the table's columns): the required
    columns, the input fields' catalog rules, statuses 1/0/NULL, the age band of the age, and
    the stated counts equal to their recount, the union rule included. Uniqueness of the person
    key is not a row rule: schemas/checks.py counts repeated keys in slices of the keys."""
    statuses = [ind.column for ind in catalog.indicators()]
    own = [f"own_{c}" for c in statuses]
    bands = [b.code for b in catalog.age_bands()]
    rules = [
        Rule(f"{c}_required", f"{c} is never missing", f"{c} IS NULL")
        for c in PERSON_REQUIRED
        if c in columns
    ]
    rules += [r for r in field_rules(columns) if r.name not in {x.name for x in rules}]
    rules += [
        Rule("age_range", f"age between 0 and {MAX_AGE}", f"age NOT BETWEEN 0 AND {MAX_AGE}"),
        Rule(
            "age_band_allowed",
            f"age_band in the catalog ({', '.join(bands)})",
            f"age_band NOT IN ({_sql_list(bands)})",
        ),
        Rule(
            "age_band_of_age",
            "age_band is the catalog's band of age",
            f"age_band IS DISTINCT FROM {age_band_case()}",
        ),
        Rule("income_per_capita_min", "income_per_capita >= 0", "income_per_capita < 0"),
    ]
    for kind, what in (("", "household"), ("own_", "own"), ("blank_", "blank-answer")):
        names = [f"{kind}{c}" for c in statuses]
        rules.append(
            Rule(
                f"{kind}statuses_0_1",
                f"the 17 {what} statuses are 1, 0 or NULL",
                " OR ".join(f"{c} NOT IN (0, 1)" for c in names),
            )
        )
    rules += [
        Rule(
            "blank_statuses_required",
            "the 17 blank-answer statuses are never missing",
            " OR ".join(f"blank_{c} IS NULL" for c in statuses),
        ),
        Rule(
            "deprivations_range",
            f"deprivations between 0 and {len(statuses)}",
            f"deprivations NOT BETWEEN 0 AND {len(statuses)}",
        ),
        Rule(
            "deprivations_recount",
            "deprivations = the household statuses equal to 1",
            f"deprivations IS DISTINCT FROM {_recount(statuses)}",
        ),
        Rule(
            "mpi_poor_union_rule",
            "mpi_poor = the household fails one indicator at least (TPMAP union rule)",
            f"mpi_poor IS DISTINCT FROM ({_recount(statuses)} > 0)",
        ),
        Rule(
            "deprivations_own_recount",
            "deprivations_own = the person's own statuses equal to 1",
            f"deprivations_own IS DISTINCT FROM {_recount(own)}",
        ),
        Rule(
            "mpi_poor_own_rule",
            "mpi_poor_own = the person fails one indicator at least",
            f"mpi_poor_own IS DISTINCT FROM ({_recount(own)} > 0)",
        ),
        Rule(
            "own_within_household",
            "a household fails what a member fails",
            " OR ".join(f"(own_{c} = 1 AND coalesce({c}, 0) <> 1)" for c in statuses),
        ),
        Rule(
            "target_poor_mpi_poor", "the target poor are MPI-poor", "target_poor AND NOT mpi_poor"
        ),
        Rule(
            "mpi_poor_own_household",
            "a poor person's household is poor",
            "mpi_poor_own AND NOT mpi_poor",
        ),
    ]
    return rules


def counts(rules: Sequence[Rule]) -> str:
    """The select list of sql/quality/fact_person_rules.sql that counts each rule's broken rows,
    in rule order. Counting alone keeps the scan fast: the first village of each rule, as a
    string aggregate per rule, made it six times slower, so it is asked only of broken rules."""
    return ",\n    ".join(f"count_if(coalesce({rule.broken}, false))" for rule in rules)


def first_villages(rules: Sequence[Rule]) -> str:
    """The select list that finds, per rule, the first village (by code) with a broken row."""
    return ",\n    ".join(
        f"min(village_code) FILTER (WHERE coalesce({rule.broken}, false))" for rule in rules
    )


__all__ = [
    "PERSON_REQUIRED", "Rule", "counts", "fact_person_rules", "field_rules", "first_villages"
]  # fmt: skip
