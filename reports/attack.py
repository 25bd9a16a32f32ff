"""The outside attacker: reads every file written for people for a year as an outsider would,
and works out what it can of the hidden counts.

What it reads: the CSV and Parquet files per level (long and wide) and every pack's sheets, as
CSV, Parquet and (optionally) workbook. A number is known exactly, but for the rounded figures of
a CSV (a rate as a percentage with one decimal, an index with three): anything that rounds to
it; "<5" is 0..4; "x" is 5 or more for a count and unknown for anything else; a blank is
unknown. What one file hides another
may show: the attacker keeps the tightest it has of every cell.

The relations it builds between the published figures:
- the sums the counts obey (areas add up to their parent, bands to "all", card groups to the
  MPI-poor, the copies of one count in two marts), from reports/suppression.py;
- every rate times its base is its count (MPI-poor and target-poor rates, indicators' deprived
  rates, H, FGT0), whichever of the three is hidden;
- a dimension's headcount x persons x its indicators = the sum of its indicators' deprived
  counts, and M0 of the union rule x persons = Σ weight x deprived count (plus, for an
  indicator counted by person, what its households count more, which no file shows: an
  unknown of the relation, 0 and up).
Each sum takes in every cell it is made of, those no file shows included (unknown): a
relation that does not hold pins values that only look like a leak (``Result.unsound``). Then
interval propagation through all of them to a fixed point. A hidden count of 1..4 is recovered
when only its true value is left. Nothing here imports Dagster.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import polars as pl

from reports import derived, suppression
from reports.pack import columns
from schemas import catalog

INF = float("inf")
# Rates and their count and base, as the columns' descriptions give them: (table, rate, count,
# count's table, base, base's table); a count of the rate's own table has the rate's key.
RATES = (
    ("area_summary", "mpi_poor_rate", "mpi_poor_persons", "area_summary", "persons",
     "area_summary"),
    ("area_summary", "target_poor_rate", "target_poor_persons", "area_summary", "persons",
     "area_summary"),
    ("area_indicator", "deprived_rate", "persons_deprived", "area_indicator",
     "persons_in_scope", "area_indicator"),
    ("area_mpi", "h", "poor_persons", "area_mpi", "persons", "area_summary"),
    ("area_income_poverty", "fgt0", "poor_persons", "area_income_poverty", "persons",
     "area_summary"),
)  # fmt: skip
# The pack sheets whose rows are cells of a mart: sheet -> (mart, its key column or None).
SHEET_MART = {
    "indicators": ("area_indicator", "indicator_code"),
    "dimensions": ("area_mpi_component", None),
    "mpi": ("area_mpi", "rule"),
    "income_poverty": ("area_income_poverty", "line"),
    "ranking": ("area_summary", None),
}
# Columns of a sheet row that belong to another mart than the sheet's.
OTHER_MART = {"persons": "area_summary", "m0": "area_mpi"}
CELL = ["table", "area_code", "age_band", "key", "measure"]


@dataclass
class Result:
    hidden_small: int  # hidden counts of 1..4 the files hold
    recovered: int  # of them, pinned to their true value
    pinned_nonzero: int  # hidden small counts the attacker knows are at least 1
    files: int
    relations: int
    cells: pl.DataFrame  # the recovered cells
    # cells whose true value the attacker's bounds leave out: a relation it built does not hold
    # (what it then "recovers" is luck, not a leak); 0 for an attacker whose count means anything
    unsound: int = 0


# A CSV column whose header says "(%)" holds percentages: the attacker reads them as fractions.
PERCENT = "__percent"


def _labels() -> dict[str, str]:
    """Header text -> column: "Thai / English" (CSV; "name__percent" when its values are
    percentages), English (workbook), the name itself."""
    from reports import build, write

    build.register_indicator_columns()
    out = {}
    for name, label in columns().items():
        out[f"{label['th']} / {label['en']}"] = name
        percent = write.header(name, "rate")
        if percent not in out:
            out[percent] = name + PERCENT
        out.setdefault(label["en"], name)
        out[name] = name
    return out


def _parse(col: pl.Series, count: bool, rounded: bool = False) -> tuple[pl.Series, pl.Series]:
    """Lower and upper bounds of a column as read: numbers, "<t", "x", blanks. A number of a
    ``rounded`` column (a CSV for people: rates, indices and baht rounded) is anything that
    rounds to it; a count is whole and read as it is."""
    t = suppression.threshold()
    text = col.cast(pl.String).str.strip_chars()
    number = text.str.replace_all(",", "").cast(pl.Float64, strict=False)
    decimals = text.str.extract(r"\.(\d+)$", 1).str.len_chars().fill_null(0)
    half = pl.Series([0.0] * len(text))
    if rounded and not count:
        half = (
            pl.DataFrame({"d": decimals})
            .select(0.5 * pl.lit(10.0).pow(-pl.col("d").cast(pl.Float64)) * (1 + 1e-9))
            .to_series()
        )
    small = text == f"<{t}"
    big = (text == "x") if count else pl.Series([False] * len(text))
    frame = pl.DataFrame({"n": number, "small": small, "big": big, "half": half})
    bounds = frame.select(
        lo=pl.when(pl.col("n").is_not_null())
        .then(pl.col("n") - pl.col("half"))
        .when("big")
        .then(float(t))
        .otherwise(0.0 if count else -INF),
        hi=pl.when(pl.col("n").is_not_null())
        .then(pl.col("n") + pl.col("half"))
        .when("small")
        .then(float(t - 1))
        .otherwise(INF),
    )
    return bounds["lo"], bounds["hi"]


def _counts() -> dict[str, str]:
    """Count column -> its mart (for columns named alike in two marts, the sheet decides)."""
    return {m: t for t, ms in suppression.COUNTS.items() for m in ms}


def _long(
    frame: pl.DataFrame, table: str, key: pl.Expr, area: pl.Expr, band: pl.Expr,
    rounded: bool = False,
):  # fmt: skip
    """Observations (CELL, lo, hi) of every count and derived figure of a read frame
    (``rounded``: a CSV for people, its percentages as fractions)."""
    figures = {m: t for t in derived.declared() for m in derived.figures(t)}
    counts = _counts()
    out = []
    for read in frame.columns:
        col, scale = read.removesuffix(PERCENT), 100.0 if read.endswith(PERCENT) else 1.0
        if col in suppression.COUNTS.get(table, ()) or col in derived.figures(table):
            owner = table
        elif col in OTHER_MART:
            owner = OTHER_MART[col]
        elif col in counts or col in figures:
            owner = counts.get(col) or figures[col]
        elif col.startswith("rate_"):
            owner = "area_indicator"
        else:
            continue
        is_count = col in counts
        lo, hi = _parse(frame[read], is_count, rounded)
        lo, hi = lo / scale, hi / scale
        measure, cell_key = col, key
        if col.startswith("rate_"):
            measure, cell_key = "deprived_rate", pl.lit(col.removeprefix("rate_"))
        elif owner != table:
            # persons of area_summary and m0 of the union rule on another mart's row
            cell_key = pl.lit("tpmap_union" if owner == "area_mpi" else "")
        out.append(
            frame.with_columns(lo=lo, hi=hi)
            .filter(pl.col("lo").is_finite() | pl.col("hi").is_finite())  # a blank tells nothing
            .select(
                pl.lit(owner).alias("table"),
                area.alias("area_code"),
                band.alias("age_band"),
                cell_key.cast(pl.String).alias("key"),
                pl.lit(measure).alias("measure"),
                "lo",
                "hi",
            )
        )
    return out


def _read_table(path: Path, labels: dict[str, str]) -> list[pl.DataFrame]:
    """A file as frames of string cells with column names (a workbook: one per sheet)."""
    if path.suffix == ".parquet":
        frames = [pl.read_parquet(path)]
    elif path.suffix == ".csv":
        frames = [pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")]
    else:
        frames = []
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        for ws in book.worksheets[1:]:  # the first is the summary, the sheets repeat it
            rows = list(ws.iter_rows(values_only=True))
            if len(rows) < 2:
                continue
            names = [str(v) if v is not None else f"_{i}" for i, v in enumerate(rows[1])]
            body = [[None if v is None else str(v) for v in r] for r in rows[2:]]
            frames.append(
                pl.DataFrame(body, schema=names, orient="row")
                if body
                else pl.DataFrame(schema=dict.fromkeys(names, pl.String))
            )
            frames[-1] = frames[-1].with_columns(pl.lit(ws.title).alias("_sheet"))
        book.close()
    out = []
    for frame in frames:
        renamed = {c: labels[c] for c in frame.columns if c in labels}
        frame = frame.select([pl.col(c).alias(renamed.get(c, c)) for c in frame.columns])
        out.append(frame.select([c for c in dict.fromkeys(frame.columns)]))
    return out


def _sheet_of(path: Path, frame: pl.DataFrame) -> str | None:
    if "_sheet" in frame.columns:
        title = frame["_sheet"][0] if frame.height else ""
        from reports.pack import SHEETS

        return next((s.key for s in SHEETS if s.title == title), None)
    stem = path.stem
    return next((k for k in SHEET_MART if stem.endswith(f"_{k}")), None)


def _dimension_codes() -> dict[str, str]:
    return {d.name_en: d.code for d in catalog.dimensions()}


def observations(folder: Path, workbooks: bool = True) -> tuple[pl.DataFrame, int]:
    """Every count and derived figure the year's files for people show, with what they show
    (lo, hi), tightest first; and the number of files read."""
    labels = _labels()
    obs, n_files = [], 0

    def merge(parts: list[pl.DataFrame]) -> list[pl.DataFrame]:
        """The tightest bounds per cell so far: one frame instead of one per file."""
        merged = pl.concat(parts).group_by(CELL).agg(pl.col("lo").max(), pl.col("hi").min())
        return [merged]

    for path in sorted(folder.glob("area_*")):
        if path.suffix not in (".csv", ".parquet"):
            continue
        n_files += 1
        (frame,) = _read_table(path, labels)
        if path.name.startswith("area_indicator_"):
            table, key = "area_indicator", pl.col("indicator_code")
        else:
            table, key = "area_summary", pl.lit("")
        band = pl.col("age_band") if "age_band" in frame.columns else pl.lit("all")
        rounded = path.suffix == ".csv"
        obs = merge([*obs, *_long(frame, table, key, pl.col("area_code"), band, rounded)])
    dims = _dimension_codes()
    for pack in sorted((folder / "packs").glob("*_*")):
        if not pack.is_dir():
            continue
        code = pack.name.split("_", 1)[1]
        kinds = ("*.csv", "*.parquet", "*.xlsx") if workbooks else ("*.csv", "*.parquet")
        for path in sorted(p for k in kinds for p in pack.glob(k)):
            n_files += 1
            for frame in _read_table(path, labels):
                sheet = _sheet_of(path, frame)
                if sheet not in SHEET_MART:
                    continue
                table, key_col = SHEET_MART[sheet]
                band = pl.col("age_band") if "age_band" in frame.columns else pl.lit("all")
                area = pl.col("area_code") if sheet == "ranking" else pl.lit(code)
                if sheet == "dimensions":
                    frame = frame.with_columns(
                        _dim=pl.col("dimension_en").replace_strict(dims, default=None)
                    )
                    key = pl.concat_str("rule", pl.lit("|"), "_dim")
                else:
                    key = pl.col(key_col) if key_col else pl.lit("")
                obs += _long(frame, table, key, area, band, path.suffix == ".csv")
        if len(obs) > 2000:
            obs = merge(obs)
    if not obs:
        return pl.DataFrame(schema={**dict.fromkeys(CELL, pl.String), "lo": pl.Float64,
                                    "hi": pl.Float64}), n_files  # fmt: skip
    merged = (
        pl.concat(obs)
        .filter(pl.col("area_code").is_not_null())
        .group_by(CELL)
        .agg(pl.col("lo").max(), pl.col("hi").min())
    )
    return merged, n_files


def _relations(cells: pl.DataFrame, obs: pl.DataFrame, year_be: int) -> pl.DataFrame:
    """eq, cell, coef of every relation the attacker builds over ``cells`` (the counts, numbered
    as suppression.long_cells numbers them) from the published figures in ``obs``."""
    sums = suppression.mart_equations(cells, year_be)
    # the copies of one count in two marts: equal (the attacker takes the definitions at word)
    alias = suppression.canonical(cells.with_columns(value=pl.lit(0, pl.Int64)), year_be)
    copies = cells.select("cell", var=alias).filter(pl.col("cell") != pl.col("var"))
    top = int(sums["eq"].max() or 0) + 1
    eqs = [
        sums.select("eq", pl.col("cell").cast(pl.Int64), pl.col("coef").cast(pl.Float64)),
        copies.select(eq=pl.int_range(pl.len()) + top, cell="cell", coef=pl.lit(1.0)),
        copies.select(eq=pl.int_range(pl.len()) + top, cell="var", coef=pl.lit(-1.0)),
    ]
    top += copies.height
    index = cells.select(*CELL, pl.col("cell").cast(pl.Int64))
    known = obs.filter(pl.col("lo") == pl.col("hi")).select(*CELL, value="lo")

    def figure(table: str, measure: str) -> pl.DataFrame:
        return known.filter((pl.col("table") == table) & (pl.col("measure") == measure))

    def cell_of(frame: pl.DataFrame, table: str, measure: str, key: pl.Expr, name: str):
        look = index.filter((pl.col("table") == table) & (pl.col("measure") == measure))
        return (
            frame.with_columns(key.alias("_k"))
            .join(
                look.select("area_code", "age_band", _k="key", **{name: "cell"}),
                on=["area_code", "age_band", "_k"],
            )
            .drop("_k")
        )

    relations = []
    for table, rate, count, count_table, base, base_table in RATES:
        r = figure(table, rate).rename({"value": "r"})
        r = cell_of(r, count_table, count, pl.col("key"), "c")
        r = cell_of(r, base_table, base, pl.col("key") if base_table == table else pl.lit(""), "b")
        relations.append(r.select("c", "b", "r"))
    rated = pl.concat(relations).with_row_index("n")
    # count - rate x base = 0
    eqs += [
        rated.select(eq=pl.col("n").cast(pl.Int64) + top, cell="c", coef=pl.lit(1.0)),
        rated.select(eq=pl.col("n").cast(pl.Int64) + top, cell="b", coef=-pl.col("r")),
    ]
    top += rated.height
    indicators = catalog.indicators(year_be)
    # The MPI reads every indicator as its households' status (every member of a household
    # where someone fails it); an indicator counted by person (1.1, 3.3) publishes the persons'
    # own, which can be fewer. How many more the households count is in no file: each relation
    # below takes it as an unknown of its own (0 and up, a cell numbered after the counts).
    # Without it, the relations did not hold in 1.4 % of the demo's M0.
    by_person = {i.code for i in indicators if i.counted_by == "person"}
    members = pl.DataFrame(
        {
            "key": [i.code for i in indicators],
            "dim": [i.dimension for i in indicators],
            "by_person": [i.code in by_person for i in indicators],
        }
    )
    n_dim = members.group_by("dim").agg(pl.len(), unseen=pl.col("by_person").any())
    unknown = cells.height  # the next number for an unknown of a relation

    def unknowns(rows: pl.DataFrame, first: int) -> pl.DataFrame:
        """One unknown (coefficient 1) for each of ``rows`` (eq, unseen): what the households
        of the relation's indicators counted by person add to their published counts."""
        rows = rows.filter("unseen")
        return rows.select("eq", cell=pl.int_range(pl.len()) + first, coef=pl.lit(1.0))

    # a dimension's headcount x persons x its indicators = Σ its indicators' deprived counts
    heads = (
        figure("area_mpi_component", "uncensored_headcount")
        .with_columns(dim=pl.col("key").str.split("|").list.get(1))
        .join(n_dim, on="dim")
        .with_row_index("n")
        .with_columns(eq=pl.col("n").cast(pl.Int64) + top)
    )
    heads = cell_of(heads, "area_summary", "persons", pl.lit(""), "p")
    deprived = index.filter(
        (pl.col("table") == "area_indicator") & (pl.col("measure") == "persons_deprived")
    ).join(members, on="key")
    eqs += [
        heads.select("eq", cell="p", coef=-pl.col("value") * pl.col("len")),
        heads.join(
            deprived.select("area_code", "age_band", "dim", d="cell"),
            on=["area_code", "age_band", "dim"],
        ).select("eq", cell="d", coef=pl.lit(1.0)),
        unknowns(heads, unknown),
    ]
    unknown += heads.filter("unseen").height
    top += heads.height
    # M0 of the union rule x persons = Σ weight x deprived count (weights as whole numbers)
    weights = {
        i.code: 1 / (len(catalog.dimensions()) * n)
        for i in indicators
        for d, n, _ in n_dim.iter_rows()
        if d == i.dimension
    }
    scale = math.lcm(*(round(1 / w) for w in weights.values()))
    m0 = (
        figure("area_mpi", "m0")
        .filter(pl.col("key") == "tpmap_union")
        .with_row_index("n")
        .with_columns(eq=pl.col("n").cast(pl.Int64) + top, unseen=pl.lit(bool(by_person)))
    )
    m0 = cell_of(m0, "area_summary", "persons", pl.lit(""), "p")
    w = pl.DataFrame({"key": list(weights), "w": [round(scale * v) for v in weights.values()]})
    eqs += [
        m0.select("eq", cell="p", coef=-pl.col("value") * scale),
        m0.join(
            deprived.join(w, on="key").select("area_code", "age_band", "w", d="cell"),
            on=["area_code", "age_band"],
        ).select("eq", cell="d", coef=pl.col("w").cast(pl.Float64)),
        unknowns(m0, unknown),
    ]
    return pl.concat(
        [
            e.select(
                pl.col("eq").cast(pl.Int64),
                pl.col("cell").cast(pl.Int64),
                pl.col("coef").cast(pl.Float64),
            )
            for e in eqs
        ]
    ).drop_nulls()


