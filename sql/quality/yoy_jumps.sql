-- Year-over-year change of each area (age band 'all') against the previous survey year held in
-- marts.area_summary (the latest year before $year_be, so a skipped survey year is bridged).
-- Only areas with at least $min_persons persons in both years are compared. `jump` marks:
--
-- * a move of the MPI-poor rate beyond $bound (a share: 0.10 = 10 percentage points) that
--   chance does not explain. On the clean demo a tenth of the villages and subdistricts moved
--   more than 10 points every year (911 of 11,816 areas in 2566), all of them small: a rate
--   over 15 households moves by 10 points by sampling alone. So the move must also be
--   significant: z, the change over its standard error with households as the sample size
--   (members share the household's status) and the two years' pooled rate, beyond $z_bound,
--   the two-sided normal quantile of $alpha over the areas compared (Bonferroni; Python passes
--   it in: 4.6 for 11,816 areas, family-wise 5 %). The clean demo's largest |z| of an area
--   that moved 10 points was 2.7.
-- * persons changing by a factor beyond $persons_ratio (1.5: half as many again, or a third
--   fewer): no village grows or shrinks that much in a year (the clean demo's areas of 30+
--   persons stay within 0.76 and 1.17), but a delivery loaded twice or half lost does, and a
--   rate, unchanged when every count doubles, cannot show it.
--
-- No row at all when there is no earlier year.
-- Params: $year_be, $bound, $min_persons, $z_bound, $persons_ratio.
WITH previous AS (
    SELECT max(year_be) AS year_be FROM marts.area_summary WHERE year_be < $year_be
), current_year AS (
    SELECT level, area_code, name_th, name_en, persons, households, mpi_poor_persons
    FROM marts.area_summary
    WHERE year_be = $year_be AND age_band = 'all'
), previous_year AS (
    SELECT s.year_be, s.level, s.area_code, s.persons, s.households, s.mpi_poor_persons
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
        c.mpi_poor_persons / c.persons AS rate,
        (p.mpi_poor_persons + c.mpi_poor_persons) / (p.persons + c.persons) AS pooled_rate,
        p.households AS previous_households,
        c.households
    FROM current_year AS c
    JOIN previous_year AS p USING (level, area_code)
    WHERE c.persons >= $min_persons AND p.persons >= $min_persons
), tested AS (
    SELECT
        level, area_code, name_th, name_en, previous_year_be, year_be, previous_persons,
        persons, previous_rate, rate,
        rate - previous_rate AS change,
        CASE WHEN pooled_rate IN (0, 1) THEN 0.0 ELSE (rate - previous_rate) / sqrt(
            pooled_rate * (1 - pooled_rate) * (1 / households + 1 / previous_households)
        ) END AS z,
        persons / previous_persons AS persons_ratio
    FROM compared
)
SELECT
    *,
    abs(change) > $bound AND abs(z) > $z_bound AS rate_jump,
    persons_ratio > $persons_ratio OR persons_ratio < 1 / $persons_ratio AS persons_jump,
    (abs(change) > $bound AND abs(z) > $z_bound)
        OR persons_ratio > $persons_ratio OR persons_ratio < 1 / $persons_ratio AS jump
FROM tested
ORDER BY
    jump DESC,
    abs(change) DESC,
    list_position(['country', 'region', 'province', 'district', 'subdistrict', 'village'], level),
    area_code
