-- Per survey year: the rules that held rows, most frequent first (rows counted once per rule
-- and file), as one text such as 'citizen_id_check_digit 12, date 3'. Years with nothing held
-- have no row.
SELECT year_be, string_agg(rule || ' ' || n, ', ' ORDER BY n DESC, rule) AS reasons
FROM (
    SELECT year_be, rule, count(DISTINCT (file, row_index)) AS n
    FROM core.quarantine
    GROUP BY year_be, rule
)
GROUP BY year_be
ORDER BY year_be
