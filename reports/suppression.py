"""Small-cell suppression that holds.

A count from 1 to ``threshold - 1`` is hidden and shown as "<5" (primary suppression). Hiding it
alone does not protect it: the published cells obey sums (an area's figure is the sum of its
child areas', the ``all`` age band the sum of the bands, MPI-poor persons the sum of the three
card groups) and a single hidden cell in a sum is that sum minus the others. So more cells are
hidden (complementary suppression, shown as "<5" when the value is 0, else as "x") until, in
every sum, no count of 1..4 is pinned down by the published cells and what an attacker knows of
the hidden ones: a "<5" is 0..4, an "x" is 5 or more.

The engine works on any table given as cells (one value each) and equations (which cells add
up to which); ``suppress_marts`` turns the marts of a year into that form. Everything is a scan over
cells and equation memberships, repeated until nothing changes: no loop per cell.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import polars as pl

from ingest.spread import Each, here
from schemas import catalog

INF = float("inf")
# Rounds of bound propagation (it stops earlier at a fixed point) before the check: each round
# carries what one sum tells about a cell into every other sum it is in.
PROPAGATION_ROUNDS = 1000
# How far from a pinned cell, in sums, a complementary cell is looked for.
MAX_HOPS = 3


def threshold() -> int:
    """The one declaration of the threshold (schemas/catalog/disclosure.yaml)."""
    return catalog.small_cell()


class System:
    """Cells (``value``) and the sums they obey, as flat arrays sorted by sum: member i of the
    sums is cell ``cell[i]`` with coefficient ``coef[i]`` in sum ``eq[i]`` (Σ coef·value = 0 per
    sum; sums numbered 0..n-1, the members of sum e at ``eq_ptr[e]:eq_ptr[e + 1]``). A cell is
    at most once in a sum."""

    def __init__(
        self,
        values: np.ndarray,
        eq: np.ndarray,
        cell: np.ndarray,
        coef: np.ndarray,
        prior: tuple[np.ndarray, np.ndarray] | None = None,
    ):
        # by sum, then by cell: the members' order never depends on how the frame came
        order = _argsort(eq, cell)
        eq = eq[order]
        ids = np.cumsum(np.r_[True, eq[1:] != eq[:-1]]) - 1 if len(eq) else eq
        cell, coef = cell[order].astype(np.int32), coef[order].astype(np.float64)
        sizes = np.bincount(ids)
        keep = sizes[ids] > 1  # a "sum" of one cell says nothing
        numbers = np.cumsum(sizes > 1) - 1
        self.eq = numbers[ids[keep]].astype(np.int32)
        self.cell, self.coef = cell[keep], coef[keep]
        self.values = values.astype(np.float64)
        self.n_eq = int(self.eq[-1]) + 1 if len(self.eq) else 0
        self.eq_ptr = np.r_[0, np.cumsum(sizes[sizes > 1])].astype(np.int64)
        # what the attacker knows of some cells from sums outside this system (the other tier
        # of ``suppress_in_parts``): -inf..inf where nothing is known
        self.prior = prior
        self.avoid = None  # cells to take as complements only when nothing else will do

    def per_eq(self, weights: np.ndarray) -> np.ndarray:
        return np.bincount(self.eq, weights=weights, minlength=self.n_eq)

    def start(self, hidden: np.ndarray, limit: int, cells=slice(None)):
        """What an attacker knows of ``cells`` before using any sum: a published value; a
        hidden cell is 0..limit-1 if shown as "<limit" (a hidden 0 is shown so too), else
        limit..inf (shown as "x")."""
        values, hid = self.values[cells], hidden[cells]
        small = values <= limit - 1
        lower = np.where(hid, np.where(small, 0.0, float(limit)), values)
        upper = np.where(hid, np.where(small, limit - 1.0, INF), values)
        if self.prior is not None:
            lower = np.maximum(lower, self.prior[0][cells])
            upper = np.minimum(upper, self.prior[1][cells])
        return lower, upper

    def bounds(self, hidden: np.ndarray, limit: int):
        """What an attacker can know of every cell: ``start``, then interval propagation
        through the sums to a fixed point (``settle``)."""
        lower, upper = self.start(hidden, limit)
        sums = np.flatnonzero(self.per_eq(hidden[self.cell].astype(np.float64)) > 0)
        self.settle(hidden, sums, lower, upper)
        return lower, upper

    def settle(self, hidden, sums, lower, upper, rounds: int = PROPAGATION_ROUNDS) -> np.ndarray:
        """Interval propagation through ``sums`` (every sum holding a hidden cell of the
        ones whose bounds are to be worked out), moving ``lower`` and ``upper`` in place,
        rounded inwards to integers. Only hidden cells' bounds can move: the published
        members of a sum add up to a constant once; a round runs over the hidden members of
        the sums one of whose cells moved in the round before (the others would tell nothing
        new), and it stops when none moved. Returns the cells still moving after ``rounds``
        (none unless some sums do not hold for the values)."""
        at = _members(self.eq_ptr, sums)
        local = np.repeat(np.arange(len(sums)), self.eq_ptr[sums + 1] - self.eq_ptr[sums])
        cell, coef = self.cell[at], self.coef[at]
        member_hidden = hidden[cell]
        shown = ~member_hidden
        known = np.bincount(
            local[shown], coef[shown] * self.values[cell[shown]], minlength=len(sums)
        )
        eq, cell, coef = local[member_hidden], cell[member_hidden], coef[member_hidden]
        n = len(sums)
        eq_ptr = np.r_[0, np.cumsum(np.bincount(eq, minlength=n))]
        by_cell = np.argsort(cell, kind="stable")
        cells, cell_start = np.unique(cell[by_cell], return_index=True)
        cell_ptr = np.r_[cell_start, len(cell)]
        dirty = np.arange(n)
        for _ in range(rounds):
            if not len(dirty):
                break
            at = _members(eq_ptr, dirty)
            local = np.repeat(np.arange(len(dirty)), eq_ptr[dirty + 1] - eq_ptr[dirty])
            c, k, m = cell[at], coef[at], len(dirty)
            a, b = k * lower[c], k * upper[c]
            lo, hi = np.minimum(a, b), np.maximum(a, b)
            lo_inf, hi_inf = ~np.isfinite(lo), ~np.isfinite(hi)
            lo_f, hi_f = np.where(lo_inf, 0.0, lo), np.where(hi_inf, 0.0, hi)
            s_lo = known[dirty] + np.bincount(local, lo_f, m)
            s_hi = known[dirty] + np.bincount(local, hi_f, m)
            n_lo, n_hi = np.bincount(local, lo_inf, m), np.bincount(local, hi_inf, m)
            # the other members' Σ coef·x lies in [o_lo, o_hi], and coef·x = -(that)
            o_lo = np.where(n_lo[local] - lo_inf > 0, -INF, s_lo[local] - lo_f)
            o_hi = np.where(n_hi[local] - hi_inf > 0, INF, s_hi[local] - hi_f)
            imp_lo = np.ceil(np.where(k > 0, -o_hi, o_lo) - 1e-9)
            imp_hi = np.floor(np.where(k > 0, -o_lo, o_hi) + 1e-9)
            moves = (imp_lo > lower[c]) | (imp_hi < upper[c])
            c, imp_lo, imp_hi = c[moves], imp_lo[moves], imp_hi[moves]
            np.maximum.at(lower, c, imp_lo)
            np.minimum.at(upper, c, imp_hi)
            moved = np.searchsorted(cells, _distinct(c))
            dirty = _distinct(eq[by_cell[_members(cell_ptr, moved)]])
        return _distinct(cell[_members(eq_ptr, dirty)])

    def bounds_everywhere(self, hidden: np.ndarray, limit: int, rounds: int = PROPAGATION_ROUNDS):
        """The bounds of ``bounds`` worked out the plain way, over every member of every sum
        with a hidden cell: the attacker of the tests, to check the fast one against."""
        lower, upper = self.start(hidden, limit)
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


def _argsort(x: np.ndarray, then: np.ndarray | None = None) -> np.ndarray:
    """Positions in the order of ``x``, then of ``then`` (x and then together unique) or of the
    position: the same on every run whatever the threads do (issue 24). Both go into one
    integer key, unique, which Polars sorts in a fraction of numpy's time."""
    if then is None:
        key = x.astype(np.int64) * len(x) + np.arange(len(x))
    else:  # x are sums' numbers (up to 2^62): their ranks first
        ranks = pl.Series(x).rank("dense").to_numpy().astype(np.int64) - 1
        key = ranks * (int(then.max(initial=0)) + 1) + then
    return pl.Series(key).arg_sort().to_numpy()


