"""Design-based standard errors by linearization (influence functions) for survey data.

Method (Deville 1999, Osier 2009; R ``convey::svygini``/``svyfgt``, ``mpitbR``): for an estimator
theta(w) of the survey weights, the linearized variable of record i is z_i = d theta / d w_i.
The variance of theta is the variance of the estimated total sum_i w_i z_i under the design.
With strata h and primary sampling units (PSUs), sampled with replacement at the first stage --
R ``survey::svydesign(ids = ~psu, strata = ~strata, weights = ~w)``, no finite population
correction:

    var = sum_h n_h / (n_h - 1) * sum_{i in h} (t_hi - mean_h(t))^2
    t_hi = sum_{k in PSU hi} w_k z_k      (PSU total of the weighted linearized values)

where n_h is the number of PSUs in stratum h. Without design information each record is its own
PSU in a single stratum. PSU labels are read within their stratum (as ``nest = TRUE``). A
stratum with a single PSU has no variance estimate: like R's default
(``options(survey.lonely.psu = "fail")``) we raise ValueError.

Domains (an area, a sex, ...) take ``domain=``: the estimate uses the domain's records and the
linearized variable is 0 outside it, so PSUs without domain members still count -- never subset the
data before computing a design-based SE.

A census such as Thailand's BMN (จปฐ.) enumerates the whole population: there is no sampling
variance and no standard error to report. These functions are for sample surveys (SES, LFS).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import NamedTuple

import numpy as np
import polars as pl

from measures._weights import ArrayLike, as_array, check_income, check_weights
from measures.inequality import gini
from measures.mpi import K_TOL, Missing, deprivation_frame, deprivation_score_expr, mpi
from measures.poverty import fgt


class Estimate(NamedTuple):
    value: float
    se: float


class MPIStandardErrors(NamedTuple):
    H: Estimate
    A: Estimate
    M0: Estimate


def _codes(values: object, name: str, n: int) -> np.ndarray:
    arr = np.asarray(values.to_numpy() if hasattr(values, "to_numpy") else values)
    if arr.shape != (n,):
        raise ValueError(f"{name} has shape {arr.shape} but there are {n} records")
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise ValueError(f"{name} has missing values; every record needs a {name}")
    if arr.dtype.kind == "O" and any(v is None for v in arr):
        raise ValueError(f"{name} has missing values; every record needs a {name}")
    try:
        return np.unique(arr, return_inverse=True)[1].ravel()
    except TypeError as exc:
        raise ValueError(f"{name} labels must be all numbers or all strings: {exc}") from exc


def design_variance(
    u: ArrayLike, strata: ArrayLike | None = None, psu: ArrayLike | None = None
) -> float:
    """Variance of the total of ``u`` (weighted linearized values w_i z_i) under a stratified
    with-replacement PSU design; see the module doc for the formula."""
    u = as_array(u, "u")
    n = u.size
    s = np.zeros(n, dtype=np.int64) if strata is None else _codes(strata, "strata", n)
    p = np.arange(n) if psu is None else _codes(psu, "psu", n)
    # Nested PSUs: the same label in two strata is two PSUs.
    _, first_record, unit_of = np.unique(
        s * (p.max() + 1) + p, return_index=True, return_inverse=True
    )
    totals = np.bincount(unit_of.ravel(), weights=u)
    unit_stratum = s[first_record]
    n_h = np.bincount(unit_stratum)
    if (n_h[n_h > 0] < 2).any():
        lonely = np.flatnonzero(n_h == 1)
        raise ValueError(
            f"{lonely.size} stratum/strata have a single PSU (stratum codes {lonely[:5].tolist()}):"
            " no design-based variance; merge them with a neighbouring stratum"
        )
    mean_h = np.bincount(unit_stratum, weights=totals) / np.maximum(n_h, 1)
    ss = np.bincount(unit_stratum, weights=(totals - mean_h[unit_stratum]) ** 2)
    factor = np.divide(n_h, n_h - 1, out=np.zeros(n_h.size), where=n_h > 1)
    return float((factor * ss).sum())


def _domain(domain: ArrayLike | None, n: int) -> np.ndarray:
    if domain is None:
        return np.ones(n, dtype=bool)
    mask = np.asarray(domain)
    if mask.shape != (n,) or mask.dtype != bool:
        raise ValueError(f"domain must be a boolean mask of length {n}")
    if not mask.any():
        raise ValueError("domain is empty")
    return mask


def gini_linearized(x: ArrayLike, w: ArrayLike | None = None) -> np.ndarray:
    """z_k = d G / d w_k for the Lorenz-trapezoid Gini (exact derivative of ``gini``):

    z_k = [2 (x_k C(x_k) + T_>(x_k)) - (G + 1)(T + N x_k)] / (N T)

    with N = sum(w), T = sum(w x), C(x_k) = sum_j w_j [x_j <= x_k], T_>(x_k) = sum_j w_j x_j
    [x_j > x_k]. convey's ``CalcGini_IF`` is the derivative of its own point estimate, which uses
    (2 r - 1) where laeken uses (2 r - w); the two differ by terms of order w_k / N.
    """
    x = check_income(x)
    w = check_weights(w, x.size)
    g = gini(x, w)
    order = np.argsort(x, kind="stable")
    xs = x[order]
    cw, cwx = np.cumsum(w[order]), np.cumsum(w[order] * xs)
    last = np.searchsorted(xs, x, side="right") - 1  # last record tied with x_k
    n_pop, total = w.sum(), (w * x).sum()
    return (2 * (x * cw[last] + total - cwx[last]) - (g + 1) * (total + n_pop * x)) / (
        n_pop * total
    )


def fgt_linearized(
    x: ArrayLike, line: float, alpha: float, w: ArrayLike | None = None
) -> np.ndarray:
    """z_k = (g_k - P) / N for P = FGT(alpha) = sum(w g) / N with a fixed line (convey
    ``svyfgt`` with ``abs_thresh``; a line estimated from the same sample adds a term we omit)."""
    x = check_income(x)
    w = check_weights(w, x.size)
    p = fgt(x, line, alpha, w)
    poor = x < line
    g = poor.astype(float) if alpha == 0 else np.where(poor, ((line - x) / line) ** alpha, 0.0)
    return (g - p) / w.sum()


def mpi_linearized(
    deprivations: object,
    weights: Sequence[float] | Mapping[str, float],
    k: float,
    w: ArrayLike | None = None,
    *,
    missing: Missing = "error",
) -> dict[str, np.ndarray]:
    """Linearized variables of H, M0 and A (mpitbR: ``svymean`` of poor and censored score;
    A as a mean over the poor, i.e. the ratio M0 / H):

    z_H = (poor - H) / N,  z_M0 = (poor c - M0) / N,  z_A = poor (c - A) / (N H).
    Persons left out for missing values (``missing="drop"``) get 0.
    """
    frame, names = deprivation_frame(deprivations, None, weights)
    frame = frame.select(names)
    w = check_weights(w, frame.height, of="deprivations (persons)")
    res = mpi(frame, weights, k, w, missing=missing)
    score = (
        frame.select(
            deprivation_score_expr(names, weights, missing_as_nondeprived=missing == "nondeprived")
        )
        .to_series()
        .to_numpy()
        .astype(float)
    )
    used = ~np.isnan(score)
    c = np.where(used, score, 0.0)
    poor = (used & (c >= k - K_TOL)).astype(float)
    n_pop = (w * used).sum()
    z = {
        "H": used * (poor - res.H) / n_pop,
        "M0": used * (poor * c - res.M0) / n_pop,
        "A": poor * (c - res.A) / (n_pop * res.H) if res.H > 0 else np.zeros(c.size),
    }
    return z


def _se(z: np.ndarray, w: np.ndarray, strata: ArrayLike | None, psu: ArrayLike | None) -> float:
    return float(np.sqrt(design_variance(w * z, strata, psu)))


def _in_domain(z_domain: np.ndarray, mask: np.ndarray) -> np.ndarray:
    z = np.zeros(mask.size)
    z[mask] = z_domain
    return z


def gini_se(
    x: ArrayLike,
    w: ArrayLike | None = None,
    strata: ArrayLike | None = None,
    psu: ArrayLike | None = None,
    domain: ArrayLike | None = None,
) -> Estimate:
    """Gini and its linearized design-based SE (convey ``svygini``); see the module doc."""
    x = check_income(x)
    w = check_weights(w, x.size)
    m = _domain(domain, x.size)
    z = _in_domain(gini_linearized(x[m], w[m]), m)
    return Estimate(gini(x[m], w[m]), _se(z, w, strata, psu))


def fgt_se(
    x: ArrayLike,
    line: float,
    alpha: float,
    w: ArrayLike | None = None,
    strata: ArrayLike | None = None,
    psu: ArrayLike | None = None,
    domain: ArrayLike | None = None,
) -> Estimate:
    """FGT(alpha) at a fixed line and its linearized design-based SE (convey ``svyfgt``)."""
    x = check_income(x)
    w = check_weights(w, x.size)
    m = _domain(domain, x.size)
    z = _in_domain(fgt_linearized(x[m], line, alpha, w[m]), m)
    return Estimate(fgt(x[m], line, alpha, w[m]), _se(z, w, strata, psu))


def mpi_se(
    deprivations: object,
    weights: Sequence[float] | Mapping[str, float],
    k: float,
    w: ArrayLike | None = None,
    strata: ArrayLike | None = None,
    psu: ArrayLike | None = None,
    domain: ArrayLike | None = None,
    *,
    missing: Missing = "error",
) -> MPIStandardErrors:
    """H, A, M0 with linearized design-based SEs (mpitbR ``mpitb.est``); see the module doc."""
    frame, names = deprivation_frame(deprivations, None, weights)
    frame = frame.select(names)
    w = check_weights(w, frame.height, of="deprivations (persons)")
    m = _domain(domain, frame.height)
    sub = frame.filter(pl.Series(m))
    res = mpi(sub, weights, k, w[m], missing=missing)
    z = mpi_linearized(sub, weights, k, w[m], missing=missing)
    return MPIStandardErrors(
        H=Estimate(res.H, _se(_in_domain(z["H"], m), w, strata, psu)),
        A=Estimate(
            res.A if res.A is not None else float("nan"),
            _se(_in_domain(z["A"], m), w, strata, psu) if res.H > 0 else float("nan"),
        ),
        M0=Estimate(res.M0, _se(_in_domain(z["M0"], m), w, strata, psu)),
    )


__all__ = [
    "Estimate",
    "MPIStandardErrors",
    "design_variance",
    "fgt_linearized",
    "fgt_se",
    "gini_linearized",
    "gini_se",
    "mpi_linearized",
    "mpi_se",
]
