-- The invariants of the measure marts of one survey year ($year_be), one row per table and
-- rule: how many rows break it, and the first of them (level:area_code). A rule that holds has
-- violations = 0. Tolerance $eps for float identities (sums in one fixed order, but H x A and
-- the parts of M0 are products and sums of rounded doubles).
WITH mpi AS (
    SELECT * FROM marts.area_mpi WHERE year_be = $year_be
), component AS (
    SELECT * FROM marts.area_mpi_component WHERE year_be = $year_be
), income AS (
    SELECT * FROM marts.area_income_poverty WHERE year_be = $year_be
), inequality AS (
    SELECT * FROM marts.area_inequality WHERE year_be = $year_be
), theil AS (
    SELECT * FROM marts.area_theil_decomposition WHERE year_be = $year_be
), summary AS (
    SELECT * FROM marts.area_summary WHERE year_be = $year_be
), checks AS (
    SELECT 'area_mpi' AS table_name, 'one row per area, age band and rule' AS rule,
           level, area_code, count(*) > 1 AS broken
    FROM mpi GROUP BY level, area_code, age_band, rule
    UNION ALL
    SELECT 'area_mpi', 'H, A and M0 within [0, 1], poor persons <= persons', level, area_code,
           NOT (h BETWEEN 0 AND 1 AND m0 BETWEEN 0 AND 1 AND coalesce(a BETWEEN k - $eps AND 1, poor_persons = 0)
                AND poor_persons BETWEEN 0 AND persons)
    FROM mpi
    UNION ALL
    SELECT 'area_mpi', 'M0 = H x A, H = poor persons / persons', level, area_code,
           abs(m0 - h * coalesce(a, 0)) > $eps OR abs(h - poor_persons / persons) > $eps
    FROM mpi
    UNION ALL
    SELECT 'area_mpi', 'union-rule poor persons = area_summary MPI-poor persons', m.level, m.area_code,
           s.mpi_poor_persons IS DISTINCT FROM m.poor_persons OR s.persons IS DISTINCT FROM m.persons
    FROM mpi AS m
    LEFT JOIN summary AS s USING (level, area_code, age_band)
    WHERE m.rule = 'tpmap_union'
    UNION ALL
    SELECT 'area_mpi_component', 'contributions add up to M0', c.level, c.area_code,
           abs(sum(c.contribution) - any_value(m.m0)) > $eps
    FROM component AS c
    JOIN mpi AS m USING (level, area_code, age_band, rule)
    GROUP BY c.level, c.area_code, c.rule, c.component_type
    UNION ALL
    SELECT 'area_mpi_component', 'censored headcount <= uncensored headcount', level, area_code,
           censored_headcount > uncensored_headcount + $eps OR uncensored_headcount NOT BETWEEN 0 AND 1
    FROM component
    UNION ALL
    SELECT 'area_income_poverty', '0 <= FGT2 <= FGT1 <= FGT0 <= 1, FGT0 = poor / persons', level, area_code,
           NOT (0 <= fgt2 AND fgt2 <= fgt1 + $eps AND fgt1 <= fgt0 + $eps AND fgt0 <= 1)
           OR abs(fgt0 - poor_persons / persons) > $eps OR line_min > line_max
    FROM income
    UNION ALL
    SELECT 'area_income_poverty', 'persons = area_summary persons', i.level, i.area_code,
           s.persons IS DISTINCT FROM i.persons
    FROM income AS i
    LEFT JOIN summary AS s USING (level, area_code, age_band)
    UNION ALL
    SELECT 'area_inequality', 'Gini, Atkinson in [0, 1]; Theil, MLD, Palma, S80/S20 >= 0', level, area_code,
           NOT (coalesce(gini BETWEEN 0 AND 1, true) AND coalesce(atkinson_05 BETWEEN 0 AND 1, true)
                AND coalesce(atkinson_1 BETWEEN 0 AND 1, true) AND coalesce(atkinson_2 BETWEEN 0 AND 1, true)
                AND coalesce(theil >= -$eps, true) AND coalesce(mld >= -$eps, true)
                AND coalesce(palma >= 0, true) AND coalesce(s80_s20 >= 0, true))
    FROM inequality
    UNION ALL
    SELECT 'area_theil_decomposition', 'Theil = within + between, and equals area_inequality', t.level, t.area_code,
           abs(t.theil - t.within - t.between) > $eps OR abs(t.theil - q.theil) > $eps
           OR coalesce(t.between_share NOT BETWEEN -$eps AND 1 + $eps, false)
    FROM theil AS t
    LEFT JOIN inequality AS q USING (level, area_code)
)
SELECT
    table_name,
    rule,
    count(*) FILTER (WHERE broken) AS violations,
    count(*) AS rows_checked,
    min(level || ':' || area_code) FILTER (WHERE broken) AS first_broken
FROM checks
GROUP BY table_name, rule
ORDER BY table_name, rule
