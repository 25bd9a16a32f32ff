-- Every row of a person key held more than once in one slice of a survey year (as in
-- person_key_slice.sql; asked only of a slice whose rows outnumber its keys): two rows for a
-- person counted twice, and the first village (by code) holding one. No key leaves the query.
-- Params: $year_be, $parts, $part.
WITH repeated AS (
    SELECT count(*) AS n, min(village_code) AS village
    FROM core.fact_person
    WHERE year_be = $year_be AND hash(person_key) % $parts = $part
    GROUP BY person_key
    HAVING count(*) > 1
)
SELECT coalesce(sum(n), 0) AS rows, min(village) AS village FROM repeated
