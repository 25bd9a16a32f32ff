-- Per household of the years $year_be and $previous, per dimension ('all' = MPI-poor, any
-- indicator), whether any member is deprived, and per indicator whether it is failed.
WITH flags AS (
    SELECT year_be, household_key, bool_or(mpi_poor) AS mpi_poor, max(COLUMNS('^i_\d'))
    FROM core.fact_person
    WHERE year_be IN ($year_be, $previous)
    GROUP BY year_be, household_key
), per_indicator AS (
    UNPIVOT flags ON COLUMNS('^i_\d') INTO NAME status_column VALUE deprived
)
SELECT f.year_be, f.household_key, d.dimension, d.indicator_code, f.deprived = 1 AS deprived
FROM per_indicator AS f
JOIN core.dim_indicator AS d USING (status_column)
UNION ALL
SELECT year_be, household_key, 'all' AS dimension, NULL AS indicator_code, mpi_poor AS deprived
FROM flags
