-- The files of one survey year that lost rows or were held whole, likeliest cause first, each with the
-- message of its most frequent rule (which says what to send instead): for the one line a run
-- prints when a blocking check stops the year (pipelines/run.py). Param: $year_be.
WITH top AS (
    SELECT file, rule, count(*) AS n, any_value(message_en) AS message
    FROM core.quarantine
    WHERE year_be = $year_be
    GROUP BY file, rule
    QUALIFY row_number() OVER (PARTITION BY file ORDER BY n DESC, rule) = 1
)
SELECT l.file, l.file_error, l.rows_read, l.rows_quarantined, t.rule, t.message
FROM core.ingest_ledger AS l
LEFT JOIN top AS t USING (file)
WHERE l.year_be = $year_be
    AND (l.rows_quarantined > 0 OR l.file_error IS NOT NULL)
    AND coalesce(t.rule, '') NOT IN ('superseded', 'duplicate_file')
-- a file held whole is the likelier cause; rows held because another file's were (members of
-- a household held) are the consequence, and come last
ORDER BY l.file_error IS NULL,
    coalesce(t.rule, '') IN (
        'member_without_household', 'household_rejected', 'household_without_members',
        'case_household_unknown'
    ),
    l.rows_quarantined DESC, l.file
LIMIT 3
