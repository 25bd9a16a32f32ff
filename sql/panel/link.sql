-- Each household of survey year $year_be linked to one of year $previous: the same house key
-- (the same keyed hash of the house code) first; for those left on both sides, the previous
-- household sharing the most members (the same keyed hash of the citizen ID), ties to the
-- smaller key. Several households may link to one previous household (a household split).
-- Unlinked households keep a NULL prev_household_key: counted, never dropped.
-- The households are those of core.fact_household (the households with members staged, as the
-- person facts have them), rather than a DISTINCT over every person.
WITH cur AS (
    SELECT household_key, village_code FROM core.fact_household WHERE year_be = $year_be
), prev AS (
    SELECT household_key, village_code FROM core.fact_household WHERE year_be = $previous
), same AS (
    SELECT household_key, household_key AS prev_household_key, 'house_code' AS link
    FROM cur SEMI JOIN prev USING (household_key)
), shared AS (
    SELECT c.household_key, p.household_key AS prev_household_key, count(*) AS shared
    FROM core.fact_person AS c
    JOIN core.fact_person AS p ON p.person_key = c.person_key AND p.year_be = $previous
    WHERE c.year_be = $year_be
      AND c.household_key NOT IN (SELECT household_key FROM same)
      AND p.household_key NOT IN (SELECT prev_household_key FROM same)
    GROUP BY ALL
), members AS (
    SELECT household_key, prev_household_key, 'members' AS link
    FROM shared
    QUALIFY row_number() OVER (PARTITION BY household_key
                               ORDER BY shared DESC, prev_household_key) = 1
), linked AS (
    FROM same UNION ALL BY NAME FROM members
)
SELECT
    $year_be::INTEGER AS year_be,
    c.household_key,
    c.village_code,
    $previous::INTEGER AS prev_year_be,
    l.prev_household_key,
    p.village_code AS prev_village_code,
    coalesce(l.link, 'unlinked') AS link
FROM cur AS c
LEFT JOIN linked AS l USING (household_key)
LEFT JOIN prev AS p ON p.household_key = l.prev_household_key
