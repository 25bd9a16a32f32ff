-- Per household poor on a dimension in the cases' survey year $previous ('all' = MPI-poor): its
-- village, its deprivation score that year (indicators failed, of the 17), whether a case on the
-- dimension (for 'all': on any problem) is at `helped` in $previous's case records, whether a
-- household of $year_be links to it (core.household_link), and whether every household linked
-- to it is out of poverty on the dimension in $year_be. Needs the view household_status
-- (sql/panel/status.sql over the two years).
WITH dims AS (
    SELECT year_be, household_key, dimension, bool_or(deprived) AS deprived
    FROM household_status
    GROUP BY ALL
), score AS (
    SELECT household_key, count_if(deprived)::INTEGER AS score_before
    FROM household_status
    WHERE year_be = $previous AND indicator_code IS NOT NULL
    GROUP BY ALL
), helped AS (
    SELECT DISTINCT household_key, dimension
    FROM core.fact_case
    WHERE year_be = $previous AND current = 1 AND status = 'helped'
    UNION
    SELECT DISTINCT household_key, 'all'
    FROM core.fact_case
    WHERE year_be = $previous AND current = 1 AND status = 'helped'
), after AS (
    SELECT l.prev_household_key AS household_key, d.dimension, bool_or(d.deprived) AS deprived
    FROM core.household_link AS l
    JOIN dims AS d ON d.year_be = l.year_be AND d.household_key = l.household_key
    WHERE l.year_be = $year_be AND l.link <> 'unlinked'
    GROUP BY ALL
)
SELECT
    h.village_code::UINTEGER AS village_code,
    b.dimension,
    s.score_before,
    hp.household_key IS NOT NULL AS helped,
    a.household_key IS NOT NULL AS linked,
    coalesce(NOT a.deprived, false) AS left_poverty
FROM dims AS b
JOIN core.fact_household AS h ON h.year_be = $previous AND h.household_key = b.household_key
JOIN score AS s ON s.household_key = b.household_key
LEFT JOIN helped AS hp ON hp.household_key = b.household_key AND hp.dimension = b.dimension
LEFT JOIN after AS a ON a.household_key = b.household_key AND a.dimension = b.dimension
WHERE b.year_be = $previous AND b.deprived