def _distinct(x: np.ndarray) -> np.ndarray:
    """np.unique by sorting: numpy's hashing unique is tens of times slower on these arrays."""
    x = np.sort(x)
    return x[np.r_[True, x[1:] != x[:-1]]] if len(x) else x


def _members(ptr: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Positions, in an order sorted by group with ``ptr`` its offsets, of the groups' members."""
    lens = ptr[groups + 1] - ptr[groups]
    starts = np.repeat(ptr[groups] - np.cumsum(lens) + lens, lens)
    return starts + np.arange(int(lens.sum()))


class Index:
    """The sums' members by cell too (offsets ``cell_ptr``): the sums of some cells and the
    members of some sums are then gathered without a pass over all members."""

    def __init__(self, system: System, n_cells: int):
        self.system = system
        self.by_cell = _argsort(system.cell)
        self.cell_ptr = np.r_[0, np.cumsum(np.bincount(system.cell, minlength=n_cells))]

    def eq_members(self, eqs: np.ndarray) -> np.ndarray:
        return _members(self.system.eq_ptr, eqs)

    def cell_sums(self, cells: np.ndarray) -> np.ndarray:
        return _distinct(self.system.eq[self.by_cell[_members(self.cell_ptr, cells)]])

    def linked(self, hidden: np.ndarray, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The hidden cells linked to ``cells`` through sums (two hidden cells of one sum are
        linked), and the sums holding them: the part of the table whose bounds depend on
        ``cells``. Grown outwards a ring of sums at a time."""
        system = self.system
        seen_cell = np.zeros(len(self.cell_ptr) - 1, dtype=bool)
        seen_eq = np.zeros(system.n_eq, dtype=bool)
        frontier = _distinct(cells)
        seen_cell[frontier] = True
        while len(frontier):
            sums = self.cell_sums(frontier)
            sums = sums[~seen_eq[sums]]
            seen_eq[sums] = True
            members = system.cell[_members(system.eq_ptr, sums)]
            frontier = _distinct(members[hidden[members] & ~seen_cell[members]])
            seen_cell[frontier] = True
        return np.flatnonzero(seen_cell), np.flatnonzero(seen_eq)


def _complete(index: Index, hidden: np.ndarray, needy: np.ndarray) -> np.ndarray:
    """The cells to hide so that each needy sum has one more hidden: a part rather than the sum's
    total (a total is what people read first); then a cell that sits in several needy sums,
    serving them all; then a non-zero cell; then the smallest value."""
    system = index.system
    members = index.eq_members(needy)
    members = members[~hidden[system.cell[members]]]
    if not len(members):
        return members
    eq, cell = system.eq[members], system.cell[members]
    total = system.coef[members] > 0
    _, inverse, counts = np.unique(cell, return_inverse=True, return_counts=True)
    serves = counts[inverse]
    value = system.values[cell]
    # a cell the attacker knows from elsewhere (an earlier publication) hides nothing: last
    known = np.zeros(len(cell), dtype=bool)
    if system.prior is not None:
        known = system.prior[0][cell] >= system.prior[1][cell]
    # a cell another part shares (a province cell in a subtree) means doing that part again
    shared = np.zeros(len(cell), dtype=bool) if system.avoid is None else system.avoid[cell]
    order = np.lexsort((cell, value, value == 0, -serves, total, shared, known, eq))
    _, first = np.unique(eq[order], return_index=True)
    return _distinct(cell[order][first])


def protect(
    values,
    equations: pl.DataFrame,
    limit: int | None = None,
    max_rounds: int = 500,
    forced: np.ndarray | None = None,
) -> pl.Series:
    """Which cells to hide: ``values[i]`` is cell i; ``equations`` (eq, cell, coef) says
    Σ coef·value = 0 per eq; ``forced`` cells are hidden whatever their value (an earlier
    publication hid them). Returns a boolean Series, True for hidden cells."""
    hidden, _, _ = protect_bounds(values, equations, limit, max_rounds, forced)
    return pl.Series("hidden", hidden)


def protect_bounds(
    values,
    equations: pl.DataFrame,
    limit: int | None = None,
    max_rounds: int = 500,
    forced: np.ndarray | None = None,
    prior: tuple[np.ndarray, np.ndarray] | None = None,
    avoid: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``protect``, starting from what ``prior`` (lower, upper per cell) says the attacker
    knows from elsewhere, and taking the ``avoid`` cells as complements last; returns the
    hidden cells and the attacker's bounds on every cell once they are hidden.

    First every sum gets none or at least two hidden cells; then the attacker's bounds are
    worked out, and every sum holding a cell they pin to one value gets one more (when all
    its cells are hidden already, the sums of its cells do, and so on outwards); until
    nothing is pinned. A round looks only at the sums of the cells it hid: the count of hidden
    cells per sum is kept up to date instead of recounted over every sum."""
    limit = threshold() if limit is None else limit
    vals = np.asarray(pl.Series(values).fill_null(0).to_numpy(), dtype=np.int64)
    system = System(
        vals,
        equations["eq"].to_numpy(),
        equations["cell"].to_numpy(),
        equations["coef"].to_numpy(),
        prior,
    )
    system.avoid = avoid
    index = Index(system, len(vals))
    hidden = (vals >= 1) & (vals <= limit - 1)
    if forced is not None:
        hidden |= np.asarray(forced, dtype=bool)
    n_hidden = np.bincount(system.eq, weights=hidden[system.cell], minlength=system.n_eq)
    needy = np.flatnonzero(n_hidden == 1)
    lower, upper = system.start(hidden, limit)
    fresh = None  # the cells hidden since the bounds were last worked out (None: all)
    settled = False
    for _ in range(max_rounds):
        if not len(needy):
            # hiding more only widens what the attacker knows: only the bounds of the cells
            # linked to the newly hidden ones can change, worked out again from the start
            if fresh is None:
                cells, sums = np.flatnonzero(hidden), np.flatnonzero(n_hidden > 0)
            else:
                cells, sums = index.linked(hidden, np.concatenate(fresh))
            lower[cells], upper[cells] = system.start(hidden, limit, cells)
            moving = system.settle(hidden, sums, lower, upper)
            fresh = []
            # a count of 1..limit-1 must not be worked out; a complementary cell may (its
            # value, 0 or limit and more, is one that would have been published); a cell
            # still moving when the rounds ran out counts as pinned
            pinned = hidden & (vals >= 1) & (vals <= limit - 1) & (lower >= upper)
            pinned[moving] = True
            if not pinned.any():
                settled = True
                break
            needy = index.cell_sums(np.flatnonzero(pinned))
        new = _complete(index, hidden, needy)
        for _ in range(MAX_HOPS):  # every sum around is hidden already: reach further out
            if len(new):
                break
            near = _distinct(system.cell[index.eq_members(needy)])
            needy = index.cell_sums(near)
            new = _complete(index, hidden, needy)
        if not len(new):
            break  # nothing left to hide
        hidden[new] = True
        if fresh is not None:
            fresh.append(new)
        touched = system.eq[index.by_cell[_members(index.cell_ptr, new)]]
        np.add.at(n_hidden, touched, 1)
        touched = _distinct(touched)
        needy = touched[n_hidden[touched] == 1]
    if not settled:  # the bounds of the cells hidden last are not worked out yet
        lower, upper = system.bounds(hidden, limit)
    return hidden, lower, upper


def attacker_bounds(values, equations: pl.DataFrame, hidden, limit: int, rounds: int = 20):
    """The bounds of ``System.bounds_everywhere`` for given hidden cells (for tests)."""
    vals = np.asarray(pl.Series(values).to_numpy(), dtype=np.int64)
    system = System(
        vals,
        equations["eq"].to_numpy(),
        equations["cell"].to_numpy(),
        equations["coef"].to_numpy(),
    )
    return system.bounds_everywhere(np.asarray(hidden, dtype=bool), limit, rounds)


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
        "mpi_poor_persons_own",
    ),
    "area_indicator": (
        "persons_in_scope",
        "persons_deprived",
        "households_deprived",
        "answers_missing",
    ),
    "area_mpi": ("poor_persons",),
    "area_income_poverty": ("poor_persons",),
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
    key, measure, value, and cell (its number); with integer ids for the sums: ``area`` and
    ``parent`` (of area_code and parent_code), ``series`` (of table, key, measure), ``band``.
    The ids are joined to the marts' rows before they are made long (a row holds several
    counts), and a series is its table's offset + key rank x counts + the count's place. Cells
    are numbered by table, then level, area, band and key: the same marts get the same numbers
    whatever order their rows come in."""
    frames = marts.values()
    codes = pl.concat([pl.concat([f["area_code"], f["parent_code"].drop_nulls()]) for f in frames])
    codes = codes.unique().sort()
    ids = pl.DataFrame({"code": codes, "id": pl.int_range(len(codes), eager=True, dtype=pl.Int64)})
    bands = pl.concat([f["age_band"] for f in frames]).unique().sort()
    bands = pl.DataFrame({"age_band": bands, "band": pl.int_range(len(bands), eager=True)})
    index = ["table", "level", "area_code", "parent_code", "age_band", "key"]
    parts, offset = [], 0
    for table in [t for t in COUNTS if t in marts]:  # one fixed order of the tables
        frame, measures = marts[table], list(COUNTS[table])
        rows = (
            frame.select(
                pl.lit(table).alias("table"),
                "level",
                "area_code",
                "parent_code",
                "age_band",
                subkey(table).cast(pl.String).alias("key"),
                *measures,
            )
            .join(ids.rename({"code": "area_code", "id": "area"}), on="area_code", how="left")
            .join(ids.rename({"code": "parent_code", "id": "parent"}), on="parent_code", how="left")
            .join(bands.with_columns(pl.col("band").cast(pl.Int64)), on="age_band", how="left")
            .with_columns(
                series=offset + (pl.col("key").rank("dense").cast(pl.Int64) - 1) * len(measures)
            )
            # cells are numbered in the order of stable keys, not of DuckDB's rows or of the
            # joins' output, which vary from run to run (issue 24)
            .sort("level", "area_code", "age_band", "key")
        )
        offset += rows["key"].n_unique() * len(measures)
        place = pl.col("measure").cast(pl.Enum(measures)).to_physical().cast(pl.Int64)
        parts.append(
            rows.unpivot(
                on=measures,
                index=[*index, "area", "parent", "band", "series"],
                variable_name="measure",
                value_name="value",
            ).with_columns(pl.col("value").cast(pl.Int64), series=pl.col("series") + place)
        )
    return (
        pl.concat(parts)
        .with_row_index("cell")
        .select("cell", *index, "measure", "value", "area", "parent", "series", "band")
    )


# Kinds of sum; a sum's number packs its kind with the ids of what it is about.
AREA, BANDS, CARDS, TARGET = range(4)
_SPAN = 1 << 20  # more than any number of areas, series or bands


def _eq(kind: int, *ids: pl.Expr) -> pl.Expr:
    """Always three ids (padded with 0s): with fewer, a sum of one kind could take the
    number of a sum of another (bands of area a and series s = areas under parent 1)."""
    out = pl.lit(kind, pl.Int64)
    for part in (*ids, *[pl.lit(0, pl.Int64)] * (3 - len(ids))):
        out = out * _SPAN + part
    return out.alias("eq")


def _sum_equations(long: pl.DataFrame, total: pl.Expr, part: pl.Expr, eq: pl.Expr) -> pl.DataFrame:
    """total = Σ parts within each sum ``eq``: +1 for the total, -1 for every part."""
    return pl.concat(
        [
            long.filter(total).select(eq, "cell", coef=pl.lit(1, pl.Int8)),
            long.filter(part).select(eq, "cell", coef=pl.lit(-1, pl.Int8)),
        ]
    )


def mart_equations(long: pl.DataFrame, year_be: int) -> pl.DataFrame:
    """Every sum the published counts obey that an attacker can use: eq, cell, coef."""
    # an area is the sum of its children: the parent takes part as a total under its own code
    children = long.filter(pl.col("parent").is_not_null()).select(
        _eq(AREA, pl.col("parent"), pl.col("series"), pl.col("band")),
        "cell",
        coef=pl.lit(-1, pl.Int8),
    )
    totals = long.select(
        _eq(AREA, pl.col("area"), pl.col("series"), pl.col("band")),
        "cell",
        coef=pl.lit(1, pl.Int8),
    ).join(children.select("eq").unique(), on="eq", how="semi")
    additive = ~pl.col("measure").is_in(NOT_ADDITIVE_OVER_BANDS)
    bands = _sum_equations(
        long.filter(additive),
        pl.col("age_band") == ALL_BANDS,
        pl.col("age_band") != ALL_BANDS,
        _eq(BANDS, pl.col("area"), pl.col("series")),
    )
    summary = long.filter(pl.col("table") == "area_summary")
    by_area_band = (pl.col("area"), pl.col("band"))
    cards = _sum_equations(
        summary,
        pl.col("measure") == "mpi_poor_persons",
        pl.col("measure").is_in(CARD_PARTS),
        _eq(CARDS, *by_area_band),
    )
    target_parts = TARGET_POOR_PARTS[catalog.target_poor_rule(year_be)]
    # one part: target-poor persons are a copy of it (``canonical``); more: their sum
    target = _sum_equations(
        summary,
        pl.col("measure") == "target_poor_persons",
        pl.col("measure").is_in(target_parts),
        _eq(TARGET, *by_area_band),
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
    spec = ["table", "key", "measure"]
    pairs = pl.DataFrame(
        [(*copy, *original) for original, copy in _aliases(year_be)],
        schema=spec + [f"{c}_1" for c in spec],
        orient="row",
    )
    copies = long.join(pairs, on=spec)  # the copies, with the spec of their original
    wanted = pairs.select(*(pl.col(f"{c}_1").alias(c) for c in spec)).unique()
    originals = long.join(wanted, on=spec, how="semi").select(
        *(pl.col(c).alias(f"{c}_1") for c in spec),
        "area_code",
        "age_band",
        cell_1="cell",
        value_1="value",
    )
    found = copies.join(originals, on=[f"{c}_1" for c in spec] + ["area_code", "age_band"])
    found = found.filter(pl.col("value") == pl.col("value_1")).select("cell", "cell_1")
    var = long.select("cell").join(found, on="cell", how="left")
    return var.sort("cell").select(pl.coalesce("cell_1", "cell")).to_series()


KEYS = ["table", "area_code", "age_band", "key", "measure"]  # a cell's stable name
LEVEL_KEYS = ["level", *KEYS]
BOUNDS = {"lower": pl.Float64, "upper": pl.Float64}
# What a part's decisions are kept as (``suppress_in_parts``): also the history's columns.
DECIDED = {**dict.fromkeys(LEVEL_KEYS, pl.String), **BOUNDS, "present": pl.Boolean}
# The levels of the top tier of ``suppress_in_parts``, and those of a province's subtree.
TOP_LEVELS = ("country", "region", "province")
SUBTREE_LEVELS = ("province", "district", "subdistrict", "village")
# Rounds of top tier and subtrees before giving up: each round hides more or narrows bounds, so
# it ends; real years settle in two or three.
MAX_PART_ROUNDS = 100


def in_part(part: str | None) -> pl.Expr:
    """The rows of one part of ``suppress_in_parts``, in a frame (sql/reports/suppression_part.sql
    selects the same in DuckDB): the top tier (None) or a province's subtree (its code)."""
    if part is None:
        return pl.col("level").is_in(TOP_LEVELS)
    return pl.col("level").is_in(SUBTREE_LEVELS) & pl.col("area_code").str.starts_with(part)


