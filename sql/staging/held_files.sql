-- The files of one survey year that lost rows or were held whole, worst first, each with the
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
ORDER BY l.rows_quarantined DESC, l.file_error IS NULL, l.file
LIMIT 3
