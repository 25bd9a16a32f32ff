-- Poverty transitions per village of $year_be, age band (and 'all') and dimension: each linked
-- household against its previous household, poor on a dimension when a member is deprived on
-- one of its indicators ('all': MPI-poor). Households are counted once per band they have a
-- member in; persons by their own band. Needs the views household_link and household_status.
WITH dim AS (
    SELECT year_be, household_key, dimension, bool_or(deprived) AS poor
    FROM household_status
    GROUP BY ALL
), dimensions AS (
    SELECT DISTINCT dimension FROM core.dim_indicator UNION ALL SELECT 'all'
), status AS (
    -- every household in every dimension: one with no indicator of it that applies is not poor
    SELECT
        l.household_key, l.village_code, n.dimension,
        CASE
            WHEN l.link = 'unlinked' THEN 'unlinked'
            WHEN coalesce(b.poor, false) AND coalesce(d.poor, false) THEN 'stayed_poor'
            WHEN coalesce(b.poor, false) THEN 'left_poverty'
            WHEN coalesce(d.poor, false) THEN 'fell_into_poverty'
            ELSE 'never_poor'
        END AS transition
    FROM household_link AS l
    CROSS JOIN dimensions AS n
    LEFT JOIN dim AS d
      ON d.year_be = l.year_be AND d.household_key = l.household_key AND d.dimension = n.dimension
    LEFT JOIN dim AS b
      ON b.year_be = l.prev_year_be AND b.household_key = l.prev_household_key
     AND b.dimension = n.dimension
), persons AS (
    SELECT s.*, p.age_band
    FROM status AS s
    JOIN core.fact_person AS p ON p.year_be = $year_be AND p.household_key = s.household_key
)
SELECT
    village_code::UINTEGER AS village_code,
    coalesce(age_band, 'all') AS age_band,
    dimension,
    count(DISTINCT household_key) FILTER (transition = 'stayed_poor') AS households_stayed_poor,
    count(DISTINCT household_key) FILTER (transition = 'left_poverty') AS households_left_poverty,
    count(DISTINCT household_key) FILTER (transition = 'fell_into_poverty') AS households_fell_into_poverty,
    count(DISTINCT household_key) FILTER (transition = 'never_poor') AS households_never_poor,
    count(DISTINCT household_key) FILTER (transition = 'unlinked') AS households_unlinked,
    count(*) FILTER (transition = 'stayed_poor') AS persons_stayed_poor,
    count(*) FILTER (transition = 'left_poverty') AS persons_left_poverty,
    count(*) FILTER (transition = 'fell_into_poverty') AS persons_fell_into_poverty,
    count(*) FILTER (transition = 'never_poor') AS persons_never_poor,
    count(*) FILTER (transition = 'unlinked') AS persons_unlinked
FROM persons
GROUP BY GROUPING SETS ((village_code, dimension, age_band), (village_code, dimension))