def suppress_marts(
    marts: dict[str, pl.DataFrame],
    year_be: int,
    limit: int | None = None,
    forced: pl.DataFrame | None = None,
    prior: pl.DataFrame | None = None,
    earlier: pl.DataFrame | None = None,
    avoid: pl.Expr | None = None,
) -> pl.DataFrame:
    """The cells of some marts (any levels: sums run across them) with ``hidden`` and the
    attacker's ``lower`` and ``upper`` bounds once they are hidden. ``forced`` (KEYS) are
    hidden whatever their value; ``prior`` (KEYS, lower, upper) is what the attacker knows of
    some cells from sums outside these marts. ``earlier`` (KEYS, lower, upper, hidden) is what
    an earlier publication of the same year told of its cells: a published value (lower =
    upper) or, for a hidden cell, its attacker's bounds. Its hidden cells are hidden again; and
    where a value still lies within those bounds it may not have changed, so the attacker who
    holds that publication knows it still. Cells ``avoid`` selects are complements of last
    resort."""
    long = long_cells(marts)
    var = canonical(long, year_be)
    equations = mart_equations(long, year_be)
    # a copy and its original never share a sum (a sum runs within one series, or over distinct
    # counts of area_summary), so no cell is twice in one after this
    equations = equations.with_columns(cell=var.gather(equations["cell"]))
    n = long.height
    must = np.zeros(n, dtype=bool)
    if forced is not None and forced.height:
        must[var.gather(_cells_of(long, forced)["cell"]).to_numpy()] = True
    if earlier is not None and earlier.height:
        gone = _cells_of(long, earlier.filter("hidden"))["cell"]
        must[var.gather(gone).to_numpy()] = True
        fits = pl.col("value").is_between(pl.col("lower"), pl.col("upper"))
        remembered = _cells_of(long, earlier).join(long.select("cell", "value"), on="cell")
        prior = pl.concat(
            [
                *([] if prior is None else [prior.select(*KEYS, *BOUNDS)]),
                remembered.filter(fits).select(*KEYS, *BOUNDS),
            ]
        )
    bounds = None
    if prior is not None and prior.height:
        known = _cells_of(long, prior)
        at = var.gather(known["cell"]).to_numpy()
        lower, upper = np.full(n, -INF), np.full(n, INF)
        np.maximum.at(lower, at, known["lower"].to_numpy())
        np.minimum.at(upper, at, known["upper"].to_numpy())
        bounds = (lower, upper)
    shy = None
    if avoid is not None:  # per cell that stands for others: any of them to be avoided
        shy = np.zeros(n, dtype=bool)
        shy[var.filter(long.select(avoid).to_series()).to_numpy()] = True
    hidden, lower, upper = protect_bounds(
        long["value"], equations, limit, forced=must, prior=bounds, avoid=shy
    )
    at = var.to_numpy()
    return long.with_columns(
        hidden=pl.Series(hidden[at]), lower=pl.Series(lower[at]), upper=pl.Series(upper[at])
    )


