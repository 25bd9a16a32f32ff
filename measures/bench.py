"""Timings of the grouped measures on synthetic data: ``python -m measures.bench [rows] [groups]``.

Default 1,000,000 person rows in 10,000 groups (about the size of the demo's village level),
lognormal incomes, whole-number weights, 17 deprivation indicators with equal weights. The
last two cases are the measure marts of ``measures.areas`` over three levels (all persons,
areas of 10 villages, villages), without weights.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import polars as pl

from measures import (
    areas,
    atkinson_expr,
    fgt_expr,
    ge_decomposition_frame,
    gini_expr,
    median_expr,
    mpi_frame,
    palma_expr,
    qsr_expr,
    theil_expr,
)

N_INDICATORS = 17


def synthetic(rows: int, groups: int, seed: int = 1) -> pl.DataFrame:
    """Persons in ``groups`` villages; every 10 villages form a parent area."""
    rng = np.random.default_rng(seed)
    village = rng.integers(0, groups, rows)
    cols = {
        "village": village,
        "area": village // 10,
        "income": np.round(rng.lognormal(10.5, 0.8, rows)),
        "w": rng.integers(1, 5, rows).astype(float),
    }
    for j in range(N_INDICATORS):
        cols[f"i{j + 1}"] = (rng.random(rows) < 0.08).astype(np.int8)
    return pl.DataFrame(cols)


def _time(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main(rows: int = 1_000_000, groups: int = 10_000) -> None:
    df = synthetic(rows, groups)
    indicators = [f"i{j + 1}" for j in range(N_INDICATORS)]
    weights = [1 / N_INDICATORS] * N_INDICATORS

    df = df.with_columns(band=(pl.col("w") > 2).cast(pl.Int8))
    levels = {"all": pl.lit("all"), "area": "area", "village": "village"}
    splits = [("all", "area"), ("area", "village")]
    codes = {c: c for c in indicators}
    spec = areas.MPISpec(
        weights=dict(zip(indicators, weights, strict=True)),
        codes=codes,
        dimensions=codes,
        rules={"union": min(weights), "k33": 1 / 3},
    )

    def agg(*exprs: pl.Expr):
        return lambda: df.group_by("village").agg(*exprs)

    cases = {
        "gini": agg(gini_expr("income", "w")),
        "theil": agg(theil_expr("income", "w")),
        "atkinson(1)": agg(atkinson_expr("income", 1.0, "w")),
        "palma": agg(palma_expr("income", "w")),
        "s80/s20": agg(qsr_expr("income", "w")),
        "median": agg(median_expr("income", "w")),
        "fgt(0,1,2)": agg(*(fgt_expr("income", 20000, a, "w").alias(f"p{a}") for a in range(3))),
        "all above at once": agg(
            gini_expr("income", "w"),
            theil_expr("income", "w"),
            atkinson_expr("income", 1.0, "w"),
            palma_expr("income", "w"),
            qsr_expr("income", "w"),
            median_expr("income", "w"),
        ),
        "mpi_frame (17 ind.)": lambda: mpi_frame(
            df, indicators, weights, 1 / 3, w="w", by="village"
        ),
        "theil decomposition": lambda: ge_decomposition_frame(
            df, "income", 1.0, parent="area", child="village", w="w"
        ),
        "areas.mpi_marts": lambda: areas.mpi_marts(df, levels, spec, age_band="band"),
        "areas.income_marts": lambda: areas.income_marts(
            df,
            levels,
            {"line": pl.lit(20_000.0)},
            income="income",
            age_band="band",
            decompositions=splits,
        ),
    }
    print(f"{rows:,} rows, {df['village'].n_unique():,} groups, polars {pl.__version__}")
    print(f"{'measure':<22}{'seconds':>10}")
    for name, fn in cases.items():
        print(f"{name:<22}{_time(fn):>10.3f}")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
