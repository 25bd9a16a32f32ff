"""Small-cell suppression that holds.

A count from 1 to ``threshold - 1`` is hidden (primary suppression). Hiding it alone does not
protect it: the published cells obey sums (an area's figure is the sum of its child areas', the
``all`` age band the sum of the bands, MPI-poor persons the sum of the three card groups) and a
single hidden cell in a sum is that sum minus the others. So more cells are hidden
(complementary suppression) until, in every sum, no hidden cell is pinned down by the published
cells and the bounds an attacker knows: a cell shown as "<5" is 1..4, any other hidden cell is
0 or more.

The engine works on any table given as cells (one value each) and equations (which cells add
up to which); ``mart_cells`` turns the marts of a year into that form. Everything is a scan over
cells and equation memberships, repeated until nothing changes: no loop per cell.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from schemas import catalog

INF = float("inf")
# Rounds of bound propagation an attacker is assumed to do before the check: each round
# carries what one sum tells about a cell into every other sum it is in.
PROPAGATION_ROUNDS = 4


def threshold() -> int:
    """The one declaration of the threshold (schemas/catalog/disclosure.yaml)."""
    return catalog.small_cell()


class System:
    """Cells (``value``) and the sums they obey, as flat arrays: member i of the sums is cell
    ``cell[i]`` with coefficient ``coef[i]`` in sum ``eq[i]`` (Σ coef·value = 0 per sum; sums
    numbered 0..n-1). Numpy's bincount and ufunc.at do the per-sum and per-cell aggregation."""

    def __init__(self, values: np.ndarray, eq: np.ndarray, cell: np.ndarray, coef: np.ndarray):
        _, eq = np.unique(eq, return_inverse=True)
        sizes = np.bincount(eq)
        keep = sizes[eq] > 1  # a "sum" of one cell says nothing
        _, self.eq = np.unique(eq[keep], return_inverse=True)
        self.cell, self.coef = cell[keep].astype(np.int64), coef[keep].astype(np.float64)
        self.values = values.astype(np.float64)
        self.n_eq = int(self.eq.max()) + 1 if len(self.eq) else 0

    def per_eq(self, weights: np.ndarray) -> np.ndarray:
        return np.bincount(self.eq, weights=weights, minlength=self.n_eq)

    def bounds(self, hidden: np.ndarray, limit: int, rounds: int = PROPAGATION_ROUNDS):
        """What an attacker can know of every cell: its value when published; for a hidden
        cell 1..limit-1 if shown as "<limit", else 0..inf; then ``rounds`` of propagation
        through the sums (interval arithmetic), rounded inwards to integers."""
        primary = (self.values >= 1) & (self.values <= limit - 1)
        lower = np.where(hidden, np.where(primary, 1.0, 0.0), self.values)
        upper = np.where(hidden, np.where(primary, limit - 1.0, INF), self.values)
        active = self.per_eq(hidden[self.cell].astype(np.float64))[self.eq] > 0
        eq, cell, coef = self.eq[active], self.cell[active], self.coef[active]
        for _ in range(rounds):
            lo = np.minimum(coef * lower[cell], coef * upper[cell])
            hi = np.maximum(coef * lower[cell], coef * upper[cell])
            lo_inf, hi_inf = ~np.isfinite(lo), ~np.isfinite(hi)
            lo_f, hi_f = np.where(lo_inf, 0.0, lo), np.where(hi_inf, 0.0, hi)
            n = self.n_eq
            s_lo, s_hi = np.bincount(eq, lo_f, n), np.bincount(eq, hi_f, n)
            n_lo, n_hi = np.bincount(eq, lo_inf, n), np.bincount(eq, hi_inf, n)
            # the other members' Σ coef·x lies in [o_lo, o_hi], and coef·x = -(that)
            o_lo = np.where(n_lo[eq] - lo_inf > 0, -INF, s_lo[eq] - lo_f)
            o_hi = np.where(n_hi[eq] - hi_inf > 0, INF, s_hi[eq] - hi_f)
            imp_lo = np.where(coef > 0, -o_hi, o_lo)
            imp_hi = np.where(coef > 0, -o_lo, o_hi)
            new_lower, new_upper = lower.copy(), upper.copy()
            np.maximum.at(new_lower, cell, np.ceil(imp_lo - 1e-9))
            np.minimum.at(new_upper, cell, np.floor(imp_hi + 1e-9))
            if np.array_equal(new_lower, lower) and np.array_equal(new_upper, upper):
                break
            lower, upper = new_lower, new_upper
        return lower, upper


