-- Year-over-year change of each area's MPI-poor rate (mpi_poor_persons / persons, age band 'all')
-- against the previous survey year held in marts.area_summary (the latest year before $year_be,
-- so a skipped survey year is bridged). Only areas with at least $min_persons persons in both
-- years are compared: a rate over a handful of persons jumps by chance. `jump` marks the areas
-- whose absolute change exceeds $bound (a share: 0.10 = 10 percentage points).
-- No row at all when there is no earlier year. Params: $year_be, $bound, $min_persons.
WITH previous AS (
    SELECT max(year_be) AS year_be FROM marts.area_summary WHERE year_be < $year_be
), current_year AS (
    SELECT level, area_code, name_th, name_en, persons, mpi_poor_persons
    FROM marts.area_summary
    WHERE year_be = $year_be AND age_band = 'all'
), previous_year AS (
    SELECT s.year_be, s.level, s.area_code, s.persons, s.mpi_poor_persons
    FROM marts.area_summary AS s
    JOIN previous AS p ON s.year_be = p.year_be
    WHERE s.age_band = 'all'
), compared AS (
    SELECT
        c.level, c.area_code, c.name_th, c.name_en,
        p.year_be AS previous_year_be,
        $year_be AS year_be,
        p.persons AS previous_persons,
        c.persons,
        p.mpi_poor_persons / p.persons AS previous_rate,
        c.mpi_poor_persons / c.persons AS rate
    FROM current_year AS c
    JOIN previous_year AS p USING (level, area_code)
    WHERE c.persons >= $min_persons AND p.persons >= $min_persons
)
SELECT
    *,
    rate - previous_rate AS change,
    abs(rate - previous_rate) > $bound AS jump
FROM compared
ORDER BY
    jump DESC,
    abs(change) DESC,
    list_position(['country', 'region', 'province', 'district', 'subdistrict', 'village'], level),
    area_code