def _cells_of(long: pl.DataFrame, keyed: pl.DataFrame) -> pl.DataFrame:
    """``keyed``'s rows that name a cell of ``long``, with its number."""
    return keyed.join(long.select(*KEYS, "cell"), on=KEYS)


def _shared(cells: pl.DataFrame) -> pl.DataFrame:
    """The province cells of a part, what the two tiers have in common: keys, hidden, bounds."""
    return (
        cells.filter(pl.col("level") == "province")
        .select(*KEYS, "hidden", "lower", "upper")
        .sort(KEYS)
    )


def suppress_in_parts(
    read: Callable[[str | None], dict[str, pl.DataFrame]],
    keep: Callable[[str | None, pl.DataFrame], None],
    kept: Callable[[str | None], pl.DataFrame],
    year_be: int,
    limit: int | None = None,
    previous: Callable[[str | None], pl.DataFrame] | None = None,
    each: Each | None = None,
) -> list[str]:
    """The year's protection in parts (τ-ARGUS's HiTaS): the top tier (country, regions,
    provinces), then each province's subtree (the province and the areas under it), each a
    system of its own, so that memory holds one province at a time. Returns the provinces.

    The subtrees of a round are independent: ``each(function, provinces, load)`` runs
    ``function(load(province))`` for every province and yields ``(province, result)`` in their
    order, wherever it likes (ingest.spread.Spread.stream: worker processes, a Dask cluster);
    by default here, one after the other.

    ``read(None)`` gives the top tier's marts, ``read(code)`` a province's subtree; a part's
    decisions go to ``keep(part, cells)`` (level, KEYS, hidden, and ``present``: false for a
    cell of ``previous`` the marts no longer hold, and the attacker's bounds) and come back
    from ``kept(part)``. ``previous(part)`` (level, KEYS, lower, upper, hidden) is what an
    earlier publication of the year told of the part's cells (``suppress_marts``' ``earlier``):
    its hidden cells are hidden again where they still exist, and what it told holds where it
    may still be true (issue 24).

    The tiers share the province cells. Their hidden state and the attacker's bounds on them
    go both ways until neither tier changes them: the top tier's bounds are where the subtree's
    attacker starts, the subtree's narrower bounds where the top tier's starts next, a province
    cell a subtree hides is hidden in the top tier too, and a subtree is done again when what
    the top tier says of its province cells changed. At the end every part's bounds are a fixed
    point of its sums, and they agree on the cells the parts share: together, a fixed point of
    every sum of the year, so the attacker who uses them all at once pins no cell the parts'
    own check did not (bounds worked out from hiding fewer cells are only ever narrower)."""

    def nothing(part: str | None) -> pl.DataFrame:
        return pl.DataFrame(
            schema={**dict.fromkeys(LEVEL_KEYS, pl.String), **BOUNDS, "hidden": pl.Boolean}
        )

    previous = previous or nothing
    earlier_top = previous(None)
    top_forced = earlier_top.select(KEYS).clear()
    top_prior = pl.DataFrame(schema={**dict.fromkeys(KEYS, pl.String), **BOUNDS})
    given: dict[str, pl.DataFrame] = {}  # per province: its province cells as its subtree left them
    top = read(None)  # small: kept for every round
    for _ in range(MAX_PART_ROUNDS):
        cells = suppress_marts(top, year_be, limit, top_forced, top_prior, earlier_top)
        keep(None, _decided(cells, earlier_top))
        shared = _shared(cells)
        provinces = sorted(
            top["area_summary"].filter(pl.col("level") == "province")["area_code"].unique()
        )
        todo = [p for p in provinces if not _same(_of(shared, p), given.get(p))]
        if not todo:
            return provinces
        agreed = True  # every subtree left its province cells as the top tier gave them

        def subtree(province: str, shared: pl.DataFrame = shared) -> Subtree:
            sent = _of(shared, province)
            # what this subtree hid before stays hidden: every round only adds
            forced = pl.concat(
                [kept(province).filter("present").select(KEYS), sent.filter("hidden").select(KEYS)]
            )
            return Subtree(read(province), year_be, limit, forced, sent, previous(province))

        for province, (decided, back) in (each or here)(protect_subtree, todo, subtree):
            keep(province, decided)
            agreed &= back.equals(_of(shared, province))
            given[province] = back
            top_prior = pl.concat(
                [top_prior.filter(pl.col("area_code") != province), back.drop("hidden")]
            )
            top_forced = pl.concat([top_forced, back.filter("hidden").select(KEYS)]).unique(
                maintain_order=True
            )
        if agreed:
            # the top tier's bounds are a fixed point of its sums from what the subtrees now
            # say (they say what it said): doing it again would change nothing
            return provinces
    raise RuntimeError(f"suppression of {year_be} did not settle in {MAX_PART_ROUNDS} rounds")