def _complete(system: System, hidden: np.ndarray, needy: np.ndarray) -> np.ndarray:
    """Hide one more published cell in each needy sum: a part rather than the sum's total (a
    total is what people read first); then a cell that sits in several needy sums, serving
    them all; then a non-zero cell (a hidden 0 is known to be >= 0, which protects little);
    then the smallest value."""
    candidate = needy[system.eq] & ~hidden[system.cell]
    if not candidate.any():
        return hidden
    eq, cell = system.eq[candidate], system.cell[candidate]
    total = system.coef[candidate] > 0
    serves = np.bincount(cell, minlength=len(hidden))[cell]
    value = system.values[cell]
    order = np.lexsort((cell, value, value == 0, -serves, total, eq))
    _, first = np.unique(eq[order], return_index=True)
    out = hidden.copy()
    out[cell[order][first]] = True
    return out


def protect(
    values, equations: pl.DataFrame, limit: int | None = None, max_rounds: int = 500
) -> pl.Series:
    """Which cells to hide: ``values[i]`` is cell i; ``equations`` (eq, cell, coef) says
    Σ coef·value = 0 per eq. Returns a boolean Series, True for hidden cells.

    First every sum gets none or at least two hidden cells; then the attacker's bounds are
    worked out, and every sum holding a cell they pin to one value gets one more (and, when
    all its cells are hidden already, the sums of its cells do); until nothing is pinned."""
    limit = threshold() if limit is None else limit
    vals = np.asarray(pl.Series(values).fill_null(0).to_numpy(), dtype=np.int64)
    system = System(
        vals,
        equations["eq"].to_numpy(),
        equations["cell"].to_numpy(),
        equations["coef"].to_numpy(),
    )
    hidden = (vals >= 1) & (vals <= limit - 1)
    for _ in range(max_rounds):
        n_hidden = system.per_eq(hidden[system.cell].astype(np.float64))
        needy = n_hidden == 1
        if not needy.any():
            lower, upper = system.bounds(hidden, limit)
            pinned = hidden & (lower >= upper)
            if not pinned.any():
                break
            needy = system.per_eq(pinned[system.cell].astype(np.float64)) > 0
            size = np.bincount(system.eq, minlength=system.n_eq)
            full = needy & (n_hidden == size)
            if full.any():  # widen to the sums of the cells of full sums
                near = np.zeros(len(hidden), dtype=bool)
                near[system.cell[full[system.eq]]] = True
                needy |= system.per_eq(near[system.cell].astype(np.float64)) > 0
        widened = _complete(system, hidden, needy)
        if widened.sum() == hidden.sum():
            break  # nothing left to hide in the sums that still need it
        hidden = widened
    return pl.Series("hidden", hidden)


def attacker_bounds(values, equations: pl.DataFrame, hidden, limit: int, rounds: int = 20):
    """The bounds of ``System.bounds`` for given hidden cells (for tests and checks)."""
    vals = np.asarray(pl.Series(values).to_numpy(), dtype=np.int64)
    system = System(
        vals,
        equations["eq"].to_numpy(),
        equations["cell"].to_numpy(),
        equations["coef"].to_numpy(),
    )
    return system.bounds(np.asarray(hidden, dtype=bool), limit, rounds)


