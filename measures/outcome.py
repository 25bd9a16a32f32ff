"""Did help work? Helped households against comparable households that were not helped.

The comparison is exact matching into cells: households poor on a dimension in one survey
year are grouped by area, dimension and deprivation score that year; within a cell, the share
of helped households that left poverty on the dimension by the next survey year is compared
with the share of unhelped ones. The difference is the average over the cells weighted by their
helped households (the effect on the helped, ATT); helped households in a cell without any
unhelped household have no comparison and are counted, not used. The standard error treats
cells and groups as independent binomial samples:

    var = sum_c w_c^2 [p_hc (1 - p_hc) / n_hc + p_uc (1 - p_uc) / n_uc],  w_c = n_hc / N_h

and the confidence interval is the normal one, difference +- z se. Pure Polars, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import NormalDist

import polars as pl


def helped_vs_comparable(
    households: pl.DataFrame,
    cell: Sequence[str] = ("area_code", "dimension", "score_before"),
    by: Sequence[str] = ("dimension",),
    *,
    helped: str = "helped",
    left: str = "left_poverty",
    level: float = 0.95,
) -> pl.DataFrame:
    """One row per group of ``by`` (and one over everything, ``by`` columns 'all'):
    ``helped_households``, ``helped_matched`` (in a cell with an unhelped household),
    ``comparison_households`` (the unhelped of those cells), ``left_rate_helped``,
    ``left_rate_comparison`` (weighted as the helped), ``difference``, ``se``, ``ci_low``,
    ``ci_high``. ``households``: one row per poor household and dimension with the ``cell``
    columns, ``helped`` and ``left`` (booleans)."""
    cells = (
        households.group_by(list(cell))
        .agg(
            pl.col(helped).sum().alias("n_h"),
            (~pl.col(helped)).sum().alias("n_u"),
            (pl.col(helped) & pl.col(left)).sum().alias("left_h"),
            (~pl.col(helped) & pl.col(left)).sum().alias("left_u"),
        )
        .sort(list(cell))
    )  # the weighted sums below add in one order, run after run
    z = NormalDist().inv_cdf(0.5 + level / 2)
    groups = [list(by), []]
    out = []
    for keys in groups:
        frame = cells if keys else cells.with_columns(pl.lit("all").alias(k) for k in by)
        p_h = pl.col("left_h") / pl.col("n_h")
        p_u = pl.col("left_u") / pl.col("n_u")
        matched = (pl.col("n_h") > 0) & (pl.col("n_u") > 0)
        w = pl.col("n_h") / pl.col("n_h").filter(matched).sum()
        agg = frame.group_by(list(by)).agg(
            pl.col("n_h").sum().alias("helped_households"),
            pl.col("n_h").filter(matched).sum().alias("helped_matched"),
            pl.col("n_u").filter(matched).sum().alias("comparison_households"),
            (w * p_h).filter(matched).sum().alias("left_rate_helped"),
            (w * p_u).filter(matched).sum().alias("left_rate_comparison"),
            (w**2 * (p_h * (1 - p_h) / pl.col("n_h") + p_u * (1 - p_u) / pl.col("n_u")))
            .filter(matched)
            .sum()
            .sqrt()
            .alias("se"),
        )
        out.append(agg)
    result = pl.concat(out).with_columns(
        pl.when(pl.col("helped_matched") > 0)
        .then(pl.col("left_rate_helped") - pl.col("left_rate_comparison"))
        .alias("difference")
    )
    nothing = pl.col("helped_matched") == 0
    return result.with_columns(
        *(
            pl.when(~nothing).then(pl.col(c)).alias(c)
            for c in ("left_rate_helped", "left_rate_comparison", "se")
        ),  # fmt: skip
        pl.when(~nothing).then(pl.col("difference") - z * pl.col("se")).alias("ci_low"),
        pl.when(~nothing).then(pl.col("difference") + z * pl.col("se")).alias("ci_high"),
    ).sort(list(by))


__all__ = ["helped_vs_comparable"]
