-- The person records of a year for the income marts, identical records counted once: `persons`
-- people share the village, age band and income per head of a row (household members mostly).
-- Village code as in person_profiles.sql. Village by village, age band by age band (youngest
-- first, the catalog's order), in increasing income: an order that ties no two rows, in which
-- the measures sum, so the same persons give the same bits. Params: $year_be.
SELECT
    p.village_code::UINTEGER AS village_code,
    p.age_band,
    p.income_per_capita,
    count(*)::UINTEGER AS persons
FROM core.fact_person AS p
JOIN core.dim_age_band AS b USING (age_band)
WHERE p.year_be = $year_be
GROUP BY ALL
ORDER BY village_code, any_value(b.min_age), p.income_per_capita
