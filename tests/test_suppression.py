"""The shortcuts of reports/suppression.py against the plain attacker: the worklist propagation
reaches the same bounds as propagation over every sum, only the hidden cells linked to new ones
are worked out again, and the sums of the marts are numbered apart. The attackers (plain
propagation, and linear programmes over the linked hidden cells) are tests/test_reports.py's."""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl
import pytest

from reports import data, suppression
from tests.test_reports import YEAR, equations, recovered


def _table(areas: int, bands: int, rng: np.random.Generator):
    """A parent area and its child areas by age band, with the band totals ('all') and the
    parent's totals: cell (a, b) is a * (bands + 1) + b, area 0 the parent, band ``bands``
    the total. Small values are common, as in villages."""
    width = bands + 1
    grid = np.zeros((areas + 1, width), dtype=np.int64)
    grid[1:, :bands] = rng.choice([0, 1, 2, 3, 4, 6, 9, 15, 40], size=(areas, bands))
    grid[1:, bands] = grid[1:, :bands].sum(1)
    grid[0] = grid[1:].sum(0)
    cell = np.arange(grid.size).reshape(grid.shape)
    band_sums = [[cell[a, bands], *cell[a, :bands]] for a in range(areas + 1)]
    area_sums = [[cell[0, b], *cell[1:, b]] for b in range(width)]
    return grid.ravel(), equations(*band_sums, *area_sums), cell


def test_a_small_cell_needs_complements_in_its_parent_area_and_its_sibling_bands():
    # two villages by two bands: village 1's first band is 3, every other count large
    grid = np.array([[3, 20], [30, 40]])
    values, eqs, cell = _grid_table(grid)
    hidden = suppression.protect(pl.Series(values), eqs, 5).to_numpy()
    assert hidden[cell[1, 0]]
    assert hidden[cell[1, 1]] or hidden[cell[1, 2]], "a second cell among the village's bands"
    assert hidden[cell[2, 0]] or hidden[cell[0, 0]], "a second cell among the band's areas"
    assert recovered(values, eqs, hidden) == []
    alone = np.zeros(len(values), dtype=bool)
    alone[cell[1, 0]] = True
    assert recovered(values, eqs, alone) == [cell[1, 0]]


def _grid_table(grid: np.ndarray):
    """Child areas (rows) by bands (columns) of ``grid``, with their totals, as ``_table``."""
    areas, bands = grid.shape
    full = np.zeros((areas + 1, bands + 1), dtype=np.int64)
    full[1:, :bands] = grid
    full[1:, bands] = grid.sum(1)
    full[0] = full[1:].sum(0)
    cell = np.arange(full.size).reshape(full.shape)
    band_sums = [[cell[a, bands], *cell[a, :bands]] for a in range(areas + 1)]
    area_sums = [[cell[0, b], *cell[1:, b]] for b in range(bands + 1)]
    return full.ravel(), equations(*band_sums, *area_sums), cell


@pytest.mark.parametrize("seed", range(6))
def test_the_worklist_bounds_are_the_plain_attackers(seed):
    rng = np.random.default_rng(seed)
    values, eqs, _ = _table(8, 4, rng)
    hidden = rng.random(len(values)) < 0.4
    system = suppression.System(
        values, eqs["eq"].to_numpy(), eqs["cell"].to_numpy(), eqs["coef"].to_numpy()
    )
    fast = system.bounds(hidden, 5)
    plain = suppression.attacker_bounds(values, eqs, hidden, 5, rounds=500)
    assert np.array_equal(fast[0], plain[0]) and np.array_equal(fast[1], plain[1])
    start = system.start(hidden, 5)
    assert (fast[0] > start[0]).any() or (fast[1] < start[1]).any(), "the sums told something"


@pytest.mark.parametrize("seed", range(6))
def test_protected_tables_hold_against_both_attackers(seed):
    """Several tables side by side, protected together: the later rounds work out only the
    linked part again, and the result still holds against propagation over every sum and
    against linear programmes."""
    rng = np.random.default_rng(100 + seed)
    parts = [_table(int(rng.integers(3, 7)), 3, rng) for _ in range(4)]
    offsets = np.cumsum([0] + [len(v) for v, _, _ in parts])
    values = np.concatenate([v for v, _, _ in parts])
    eqs = pl.concat(
        [
            e.with_columns(eq=pl.col("eq") + 1000 * i, cell=pl.col("cell") + int(offsets[i]))
            for i, (_, e, _) in enumerate(parts)
        ]
    )
    hidden = suppression.protect(pl.Series(values), eqs, 5).to_numpy()
    small = (values >= 1) & (values <= 4)
    assert hidden[small].all() and hidden.sum() > small.sum()
    lower, upper = suppression.attacker_bounds(values, eqs, hidden, 5, rounds=500)
    assert not (hidden & small & (lower >= upper)).any()
    assert recovered(values, eqs, hidden) == []


def test_linked_cells_stay_within_their_table():
    rng = np.random.default_rng(7)
    (v1, e1, _), (v2, e2, _) = _table(4, 3, rng), _table(4, 3, rng)
    values = np.concatenate([v1, v2])
    eqs = pl.concat([e1, e2.with_columns(eq=pl.col("eq") + 100, cell=pl.col("cell") + len(v1))])
    system = suppression.System(
        values, eqs["eq"].to_numpy(), eqs["cell"].to_numpy(), eqs["coef"].to_numpy()
    )
    index = suppression.Index(system, len(values))
    hidden = np.zeros(len(values), dtype=bool)
    hidden[[6, 7, 11, len(v1) + 6, len(v1) + 7]] = True
    cells, sums = index.linked(hidden, np.array([6]))
    assert set(cells) == {6, 7, 11}, "cells of the other table are not linked"
    assert len(sums) and (system.cell[suppression._members(system.eq_ptr, sums)] < len(v1)).all()


@pytest.fixture(scope="module")
def long_and_equations(run):
    with duckdb.connect(str(run.published), read_only=True) as con:
        frames = data.read_marts(con, YEAR)
    long = suppression.long_cells({m: frames[m] for m in suppression.COUNTS})
    return long, suppression.mart_equations(long, YEAR), suppression.canonical(long, YEAR)


def test_each_sum_of_the_marts_is_of_one_kind_and_series(long_and_equations):
    long, eqs, var = long_and_equations
    members = eqs.join(
        long.select(pl.col("cell").cast(eqs["cell"].dtype), "series", "band", "area"), on="cell"
    )
    kind = pl.col("eq") // (1 << 60)
    per_sum = members.group_by("eq").agg(
        kind.first().alias("kind"),
        pl.col("series").n_unique().alias("series"),
        pl.col("band").n_unique().alias("bands"),
        pl.col("area").n_unique().alias("areas"),
    )
    assert set(per_sum["kind"]) >= {suppression.AREA, suppression.BANDS, suppression.CARDS}
    area = per_sum.filter(pl.col("kind") == suppression.AREA)
    assert (area["series"] == 1).all() and (area["bands"] == 1).all()
    bands = per_sum.filter(pl.col("kind") == suppression.BANDS)
    assert (bands["series"] == 1).all() and (bands["areas"] == 1).all()
    cards = per_sum.filter(pl.col("kind") == suppression.CARDS)
    assert (cards["areas"] == 1).all() and (cards["bands"] == 1).all()
    # and with copies as one cell, no cell is twice in a sum (System counts on it)
    mapped = eqs.with_columns(cell=var.gather(eqs["cell"]))
    assert mapped.unique(["eq", "cell"]).height == mapped.height