# Counts of people or households in each mart that could single somebody out. Counts of areas
# (child_areas, villages) are not about people and stay.
COUNTS = {
    "area_summary": (
        "households",
        "persons",
        "mpi_poor_persons",
        "target_poor_persons",
        "mpi_poor_card_verified",
        "mpi_poor_card_registered",
        "mpi_poor_no_card",
    ),
    "area_indicator": ("persons_in_scope", "persons_deprived", "households_deprived"),
    "area_mpi": ("poor_persons",),
    "area_income_poverty": ("poor_persons",),
    # the dimensions' headcounts as persons (reports/data.py), age band all only
    "area_mpi_component": ("uncensored_persons", "censored_persons"),
}
# The second key of each mart's rows besides area and age band.
SUBKEY = {"area_indicator": "indicator_code", "area_mpi": "rule", "area_income_poverty": "line"}


def subkey(table: str) -> pl.Expr:
    """The key of a mart's rows besides area and age band, as one string ("" for none)."""
    if table == "area_mpi_component":
        return pl.concat_str("rule", pl.lit("|"), "component")
    return pl.col(SUBKEY[table]).cast(pl.String) if table in SUBKEY else pl.lit("")


# A household with members in two bands counts in both: households do not add up over bands.
NOT_ADDITIVE_OVER_BANDS = ("households", "households_deprived")
# What the target-poor count is made of under each rule of survey_rules.yaml.
TARGET_POOR_PARTS = {
    "card_verified": ("mpi_poor_card_verified",),
    "card_any": ("mpi_poor_card_verified", "mpi_poor_card_registered"),
    "all_mpi_poor": ("mpi_poor_persons",),
}
CARD_PARTS = ("mpi_poor_card_verified", "mpi_poor_card_registered", "mpi_poor_no_card")
ALL_BANDS = "all"
# The indicator that applies survey_rules.yaml's income criterion, the BMN line of the income marts.
INCOME_INDICATOR_COLUMN = "i_4_3"


