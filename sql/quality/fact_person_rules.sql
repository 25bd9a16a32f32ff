-- Every row rule of core.fact_person over every person of one survey year, in one scan (no
-- sample). The aggregates are generated from the catalogs by schemas/row_rules.py: counts() gives
-- each rule's broken rows; for the broken rules only, a second scan with first_villages() gives
-- the first village, by code, where one is (village codes are public; no person or household
-- key leaves the query). A new field rule or indicator needs no edit here. Memory: one row of
-- counters, whatever the year's size. Params: $year_be.
SELECT
    count(*) AS rows_checked,
    {aggregates}
FROM core.fact_person
WHERE year_be = $year_be
