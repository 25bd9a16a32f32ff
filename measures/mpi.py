"""Alkire-Foster multidimensional poverty (MPI), grouped in Polars and as a scalar.

For person i with 0/1 deprivations d_ij and indicator weights w_j (summing to 1), the
deprivation score is c_i = sum_j w_j d_ij and the person is poor when c_i >= k. Then, with
survey weights v_i and N = sum(v):

* H  = sum(v poor) / N                              (headcount ratio)
* M0 = sum(v poor c) / N  = H * A                   (adjusted headcount ratio)
* A  = M0 / H                                       (intensity; null when nobody is poor)
* h_j   = sum(v d_j) / N                            (uncensored headcount of indicator j)
* h_j(k) = sum(v d_j poor) / N                      (censored headcount)
* contribution_j = w_j h_j(k), which sums to M0;    contribution_share_j = w_j h_j(k) / M0.

These are mpitb's (Stata, OPHI) and mpitbR's definitions. H, M0 and the headcounts are
population-weighted means, so a parent area's values are the population-weighted means of its
children's; A rolls up as sum(M0 pop) / sum(H pop), never as a mean of A (docs/domain.md section 9).

Cutoff tolerance: poor when c_i >= k - 1e-9 (``K_TOL``). Scores are sums of floats, and
0.7 + 0.1 < 0.8 in floating point; mpitbR compares exactly and would call that person non-poor.
Weights that are fractions with a small common denominator L (nested equal weights are) are
counted in whole units of 1/L instead (``score_units``): scores, and their sums, are then exact.

Missing deprivation values (null/NaN), chosen with ``missing=``:

* ``"error"`` (default): refuse with a ValueError giving the count per indicator;
* ``"drop"``: leave the person out (listwise deletion, which is what mpitb's estimation sample and
  mpitbR's examples, ``na.omit`` before ``mpitb.set``, do); ``dropped`` counts them;
* ``"nondeprived"``: count a missing value as not deprived -- the TPMAP/OPHI "non-deprived if not
  applicable" convention for BMN indicators whose scope excludes the person (NULL in the pipeline).
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Literal

import numpy as np
import polars as pl

from measures._weights import as_frame, check_weights, empty_input, is_frame, value_col

K_TOL = 1e-9
WEIGHT_SUM_TOL = 1e-9
Missing = Literal["error", "drop", "nondeprived"]
_MISSING = ("error", "drop", "nondeprived")
# Largest common denominator of the weights for which scores are counted in whole units.
_MAX_DENOMINATOR = 10_000


@dataclass(frozen=True)
class MPIResult:
    """Alkire-Foster results for one population; ``groups`` holds one MPIResult per group."""

    H: float
    A: float | None
    M0: float
    uncensored: dict[str, float]
    censored: dict[str, float]
    contribution: dict[str, float]
    contribution_share: dict[str, float | None]
    persons: int
    population: float
    dropped: int = 0
    groups: dict[object, MPIResult] | None = field(default=None, repr=False)


def _indicator(c: str) -> pl.Expr:
    # NaN (how numpy spells a missing value) and null are the same thing here.
    return value_col(c).fill_nan(None)


def _spec(
    indicators: Sequence[str], weights: Sequence[float] | Mapping[str, float], k: float
) -> tuple[list[str], list[float]]:
    names = list(indicators)
    if not names:
        raise ValueError("indicators is empty: an MPI needs at least one indicator")
    if len(set(names)) != len(names):
        raise ValueError(f"indicators has duplicate names: {names}")
    if isinstance(weights, Mapping):
        unknown = sorted(set(weights) - set(names))
        absent = [c for c in names if c not in weights]
        if unknown or absent:
            raise ValueError(
                f"weights must name each indicator once: unknown {unknown}, missing {absent}"
            )
        wts = [float(weights[c]) for c in names]
    else:
        wts = [float(v) for v in weights]
        if len(wts) != len(names):
            raise ValueError(f"{len(wts)} weights for {len(names)} indicators; they must match")
    if not all(np.isfinite(wts)) or min(wts) <= 0:
        raise ValueError(f"indicator weights must be positive numbers, got {wts}")
    if abs(sum(wts) - 1.0) > WEIGHT_SUM_TOL:
        raise ValueError(f"indicator weights must sum to 1, they sum to {sum(wts)!r}")
    if not (0.0 < float(k) <= 1.0):
        raise ValueError(f"poverty cutoff k must be in (0, 1], got {k}")
    return names, wts


def deprivation_score_expr(
    indicators: Sequence[str],
    weights: Sequence[float] | Mapping[str, float],
    *,
    missing_as_nondeprived: bool = False,
) -> pl.Expr:
    """Row-wise weighted deprivation score c_i = sum_j w_j d_ij (null if a d_ij is null,
    unless ``missing_as_nondeprived``)."""
    names, wts = _spec(indicators, weights, 1.0)
    terms = []
    for c, wj in zip(names, wts, strict=True):
        d = _indicator(c)
        terms.append(wj * (d.fill_null(0.0) if missing_as_nondeprived else d))
    return pl.sum_horizontal(terms, ignore_nulls=False).alias("score")


def _check_frame(
    lf: pl.LazyFrame, names: list[str], w: str | None, by: list[str], missing: str
) -> dict[str, int]:
    """Refuse unusable input; return the number of missing values per indicator."""
    schema = lf.collect_schema()
    absent = [c for c in [*names, *([w] if w else []), *by] if c not in schema]
    if absent:
        raise ValueError(f"columns not in the frame: {absent}")
    checks = []
    for c in names:
        d = _indicator(c)
        checks.append(((d != 0) & (d != 1)).sum().alias(f"bad:{c}"))
        checks.append(d.is_null().sum().alias(f"null:{c}"))
    if w:
        wv = value_col(w).fill_nan(None)
        checks.append((wv.is_null() | (wv < 0)).sum().alias("badw"))
    counts = lf.select(checks).collect(engine="in-memory").row(0, named=True)
    bad = {c: counts[f"bad:{c}"] for c in names if counts[f"bad:{c}"]}
    if bad:
        raise ValueError(f"deprivation values must be 0 or 1; other values per indicator: {bad}")
    nulls = {c: counts[f"null:{c}"] for c in names if counts[f"null:{c}"]}
    if nulls and missing == "error":
        raise ValueError(
            f"missing deprivation values per indicator: {nulls}. Choose missing='drop' "
            "(leave those persons out, as mpitb) or missing='nondeprived' "
            "(not applicable = not deprived, as TPMAP)"
        )
    if w and counts["badw"]:
        raise ValueError(f"weight column {w!r} has {counts['badw']} null, NaN or negative values")
    return nulls


def score_units(weights: Sequence[float]) -> tuple[list[float], int]:
    """Indicator weights as whole numbers of 1/L, and L; or the weights themselves and L = 1.

    Weights that are fractions with a small common denominator (nested equal weights: 1/5 per
    dimension shared by its indicators, L = 60 for TPMAP's 17) make every deprivation score a
    whole number of units, so sums of scores are exact in any order and M0 = sum / (L N) is
    rounded once. Weights that are not such fractions are used as they are (L = 1).
    """
    fractions = [Fraction(v).limit_denominator(_MAX_DENOMINATOR) for v in weights]
    scale = math.lcm(*(f.denominator for f in fractions))
    exact = sum(fractions) == 1 and all(
        math.isclose(float(f), v, rel_tol=1e-12) for f, v in zip(fractions, weights, strict=True)
    )
    if not exact or scale > _MAX_DENOMINATOR:
        return [float(v) for v in weights], 1
    return [float(f * scale) for f in fractions], scale


def _cutoff(k: float, scale: int) -> float:
    """Poor when score >= k - K_TOL; in whole units of 1/scale that is score >= ceil(...)."""
    return float(math.ceil(scale * (k - K_TOL))) if scale > 1 else k - K_TOL


def mpi_sums(
    df: pl.DataFrame | pl.LazyFrame,
    indicators: Sequence[str],
    weights: Sequence[float] | Mapping[str, float],
    *,
    w: str | None = None,
    by: str | Sequence[str] | None = None,
    missing: Missing = "error",
) -> pl.DataFrame:
    """What every MPI of these indicators needs, per group of ``by`` and deprivation score.

    One row per group and ``score`` (in units of 1/L, see ``score_units``), with ``persons``
    (records used), ``dropped`` (left out for missing values), ``population`` (sum of weights)
    and for each indicator ``c`` the weight of the persons deprived in it, ``deprived_c``. All
    are sums, so rows add up over groups (villages into a district, say) and any cutoff k is
    read off afterwards by ``mpi_from_sums``: a person is poor by the score alone. Without
    weights every sum is a whole number, exact whatever the order of the rows.
    """
    if missing not in _MISSING:
        raise ValueError(f"missing must be one of {_MISSING}, got {missing!r}")
    names, wts = _spec(indicators, weights, 1.0)
    units, scale = score_units(wts)
    keys = _keys(by)
    lf = as_frame(df).lazy()
    nulls = _check_frame(lf, names, w, keys, missing)

    schema = lf.collect_schema()
    if scale > 1 and all(schema[c].is_integer() for c in names):
        # whole units and 0/1 stored as integers: integer arithmetic, no float copy per column
        d = {c: pl.col(c).fill_null(0) for c in names}
        terms = (int(u) * d[c].cast(pl.Int32) for c, u in zip(names, units, strict=True))
    else:
        d = {c: _indicator(c).fill_null(0.0) for c in names}
        terms = (u * d[c] for c, u in zip(names, units, strict=True))
    # a chain of additions keeps one running column alive, not one column per indicator
    score = functools.reduce(operator.add, terms).alias("score")
    all_used = missing == "nondeprived" or not nulls
    if all_used:
        complete = pl.lit(True)
        counts = [pl.len().cast(pl.Int64).alias("persons"), pl.lit(0, pl.Int64).alias("dropped")]
    else:
        complete = pl.all_horizontal([_indicator(c).is_not_null() for c in names])
        counts = [
            complete.sum().cast(pl.Int64).alias("persons"),
            (~complete).sum().cast(pl.Int64).alias("dropped"),
        ]
    if all_used:
        v = value_col(w) if w else None  # None: everybody counts once, plain counts
    else:
        v = pl.when(complete).then(value_col(w) if w else pl.lit(1.0)).otherwise(0.0)
    sums = [*counts, (pl.len() if v is None else v.sum()).cast(pl.Float64).alias("population")]
    for c in names:
        deprived = d[c] if v is None else v * d[c]
        sums.append(deprived.sum().alias(f"deprived_{c}"))
    return lf.group_by([*keys, score]).agg(sums).sort([*keys, "score"]).collect(engine="in-memory")


def mpi_from_sums(
    sums: pl.DataFrame | pl.LazyFrame,
    indicators: Sequence[str],
    weights: Sequence[float] | Mapping[str, float],
    k: float,
    *,
    by: str | Sequence[str] | None = None,
    headcounts: bool = True,
) -> pl.DataFrame:
    """Alkire-Foster MPI per group of ``by`` from ``mpi_sums`` rows (of the same indicators and
    weights, grouped by ``by`` or by finer groups: they are summed), one row per group in the
    order the groups first appear. Columns as ``mpi_frame``; ``headcounts=False`` leaves out
    the per-indicator ones (and needs no ``deprived_c``).
    """
    names, wts = _spec(indicators, weights, k)
    units, scale = score_units(wts)
    keys = _keys(by)
    counted = names if headcounts else []
    poor = pl.col("score") >= _cutoff(k, scale)
    pop = pl.col("population")
    # the poor's share of each sum as a column first: plain grouped sums are the fast ones
    lf = sums.lazy().with_columns(
        pl.when(poor).then(pop).otherwise(0.0).alias("_poor"),
        pl.when(poor).then(pop * pl.col("score")).otherwise(0.0).alias("_m0"),
        *(
            pl.when(poor).then(pl.col(f"deprived_{c}")).otherwise(0.0).alias(f"_c:{c}")
            for c in counted
        ),
    )
    aggs = [
        pl.col("persons").sum(),
        pl.col("dropped").sum(),
        pop.sum(),
        pl.col("_poor").sum(),
        pl.col("_m0").sum(),
    ]
    for c in counted:
        aggs.append(pl.col(f"deprived_{c}").sum().alias(f"_u:{c}"))
        aggs.append(pl.col(f"_c:{c}").sum())
    # groups in the order they come (sorted, for the output of mpi_sums): sorting is the
    # caller's choice, and costs more than the sums when areas have many rows
    agg = lf.group_by(keys, maintain_order=True).agg(aggs) if keys else lf.select(aggs)

    # scores are in units of 1/scale: divide once, by whole numbers where there are no weights
    units_pop, m0 = pop * scale, pl.col("_m0")
    out = [
        *keys,
        "persons",
        "dropped",
        "population",
        (pl.col("_poor") / pop).alias("H"),
        pl.when(pl.col("_poor") > 0).then(m0 / (pl.col("_poor") * scale)).alias("A"),
        (m0 / units_pop).alias("M0"),
    ]
    for c, u in [(c, u) for c, u in zip(names, units, strict=True) if c in counted]:
        censored = pl.col(f"_c:{c}")
        out += [
            (pl.col(f"_u:{c}") / pop).alias(f"uncensored_{c}"),
            (censored / pop).alias(f"censored_{c}"),
            (u * censored / units_pop).alias(f"contribution_{c}"),
            pl.when(m0 > 0).then(u * censored / m0).alias(f"contribution_share_{c}"),
        ]
    return agg.select(out).collect(engine="in-memory")


def mpi_frame(
    df: pl.DataFrame | pl.LazyFrame,
    indicators: Sequence[str],
    weights: Sequence[float] | Mapping[str, float],
    k: float,
    *,
    w: str | None = None,
    by: str | Sequence[str] | None = None,
    missing: Missing = "error",
) -> pl.DataFrame:
    """Alkire-Foster MPI per group of ``by`` (the whole frame when ``by`` is None).

    ``df`` has one row per person, one 0/1 column per indicator (null = missing, see the module
    doc), optional weight column ``w``. Returns one row per group, sorted by ``by``, with columns
    ``persons`` (records used), ``dropped`` (records left out for missing values),
    ``population`` (sum of weights), ``H``, ``A``, ``M0`` and for each indicator ``c``:
    ``uncensored_c``, ``censored_c``, ``contribution_c`` (w_c h_c(k)) and
    ``contribution_share_c`` (contribution / M0, null when M0 = 0).

    ``df`` is a Polars or pandas DataFrame (or a LazyFrame); other columns are allowed. A frame
    without rows raises ``EmptyInputError`` (a ValueError): there is no population to measure.
    ``mpi_from_sums`` of ``mpi_sums``: one group_by per person row, then a small one.
    """
    _spec(indicators, weights, k)
    sums = mpi_sums(df, indicators, weights, w=w, by=by, missing=missing)
    if sums.height == 0:  # every input row lands in a row of sums, dropped ones too
        raise empty_input("the frame of deprivations")
    return mpi_from_sums(sums, indicators, weights, k, by=by)


def _keys(by: str | Sequence[str] | None) -> list[str]:
    return [] if by is None else ([by] if isinstance(by, str) else list(by))


def deprivation_frame(
    deprivations: object,
    indicators: Sequence[str] | None,
    weights: Sequence[float] | Mapping[str, float],
    other: Sequence[str] = (),
) -> tuple[pl.DataFrame, list[str]]:
    """The deprivations as a Polars frame, and the names of its indicator columns (not those
    ``other`` names, the weight and group columns)."""
    if is_frame(deprivations):
        frame = as_frame(deprivations, "deprivations").lazy().collect()
        if indicators is not None:
            names = list(indicators)
        elif isinstance(weights, Mapping):  # the mapping names the indicators
            names = [str(c) for c in weights]
        else:
            names = [c for c in frame.columns if c not in other]
        absent = [c for c in names if c not in frame.columns]
        if absent:
            raise ValueError(f"indicators not in the frame: {absent}")
        if frame.height == 0:
            raise empty_input("deprivations")
        return frame, names
    try:
        arr = np.asarray(deprivations, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"deprivations must be a 0/1 table of numbers: {exc}") from exc
    if arr.ndim != 2 or arr.shape[1] == 0:
        raise ValueError(f"deprivations must be a 2-D table, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise empty_input("deprivations")
    names = (
        list(indicators) if indicators is not None else [f"d{j + 1}" for j in range(arr.shape[1])]
    )
    if len(names) != arr.shape[1]:
        raise ValueError(f"{len(names)} indicator names for {arr.shape[1]} columns")
    return pl.DataFrame({c: arr[:, j] for j, c in enumerate(names)}), names


def _column_or_values(values: object, frame: pl.DataFrame, what: str) -> object:
    """``values`` itself, or the frame's column it names."""
    if not isinstance(values, str):
        return values
    if values not in frame.columns:
        raise ValueError(f"{what} names the column {values!r}, which is not in the frame")
    return frame[values]


def _result(row: dict, names: list[str]) -> MPIResult:
    return MPIResult(
        H=row["H"],
        A=row["A"],
        M0=row["M0"],
        uncensored={c: row[f"uncensored_{c}"] for c in names},
        censored={c: row[f"censored_{c}"] for c in names},
        contribution={c: row[f"contribution_{c}"] for c in names},
        contribution_share={c: row[f"contribution_share_{c}"] for c in names},
        persons=row["persons"],
        population=row["population"],
        dropped=row["dropped"],
    )


def mpi(
    deprivations: object,
    weights: Sequence[float] | Mapping[str, float],
    k: float,
    w: Sequence[float] | np.ndarray | pl.Series | str | None = None,
    groups: Sequence[object] | np.ndarray | pl.Series | str | None = None,
    *,
    missing: Missing = "error",
    indicators: Sequence[str] | None = None,
) -> MPIResult:
    """Alkire-Foster MPI of one population (and of each group in ``groups``).

    ``deprivations``: rows = persons, columns = indicators; a 2-D numpy array, a list of lists,
    or a Polars or pandas DataFrame. A frame keeps its column names; its indicators are
    ``indicators`` if given, else the keys of a ``weights`` mapping, else all its columns but
    those ``w`` and ``groups`` name: a frame may hold a weight or an area column, and ``w`` and
    ``groups`` can name them.
    Unnamed columns are called d1, d2, ... ``weights``: one per indicator, summing to 1 (or a
    mapping name -> weight). No persons at all raises ``EmptyInputError`` (a ValueError),
    whatever the input's type. Computed by ``mpi_frame``; see the module doc for the formulas,
    the cutoff tolerance and ``missing``. Matches the mpitbR vignette's toy example
    (M0 0.35, H 0.6, A 0.583333 at k = 1/2).
    """
    columns = [c for c in (w, groups) if isinstance(c, str)]  # w, groups naming columns
    frame, names = deprivation_frame(deprivations, indicators, weights, columns)
    n = frame.height
    w = _column_or_values(w, frame, "w")
    groups = _column_or_values(groups, frame, "groups")
    frame = frame.select(names)
    extra = {}
    if w is not None:
        extra["__w"] = check_weights(w, n, of="deprivations (persons)")
    if groups is not None:
        g = groups.to_list() if isinstance(groups, pl.Series) else np.asarray(groups).tolist()
        if len(g) != n:
            raise ValueError(f"groups has {len(g)} labels but there are {n} persons")
        extra["__g"] = g
    frame = frame.with_columns(pl.Series(k_, v_) for k_, v_ in extra.items())
    wcol = "__w" if w is not None else None
    overall = mpi_frame(frame, names, weights, k, w=wcol, missing=missing).row(0, named=True)
    result = _result(overall, names)
    if groups is None:
        return result
    per_group = mpi_frame(frame, names, weights, k, w=wcol, by="__g", missing=missing)
    by_group = {row["__g"]: _result(row, names) for row in per_group.iter_rows(named=True)}
    return replace(result, groups=by_group)


__all__ = [
    "K_TOL",
    "MPIResult",
    "deprivation_score_expr",
    "mpi",
    "mpi_frame",
    "mpi_from_sums",
    "mpi_sums",
    "score_units",
]
