-- The rows and distinct person keys of one slice of a survey year's person facts
-- (hash(person_key) % $parts = $part). A key's rows all fall in the same slice, so the slices'
-- counts add up to the year's, and each slice's DISTINCT holds about 1/$parts of the keys:
-- memory bounded by the slice, not the country. Rows beyond keys: a key held twice.
-- Params: $year_be, $parts, $part.
SELECT count(*) AS rows, count(DISTINCT person_key) AS keys
FROM core.fact_person
WHERE year_be = $year_be AND hash(person_key) % $parts = $part