def _propagate(system: suppression.System, lower, upper, rounds: int = 200):
    """Interval propagation through every sum, from the given bounds (what the files show),
    to a fixed point; rounded inwards to integers."""
    eq, cell, coef, n = system.eq, system.cell, system.coef, system.n_eq
    # the members grouped by cell once: a reduce per group, not ufunc.at (tens of times slower)
    order = np.argsort(cell, kind="stable")
    grouped = cell[order]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]]) if len(cell) else cell
    cells = grouped[starts]
    for _ in range(rounds):
        a, b = coef * lower[cell], coef * upper[cell]
        lo, hi = np.fmin(a, b), np.fmax(a, b)
        lo = np.where(np.isnan(lo), -INF, lo)
        hi = np.where(np.isnan(hi), INF, hi)
        lo_inf, hi_inf = ~np.isfinite(lo), ~np.isfinite(hi)
        lo_f, hi_f = np.where(lo_inf, 0.0, lo), np.where(hi_inf, 0.0, hi)
        s_lo, s_hi = np.bincount(eq, lo_f, n), np.bincount(eq, hi_f, n)
        n_lo, n_hi = np.bincount(eq, lo_inf, n), np.bincount(eq, hi_inf, n)
        o_lo = np.where(n_lo[eq] - lo_inf > 0, -INF, s_lo[eq] - lo_f)
        o_hi = np.where(n_hi[eq] - hi_inf > 0, INF, s_hi[eq] - hi_f)
        with np.errstate(divide="ignore", invalid="ignore"):
            imp_lo = np.where(coef > 0, -o_hi / coef, -o_lo / coef)
            imp_hi = np.where(coef > 0, -o_lo / coef, -o_hi / coef)
        usable = np.abs(coef) > 1e-12
        imp_lo, imp_hi = np.where(usable, imp_lo, -INF), np.where(usable, imp_hi, INF)
        new_lower, new_upper = lower.copy(), upper.copy()
        if len(cells):
            best_lo = np.maximum.reduceat(np.ceil(imp_lo - 1e-6)[order], starts)
            best_hi = np.minimum.reduceat(np.floor(imp_hi + 1e-6)[order], starts)
            new_lower[cells] = np.maximum(lower[cells], best_lo)
            new_upper[cells] = np.minimum(upper[cells], best_hi)
        if np.array_equal(new_lower, lower) and np.array_equal(new_upper, upper):
            break
        lower, upper = new_lower, new_upper
    return lower, upper


