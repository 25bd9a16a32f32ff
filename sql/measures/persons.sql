-- The person records the measure marts are computed from, with the code of every area above
-- each person. Params: $year_be.
SELECT
    v.region_code, v.province_code, v.district_code, v.subdistrict_code, p.village_code,
    'TH' AS country_code,
    p.age_band,
    p.income_per_capita,
    COLUMNS('^i_\d_\d$')
FROM core.fact_person AS p
JOIN core.village_area AS v ON v.village_code = p.village_code AND v.year_be = p.year_be
WHERE p.year_be = $year_be
