-- Per file of every survey year: rows read, staged, quarantined, and the rules that held rows
-- (most frequent first) or the file-level error.
SELECT
    l.year_be,
    l.file,
    l.rows_read,
    l.rows_staged,
    l.rows_quarantined,
    coalesce(l.file_error, (
        SELECT string_agg(rule || ' ' || n, ', ' ORDER BY n DESC, rule)
        FROM (
            SELECT rule, count(DISTINCT row_index) AS n
            FROM core.quarantine AS q
            WHERE q.year_be = l.year_be AND q.file = l.file
            GROUP BY rule
        )
    ), '') AS reasons
FROM core.ingest_ledger AS l
ORDER BY l.year_be, l.file
