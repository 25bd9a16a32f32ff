-- The person records of a year for the income measures, identical records counted once
-- (core.person_income). Village by village, age band by age band (youngest first, the catalog's
-- order), in increasing income: an order that ties no two rows, in which the measures sum.
-- Params: $year_be.
INSERT INTO core.person_income BY NAME
SELECT
    $year_be::INTEGER AS year_be,
    p.village_code::UINTEGER AS village_code,
    p.age_band,
    p.income_per_capita,
    count(*)::UINTEGER AS persons
FROM core.fact_person AS p
JOIN core.dim_age_band AS b USING (age_band)
WHERE p.year_be = $year_be
GROUP BY ALL
ORDER BY village_code, any_value(b.min_age), p.income_per_capita
