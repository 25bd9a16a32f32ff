"""The shortcuts of reports/suppression.py against the plain attacker: the worklist propagation
reaches the same bounds as propagation over every sum, only the hidden cells linked to new ones
are worked out again, and the sums of the marts are numbered apart. The attackers (plain
propagation, and linear programmes over the linked hidden cells) are tests/test_reports.py's."""

from __future__ import annotations

import shutil

import duckdb
import numpy as np
import polars as pl
import pytest

from reports import data, suppression
from tests.conftest import TINY_YEARS, run_pipeline
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


# --- in parts: the top tier and each province's subtree (issue 17) ----------------------------

REGION = "R1"
BANDS = ("0-14", "15-59")


def _summary(persons: dict[str, dict[str, int]], households: dict[str, int]) -> pl.DataFrame:
    """A hand-built area_summary: the districts' persons by band and households (band 'all'),
    summed up to their provinces (the first two digits), one region and the country; the MPI
    counts 0. Districts absent from ``persons`` do not exist."""
    rows = []
    parents = {}
    for district in persons:
        parents[district] = ("district", district[:2])
        parents[district[:2]] = ("province", REGION)
    parents[REGION] = ("region", "TH")
    parents["TH"] = ("country", None)
    for code, (level, parent) in parents.items():
        under = [d for d in persons if d.startswith(code) or code in (REGION, "TH")]
        by_band = {b: sum(persons[d][b] for d in under) for b in BANDS}
        for band, value in [*by_band.items(), ("all", sum(by_band.values()))]:
            rows.append(
                {
                    "level": level,
                    "area_code": code,
                    "parent_code": parent,
                    "age_band": band,
                    "households": sum(households[d] for d in under),
                    "persons": value,
                }
            )
    counts = [c for c in suppression.COUNTS["area_summary"] if c not in ("households", "persons")]
    return pl.DataFrame(rows).with_columns(*(pl.lit(0, pl.Int64).alias(c) for c in counts))


def _in_parts(marts: dict[str, pl.DataFrame], previous=None, reads=None, each=None):
    """suppress_in_parts over frames in memory; returns the hidden cells' LEVEL_KEYS (and the
    cells of ``previous`` that are gone, with present false)."""
    store: dict[str | None, pl.DataFrame] = {}

    def read(part):
        if reads is not None:
            reads.append(part)
        return {t: f.filter(suppression.in_part(part)) for t, f in marts.items()}

    def kept(part):
        return store.get(part, pl.DataFrame(schema=suppression.DECIDED))

    def earlier(part):
        return previous.filter(suppression.in_part(part))

    provinces = suppression.suppress_in_parts(
        read, store.__setitem__, kept, YEAR, 5, earlier if previous is not None else None, each
    )
    return pl.concat([store[None], *(store[p] for p in provinces)])


def _whole(marts: dict[str, pl.DataFrame], hidden: pl.DataFrame):
    """The whole table as the attacker sees it: cells, every sum (copies as one cell) and which
    cells are hidden."""
    long = suppression.long_cells(marts)
    var = suppression.canonical(long, YEAR)
    eqs = suppression.mart_equations(long, YEAR)
    eqs = eqs.with_columns(cell=var.gather(eqs["cell"]))
    marks = hidden.filter("present").select(suppression.KEYS).with_columns(h=pl.lit(True))
    flags = long.join(marks, on=suppression.KEYS, how="left").sort("cell")["h"].fill_null(False)
    return long, eqs, flags.to_numpy()


def _safe(long, eqs, hidden) -> bool:
    values = long["value"].to_numpy()
    lower, upper = suppression.attacker_bounds(values, eqs, hidden, 5, rounds=500)
    small = (values >= 1) & (values <= 4)
    return not (hidden & small & (lower >= upper)).any() and recovered(values, eqs, hidden) == []


def test_a_cell_recoverable_only_across_the_province_boundary_is_protected():
    """Province 11 is 3 persons (its one district): the top tier hides it and, as its
    complement in the region's sum, province 10. Were province 10's subtree protected on its
    own, its districts (20 and 30) would be published, give province 10 exactly, and the region
    minus province 10 would give province 11. Its subtree starts from province 10 hidden, so
    it hides a district too."""
    persons = {
        "1001": {"0-14": 20, "15-59": 0},
        "1002": {"0-14": 30, "15-59": 0},
        "1101": {"0-14": 3, "15-59": 0},
    }
    marts = {"area_summary": _summary(persons, {"1001": 40, "1002": 40, "1101": 40})}
    reads = []
    hidden = _in_parts(marts, reads=reads)
    assert None in reads and {"10", "11"} <= set(reads)
    long, eqs, flags = _whole(marts, hidden)
    p11 = long.filter(
        (pl.col("area_code") == "11")
        & (pl.col("age_band") == "0-14")
        & (pl.col("measure") == "persons")
    )["cell"][0]
    p10 = long.filter(
        (pl.col("area_code") == "10")
        & (pl.col("age_band") == "0-14")
        & (pl.col("measure") == "persons")
    )["cell"][0]
    assert flags[p11] and flags[p10], "the small province and its complement in the region"
    assert _safe(long, eqs, flags), "the attacker over the whole table recovers nothing"
    values = long["value"].to_numpy()
    districts = long.filter(pl.col("level") == "district")["cell"].to_numpy()
    naive = flags.copy()  # the subtrees protected alone: their districts hide small counts only
    naive[districts] = (values[districts] >= 1) & (values[districts] <= 4)
    assert p11 in recovered(values, eqs, naive), "the subtrees' decisions are what protect it"


