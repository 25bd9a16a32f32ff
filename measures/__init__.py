"""Chipao's poverty and inequality measures: pure functions, no Dagster, no I/O.

Each measure has one definition, a Polars expression builder for ``group_by(...).agg(...)``;
the scalar functions evaluate that same expression on a one-group frame. Frame helpers do the
grouped computations that need more than one aggregation. Conventions: docs/domain.md section 9 and
each function's docstring (formula, conventions, the reference tool it matches).

Pipeline use (one pass per area level, no Python per area)::

    import polars as pl
    import measures as m

    persons.group_by("tambon").agg(
        m.gini_expr("income", "w"),
        m.theil_expr("income", "w"),
        m.mld_expr("income", "w"), m.zero_count_expr("income"),   # MLD leaves zeros out
        m.palma_expr("income", "w"),
        m.qsr_expr("income", "w"),
        m.median_expr("income", "w"),
        m.fgt_expr("income", "poverty_line", 0, "w").alias("headcount"),
        pl.col("w").sum().alias("population"),
    )
    m.mpi_frame(persons, indicators, weights, k=1 / 17, w=None, by=["tambon"],
                missing="nondeprived")
    m.ge_decomposition_frame(persons, "income", 1, parent="amphoe", child="tambon", w="w")

Notebook use::

    m.gini([541, 1463, 2445, 3438])            # 0.3066...
    m.mpi([[1, 0], [0, 1], [1, 1]], [0.5, 0.5], k=0.5).M0
    m.gini_se(x, w, strata=strata, psu=psu)    # survey data only; a census has no SE
"""

from measures._weights import EmptyInputError, zero_count_expr
from measures.change import Change, change
from measures.inequality import (
    QUANTILE_TIE_TOL,
    RANKS,
    RATIO_NULL_REASONS,
    GEDecomposition,
    GEParts,
    Ranks,
    WithExcluded,
    atkinson,
    atkinson_expr,
    atkinson_from_parts,
    atkinson_parts,
    ge,
    ge_decomposition,
    ge_decomposition_frame,
    ge_decomposition_parts,
    ge_expr,
    ge_from_parts,
    ge_parts,
    ge_split,
    gini,
    gini_expr,
    income_share,
    income_share_expr,
    mean,
    mean_expr,
    median,
    median_expr,
    mld,
    mld_expr,
    palma,
    palma_expr,
    qsr_expr,
    quantile,
    quantile_expr,
    quantile_share_ratio,
    rank_frame,
    ratio_null_reason_expr,
    theil,
    theil_expr,
)
from measures.mpi import (
    K_TOL,
    MPIResult,
    deprivation_score_expr,
    mpi,
    mpi_frame,
    mpi_from_sums,
    mpi_sums,
    score_units,
)
from measures.poverty import (
    Ratio,
    fgt,
    fgt_expr,
    fgt_parts,
    headcount,
    headcount_expr,
    watts,
    watts_expr,
    watts_parts,
)
from measures.variance import (
    Estimate,
    MPIStandardErrors,
    design_variance,
    fgt_linearized,
    fgt_se,
    gini_linearized,
    gini_se,
    mpi_linearized,
    mpi_se,
)

__all__ = [
    "K_TOL",
    "QUANTILE_TIE_TOL",
    "RANKS",
    "RATIO_NULL_REASONS",
    "Change",
    "EmptyInputError",
    "Estimate",
    "GEDecomposition",
    "GEParts",
    "MPIResult",
    "MPIStandardErrors",
    "Ranks",
    "Ratio",
    "WithExcluded",
    "atkinson",
    "atkinson_expr",
    "atkinson_from_parts",
    "atkinson_parts",
    "change",
    "deprivation_score_expr",
    "design_variance",
    "fgt",
    "fgt_expr",
    "fgt_linearized",
    "fgt_parts",
    "fgt_se",
    "ge",
    "ge_decomposition",
    "ge_decomposition_frame",
    "ge_decomposition_parts",
    "ge_expr",
    "ge_from_parts",
    "ge_parts",
    "ge_split",
    "gini",
    "gini_expr",
    "gini_linearized",
    "gini_se",
    "headcount",
    "headcount_expr",
    "income_share",
    "income_share_expr",
    "mean",
    "mean_expr",
    "median",
    "median_expr",
    "mld",
    "mld_expr",
    "mpi",
    "mpi_frame",
    "mpi_from_sums",
    "mpi_linearized",
    "mpi_se",
    "mpi_sums",
    "palma",
    "palma_expr",
    "qsr_expr",
    "quantile",
    "quantile_expr",
    "quantile_share_ratio",
    "rank_frame",
    "ratio_null_reason_expr",
    "score_units",
    "theil",
    "theil_expr",
    "watts",
    "watts_expr",
    "watts_parts",
    "zero_count_expr",
]
