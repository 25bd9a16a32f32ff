-- Provinces of the survey year whose files were held whole (core.missing_province), one row
-- per province with each file held and its reason: the packs that cover it say so.
SELECT province_code,
       string_agg(file || ' (' || reason || ')', '; ' ORDER BY file) AS held
FROM core.missing_province
WHERE year_be = $1
GROUP BY province_code
ORDER BY province_code
