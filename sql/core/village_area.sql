-- The villages of a survey year and the areas above them (core.village_area), from the year's
-- households: a village outside the provinces of core.dim_area has no row, and no mart row.
-- Params: $year_be.
INSERT INTO core.village_area BY NAME
SELECT DISTINCT
    h.year_be,
    h.village_code,
    left(h.village_code, 6) AS subdistrict_code,
    left(h.village_code, 4) AS district_code,
    left(h.village_code, 2) AS province_code,
    p.region_code
FROM core.fact_household AS h
JOIN core.dim_area AS p ON p.level = 'province' AND p.area_code = left(h.village_code, 2)
WHERE h.year_be = $year_be