@dataclass(frozen=True)
class Subtree:
    """What one province's subtree is protected from: a unit of work that can travel (to a
    worker process or a Dask worker), as suppress_in_parts' ``each`` sends it."""

    marts: dict[str, pl.DataFrame]
    year_be: int
    limit: int | None
    forced: pl.DataFrame
    sent: pl.DataFrame  # the top tier's province cells: hidden and bounds
    earlier: pl.DataFrame


def protect_subtree(unit: Subtree) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One subtree's protection, its province cells fixed as the top tier sent them: the
    decisions below the province (``_decided``) and the province cells as it left them."""
    cells = suppress_marts(
        unit.marts,
        unit.year_be,
        unit.limit,
        unit.forced,
        unit.sent.drop("hidden"),
        unit.earlier,
        avoid=pl.col("level") == "province",
    )
    below = pl.col("level") != "province"
    return _decided(cells.filter(below), unit.earlier.filter(below)), _shared(cells)


def _of(shared: pl.DataFrame, province: str) -> pl.DataFrame:
    return shared.filter(pl.col("area_code") == province)


def _same(a: pl.DataFrame, b: pl.DataFrame | None) -> bool:
    return b is not None and a.equals(b)


def _decided(cells: pl.DataFrame, earlier: pl.DataFrame) -> pl.DataFrame:
    """A part's hidden cells with the attacker's bounds on them, and the cells an earlier
    publication hid that it no longer holds (kept in the history: were they to come back, they
    stay hidden). In the order of the cells' numbers, itself an order of stable keys."""
    hidden = cells.filter("hidden").select("level", *KEYS, *BOUNDS, present=pl.lit(True))
    gone = (
        earlier.filter("hidden")
        .join(cells.select(KEYS), on=KEYS, how="anti")
        .select("level", *KEYS, *BOUNDS, present=pl.lit(False))
        .sort(LEVEL_KEYS)
    )
    return pl.concat([hidden, gone])
