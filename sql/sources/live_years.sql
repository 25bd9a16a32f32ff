-- Every survey year a live file holds rows of (publishing the source tables into a first
-- snapshot keeps none of them: they have not passed their checks there).
SELECT DISTINCT year_be FROM core.ingest_ledger
UNION SELECT DISTINCT year_be FROM marts.area_summary
UNION SELECT DISTINCT year_be FROM core.fact_person