def _random_year(rng: np.random.Generator, provinces: int = 3) -> dict[str, pl.DataFrame]:
    persons, households = {}, {}
    for p in range(provinces):
        for d in range(int(rng.integers(1, 5))):
            code = f"{10 + p}{d + 1:02d}"
            persons[code] = {b: int(rng.choice([0, 1, 2, 3, 4, 6, 9, 15, 40])) for b in BANDS}
            households[code] = int(rng.choice([1, 3, 8, 20]))
    return {"area_summary": _summary(persons, households)}


@pytest.mark.parametrize("seed", range(8))
def test_the_parts_together_hold_against_the_attacker_of_the_whole_table(seed):
    marts = _random_year(np.random.default_rng(300 + seed))
    hidden = _in_parts(marts)
    long, eqs, flags = _whole(marts, hidden)
    small = long["value"].is_between(1, 4).to_numpy()
    assert flags[small].all()
    assert _safe(long, eqs, flags)


def test_the_same_marts_hide_the_same_cells_in_whatever_order_their_rows_come():
    marts = _random_year(np.random.default_rng(11), provinces=4)
    runs = []
    for seed in (1, 2, 3):
        shuffled = {t: f.sample(fraction=1.0, shuffle=True, seed=seed) for t, f in marts.items()}
        runs.append(_in_parts(shuffled))
        whole = suppression.suppress_marts(shuffled, YEAR, 5)
        runs.append(whole.filter("hidden").select("level", *suppression.KEYS, present=pl.lit(True)))
    assert runs[0].equals(runs[2]) and runs[0].equals(runs[4]), "in parts"
    assert runs[1].equals(runs[3]) and runs[1].equals(runs[5]), "in one system"


def test_the_subtrees_spread_over_worker_processes_hide_the_same_cells():
    """The provinces' subtrees of a round are units of work (suppression.Subtree) that
    ingest.spread.Spread.stream sends to worker processes, as it would to a Dask cluster: the
    same cells are hidden, with the same bounds, as one after the other here, and every
    province went through the workers."""
    from ingest.spread import Spread

    marts = _random_year(np.random.default_rng(12), provinces=4)
    sent = []

    def each(function, keys, load):
        for key, result in Spread(workers=2).stream(function, keys, load, window=2):
            sent.append(key)
            yield key, result

    here, spread = _in_parts(marts), _in_parts(marts, each=each)
    assert here.height > 0 and spread.equals(here)
    assert len(set(sent)) == 4


def _both_versions(first, before, second, after):
    """One system of two publications of a year: a cell of the second with the value of the
    same cell of the first is that cell (the attacker knows which cells a re-delivered file
    changed); a cell is unknown when every version that holds it hides it; every sum of both
    versions holds. Returns values, sums, hidden."""
    long1, eqs1, h1 = _whole(first, before)
    long2, eqs2, h2 = _whole(second, after)
    same = long2.join(
        long1.select(*suppression.KEYS, "value", old="cell"),
        on=[*suppression.KEYS, "value"],
        how="left",
    ).sort("cell")
    old = same["old"].fill_null(-1).cast(pl.Int64).to_numpy()
    matched = old >= 0
    unknowns = np.where(matched, old, len(long1) + np.arange(len(long2)))
    values = np.concatenate([long1["value"].to_numpy(), long2["value"].to_numpy()])
    eqs = pl.concat(
        [
            eqs1.with_columns(pl.col("cell").cast(pl.Int64)),
            eqs2.with_columns(
                eq=pl.col("eq") + (1 << 62),
                cell=pl.Series(unknowns)[eqs2["cell"].cast(pl.Int64)].cast(pl.Int64),
            ),
        ]
    )
    hidden = np.concatenate([h1, h2])
    hidden[old[matched]] &= h2[matched]
    return values, eqs, hidden