def _closed(rows: pl.DataFrame, areas: pl.DataFrame) -> pl.DataFrame:
    """``rows`` (area_code, age_band, key of one mart) with every cell the relations over them
    need: the areas above them and the siblings of each (an area's children are all in a sum
    with it, not only those some file shows), and for each of those areas every key and age
    band of the mart (its bands add up, its indicators make up M0). A sum built over part of
    its members would be a relation that does not hold: the ranking sheet's M0 of the child
    areas whose M0 is shown gave each district mart rows for those children only, and the
    district's poor were taken as the sum of theirs (issue 18: every "recovered" count of the
    demo came out of such sums, with bounds around them that left out the true values). What
    no file shows is unknown (0 and up)."""
    parent = dict(zip(areas["area_code"], areas["parent_code"], strict=True))
    found = rows.select("area_code").unique()
    while True:  # one level up per pass: a handful of levels
        up = (
            found.select(pl.col("area_code").replace_strict(parent, default=None))
            .drop_nulls()
            .join(found, on="area_code", how="anti")
            .unique()
        )
        if up.is_empty():
            break
        found = pl.concat([found, up])
    family = areas.select("area_code", "parent_code").drop_nulls()
    siblings = (
        found.join(family, on="area_code")
        .select("parent_code")
        .unique()
        .join(family, on="parent_code")
        .select("area_code")
    )
    every = pl.concat([found, siblings]).unique()
    keys, bands = rows.select("key").unique(), rows.select("age_band").unique()
    return every.join(bands, how="cross").join(keys, how="cross")


