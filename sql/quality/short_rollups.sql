-- The areas of the survey year with fewer child areas holding data than core.dim_area expects
-- (core.area_expected: not the subdistricts, whose villages dim_area does not hold), over all
-- ages: context for the rollup warning, not a warning itself, because the BMN does not survey
-- every subdistrict dim_area lists. Params: $year_be.
SELECT
    level, area_code, name_th, name_en,
    $year_be AS year_be,
    persons,
    child_areas,
    child_areas_expected,
    child_areas_expected - child_areas AS child_areas_missing,
    rollup_incomplete
FROM marts.area_summary
WHERE year_be = $year_be AND age_band = 'all' AND child_areas_expected IS NOT NULL
ORDER BY
    rollup_incomplete DESC,
    list_position(['country', 'region', 'province', 'district', 'subdistrict', 'village'], level),
    area_code