def long_cells(marts: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """One row per count of every mart given: table, level, area_code, parent_code, age_band,
    key, measure, value, and cell (its number)."""
    parts = []
    for table, frame in marts.items():
        key = subkey(table)
        parts.append(
            frame.select(
                pl.lit(table).alias("table"),
                "level",
                "area_code",
                "parent_code",
                "age_band",
                key.cast(pl.String).alias("key"),
                *COUNTS[table],
            ).unpivot(
                index=["table", "level", "area_code", "parent_code", "age_band", "key"],
                variable_name="measure",
                value_name="value",
            )
        )
    return pl.concat(parts).with_columns(pl.col("value").cast(pl.Int64)).with_row_index("cell")


def _eq(kind: str, *cols) -> pl.Expr:
    return pl.struct(pl.lit(kind).alias("_kind"), *cols).hash(seed=2561)


def _sum_equations(
    long: pl.DataFrame, total: pl.Expr, part: pl.Expr, kind: str, by
) -> pl.DataFrame:
    """total = Σ parts within each group ``by``: +1 for the total, -1 for every part."""
    return pl.concat(
        [
            long.filter(total).select(_eq(kind, *by).alias("eq"), "cell", coef=pl.lit(1, pl.Int8)),
            long.filter(part).select(_eq(kind, *by).alias("eq"), "cell", coef=pl.lit(-1, pl.Int8)),
        ]
    )


def mart_equations(long: pl.DataFrame, year_be: int) -> pl.DataFrame:
    """Every sum the published counts obey that an attacker can use: eq, cell, coef."""
    groups = ["table", "key", "measure", "age_band"]
    # an area is the sum of its children: the parent takes part as a total under its own code
    children = long.filter(pl.col("parent_code").is_not_null()).select(
        _eq("area", pl.col("parent_code").alias("area"), *groups).alias("eq"),
        "cell",
        coef=pl.lit(-1, pl.Int8),
    )
    totals = long.select(
        _eq("area", pl.col("area_code").alias("area"), *groups).alias("eq"),
        "cell",
        coef=pl.lit(1, pl.Int8),
    ).join(children.select("eq").unique(), on="eq", how="semi")
    additive = ~pl.col("measure").is_in(NOT_ADDITIVE_OVER_BANDS)
    bands = _sum_equations(
        long.filter(additive),
        pl.col("age_band") == ALL_BANDS,
        pl.col("age_band") != ALL_BANDS,
        "bands",
        ["table", "area_code", "key", "measure"],
    )
    summary = pl.col("table") == "area_summary"
    cards = _sum_equations(
        long.filter(summary),
        pl.col("measure") == "mpi_poor_persons",
        pl.col("measure").is_in(CARD_PARTS),
        "cards",
        ["area_code", "age_band"],
    )
    target_parts = TARGET_POOR_PARTS[catalog.target_poor_rule(year_be)]
    # one part: target-poor persons are a copy of it (``canonical``); more: their sum
    target = _sum_equations(
        long.filter(summary),
        pl.col("measure") == "target_poor_persons",
        pl.col("measure").is_in(target_parts),
        "target",
        ["area_code", "age_band"],
    )
    return pl.concat([children, totals, bands, cards] + ([target] if len(target_parts) > 1 else []))


def _aliases(year_be: int) -> list[tuple[tuple[str, str, str], tuple[str, str, str]]]:
    """Counts of one mart that are the same number as a count of another (same area and band):
    (table, key, measure) of the cell that stands for both, then of its copy."""
    whole_household = [i.code for i in catalog.indicators() if i.scope == "every household"]
    income = [i.code for i in catalog.indicators() if i.column == INCOME_INDICATOR_COLUMN]
    target = TARGET_POOR_PARTS[catalog.target_poor_rule(year_be)]
    return (
        [
            # a household indicator applies to every member: persons in scope = persons
            (("area_summary", "", "persons"), ("area_indicator", code, "persons_in_scope"))
            for code in whole_household
        ]
        + [
            # the TPMAP union rule's poor are the MPI-poor persons
            (("area_summary", "", "mpi_poor_persons"), ("area_mpi", "tpmap_union", "poor_persons")),
        ]
        + [
            # below the BMN income line is failing the income indicator
            (
                ("area_indicator", code, "persons_deprived"),
                ("area_income_poverty", "bmn", "poor_persons"),
            )
            for code in income
        ]
        + [
            (("area_summary", "", target[0]), ("area_summary", "", "target_poor_persons"))
            for _ in target[:1]
            if len(target) == 1
        ]
    )


def canonical(long: pl.DataFrame, year_be: int) -> pl.Series:
    """Per cell, the cell that stands for it: itself, or the cell of another mart it is a copy
    of (when the two hold the same value). Copies are protected as one cell."""
    var = long.select("cell", var=pl.col("cell"))
    at = ["area_code", "age_band"]
    for (t1, k1, m1), (t2, k2, m2) in _aliases(year_be):

        def pick(t, k, m):
            return long.filter(
                (pl.col("table") == t) & (pl.col("key") == k) & (pl.col("measure") == m)
            )

        pairs = (
            pick(t2, k2, m2)
            .join(pick(t1, k1, m1), on=at, suffix="_1")
            .filter(pl.col("value") == pl.col("value_1"))
            .select("cell", new=pl.col("cell_1"))
        )
        var = var.join(pairs, on="cell", how="left").select("cell", var=pl.coalesce("new", "var"))
    return var.sort("cell")["var"]


def suppress_marts(marts: dict[str, pl.DataFrame], year_be: int, limit: int | None = None):
    """The cells of one year's marts (all levels: sums run across them) with ``hidden``."""
    long = long_cells(marts)
    var = canonical(long, year_be)
    equations = mart_equations(long, year_be)
    equations = equations.with_columns(cell=var.gather(equations["cell"])).unique(["eq", "cell"])
    hidden = protect(long["value"], equations, limit)
    return long.with_columns(hidden=hidden.gather(var))
