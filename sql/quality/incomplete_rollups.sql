-- The areas of the survey year whose expected child areas are known (core.area_expected: not the
-- subdistricts, whose villages dim_area does not hold), over all ages, with how many have data;
-- rollup_incomplete marks the rollups that miss a child area (README, "How complete a rollup
-- is"). Params: $year_be.
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
