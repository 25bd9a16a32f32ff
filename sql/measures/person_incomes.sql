-- The person records of a year for the income marts (core.person_income, merged once per year
-- with the person facts): `persons` people share the village, age band and income per head of
-- a row. In the order they were inserted, village by village, band by band, in increasing
-- income: the order the measures sum in. Params: $year_be.
SELECT village_code, age_band, income_per_capita, persons
FROM core.person_income
WHERE year_be = $year_be
