-- The cells an earlier publication of the year hid, in one part (as sql/reports/suppression_part.sql).
SELECT level, mart AS "table", area_code, age_band, key, measure
FROM core.suppression_history
WHERE year_be = $year
  AND CASE WHEN $province = '' THEN level IN ('country', 'region', 'province')
           ELSE level IN ('province', 'district', 'subdistrict', 'village')
                AND starts_with(area_code, $province) END