def _attacker_marts(obs: pl.DataFrame, areas: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """The counts' cells the files tell of, and those the sums over them take in (``_closed``),
    shaped as the marts suppression.long_cells reads (values 0: the attacker's bounds are kept
    aside)."""
    # a parent no file names is no cell: the sum of its children would have no total and
    # read as "they add up to 0"
    known = pl.col("parent_code").is_in(areas["area_code"].implode())
    areas = areas.with_columns(pl.when(known).then("parent_code").alias("parent_code"))
    out = {}
    for table, measures in suppression.COUNTS.items():
        rows = obs.filter(pl.col("table") == table).select("area_code", "age_band", "key")
        rows = _closed(rows.unique(), areas).join(areas, on="area_code")
        key = suppression.SUBKEY.get(table)
        frame = rows.with_columns(*(pl.lit(0, pl.Int64).alias(m) for m in measures))
        out[table] = frame.rename({"key": key}) if key else frame.drop("key")
    return out


def attack(folder: Path, truth: pl.DataFrame, year_be: int, workbooks: bool = True) -> Result:
    """What the attacker recovers from the files in ``folder`` (exports/<year>), checked
    against ``truth``: the true counts as cells (table, area_code, age_band, key, measure,
    value)."""
    obs, n_files = observations(folder, workbooks)
    areas = pl.read_parquet(
        sorted(folder.glob(f"area_summary_*_{year_be}.parquet")),
        columns=["level", "area_code", "parent_code"],
    ).unique("area_code")
    cells = suppression.long_cells(_attacker_marts(obs, areas))
    # in the cells' order: the bounds are indexed by cell number
    seen = cells.select(*CELL, "cell").join(obs, on=CELL, how="left").sort("cell")
    lower = seen["lo"].fill_null(0.0).to_numpy().copy()
    upper = seen["hi"].fill_null(INF).to_numpy().copy()
    eqs = _relations(cells, obs, year_be)
    n_relations = eqs["eq"].n_unique()
    # the relations' unknowns (numbered after the counts): 0 and up
    n = max(cells.height, int(eqs["cell"].max() or 0) + 1)
    lower = np.r_[lower, np.zeros(n - cells.height)]
    upper = np.r_[upper, np.full(n - cells.height, INF)]
    # a sum whose members are all published tells nothing: propagate through the others only
    open_cells = pl.Series(lower < upper)
    eqs = (
        eqs.with_columns(open=open_cells.gather(eqs["cell"]))
        .filter(pl.col("open").any().over("eq"))
        .drop("open")
    )
    system = suppression.System(
        np.zeros(n),
        eqs["eq"].to_numpy(),
        eqs["cell"].to_numpy(),
        eqs["coef"].to_numpy(),
    )
    shown_small = ((upper <= suppression.threshold() - 1) & (lower < upper))[: cells.height]
    lower, upper = _propagate(system, lower, upper)
    lower, upper = lower[: cells.height], upper[: cells.height]
    bounded = seen.with_columns(
        small=pl.Series(shown_small), lower=pl.Series(lower), upper=pl.Series(upper)
    )
    found = bounded.filter("small").join(truth, on=CELL, how="left")
    unsound = bounded.join(truth, on=CELL).filter(
        (pl.col("value") < pl.col("lower")) | (pl.col("value") > pl.col("upper"))
    )
    small = found.filter(pl.col("value").is_between(1, suppression.threshold() - 1))
    recovered = small.filter(
        (pl.col("lower") == pl.col("upper")) & (pl.col("lower") == pl.col("value"))
    )
    return Result(
        hidden_small=small.height,
        recovered=recovered.height,
        pinned_nonzero=small.filter(pl.col("lower") >= 1).height,
        files=n_files,
        relations=n_relations,
        cells=recovered.select(*CELL, "value"),
        unsound=unsound.height,
    )


def truth_cells(marts: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """The true counts of the marts as cells (for checking what the attacker found)."""
    long = suppression.long_cells({m: marts[m] for m in suppression.COUNTS})
    return long.select(*CELL, "value")
