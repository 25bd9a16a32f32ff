-- The current status of every household-problem of the survey year $year_be (core.fact_case
-- rows with current = 1: the case rules let exactly one through per household-problem), with
-- the household's village.
SELECT
    h.village_code::UINTEGER AS village_code,
    c.household_key,
    c.dimension,
    c.indicator_code,
    c.status,
    c.raised_on,
    c.resolved_on,
    c.budget_baht
FROM core.fact_case AS c
JOIN core.fact_household AS h USING (year_be, household_key)
WHERE c.year_be = $year_be AND c.current = 1
