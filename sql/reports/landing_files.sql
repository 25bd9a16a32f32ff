-- The delivered files a survey year was computed from: how many, and when the last one arrived.
SELECT count(*) AS files, max(seen_at) AS delivered
FROM raw.landing_file
WHERE year_be = $1