def _told(marts: dict[str, pl.DataFrame], hidden: pl.DataFrame) -> pl.DataFrame:
    """What a publication told of each cell, as suppress_in_parts takes it: the hidden cells
    with their attacker's bounds, every other cell's value."""
    hidden = hidden.filter("present").drop("present").with_columns(hidden=pl.lit(True))
    shown = (
        suppression.long_cells(marts)
        .join(hidden, on=suppression.KEYS, how="anti")
        .select("level", *suppression.KEYS, lower="value", upper="value", hidden=pl.lit(False))
        .with_columns(pl.col("lower", "upper").cast(pl.Float64))
    )
    return pl.concat([hidden, shown])


def _pinned(values, eqs, hidden) -> np.ndarray:
    lower, upper = suppression.attacker_bounds(values, eqs, hidden, 5, rounds=500)
    return np.flatnonzero(hidden & (values >= 1) & (values <= 4) & (lower >= upper))


def _two_versions(seed: int):
    """A year and its second version, in which one district's counts changed (a re-delivered
    file)."""
    rng = np.random.default_rng(seed)
    persons = {
        f"{10 + p}{d:02d}": {b: int(rng.choice([0, 2, 3, 6, 9, 15])) for b in BANDS}
        for p in range(2)
        for d in range(1, 4)
    }
    households = dict.fromkeys(persons, 20)
    changed = {**persons, "1002": {b: int(rng.choice([1, 4, 7, 12])) for b in BANDS}}
    return (
        {"area_summary": _summary(persons, households)},
        {"area_summary": _summary(changed, households)},
    )


@pytest.mark.parametrize("seed", range(12))
def test_a_second_publication_with_a_changed_count_gives_away_no_hidden_cell(seed):
    """The attacker holds both versions' published cells and propagates through every sum of
    both (the protection's own attacker); each version alone also holds against linear
    programmes."""
    first, second = _two_versions(seed)
    before = _in_parts(first)
    after = _in_parts(second, previous=_told(first, before))
    kept = before.filter("present").join(after.filter("present"), on=suppression.KEYS, how="anti")
    assert kept.is_empty(), "what the first publication hid stays hidden"
    assert _safe(*_whole(first, before)) and _safe(*_whole(second, after))
    assert len(_pinned(*_both_versions(first, before, second, after))) == 0


def test_without_the_history_a_second_publication_can_give_a_count_away():
    """What the history is for: among the same pairs of versions, re-protecting the second
    from scratch lets the attacker with both pin a count."""
    leaks = 0
    for seed in range(12):
        first, second = _two_versions(seed)
        before = _in_parts(first)
        leaks += len(_pinned(*_both_versions(first, before, second, _in_parts(second)))) > 0
    assert leaks > 0


# --- the tiny run: the pattern kept, the same files every time (issue 24) --------------------


def test_the_years_pattern_is_kept_in_the_warehouse(run):
    file = pl.read_parquet(run.exports / str(YEAR) / data.hidden_file(YEAR))
    with duckdb.connect(str(run.published), read_only=True) as con:
        history = con.sql(
            'SELECT mart AS "table", area_code, age_band, key, measure, lower, upper '
            "FROM core.suppression_history WHERE year_be = $year",
            params={"year": YEAR},
        ).pl()
    assert file.height > 0
    assert (
        history.select(data.HIDDEN_KEYS).sort(data.HIDDEN_KEYS).equals(file.sort(data.HIDDEN_KEYS))
    ), "every hidden cell, nothing else (no earlier publication)"
    assert (history["lower"] <= history["upper"]).all()


def _same_files(first, second) -> None:
    """Every file for people of each year, the packs included (workbooks, zips, checksums);
    not the Data Docs, a validation log for operators that records when it ran."""
    kinds = set()
    for year in TINY_YEARS:
        folder = first.exports / str(year)
        files = sorted(
            p.relative_to(folder)
            for p in folder.rglob("*")
            if p.is_file() and p.relative_to(folder).parts[0] != "data_docs"
        )
        assert data.hidden_file(year) in {str(f) for f in files}
        kinds |= {f.suffix for f in files}
        differ = [
            str(f)
            for f in files
            if (folder / f).read_bytes() != (second.exports / str(year) / f).read_bytes()
        ]
        assert differ == [], f"{year}: {len(differ)} of {len(files)} files differ: {differ[:5]}"
    assert {".csv", ".parquet", ".xlsx", ".html", ".zip"} <= kinds  # the packs were compared


def test_two_runs_in_two_homes_write_the_same_files_for_people(run, tmp_path):
    """The same landing files and key in a fresh home: every export file and the suppressed
    cells are the same bytes; and again after a forced re-run there, which finds the year's
    pattern in the history and the values in the snapshot."""
    home = tmp_path / "again"
    shutil.copytree(run.home / "landing", home / "landing")
    again = run_pipeline(home, TINY_YEARS)
    _same_files(run, again)
    _same_files(run, run_pipeline(home, TINY_YEARS, force=True))
