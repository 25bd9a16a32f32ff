-- The cells an earlier publication of the year hid, in one part (as sql/reports/suppression_part.sql),
-- and what its attacker knew of them.
SELECT level, mart AS "table", area_code, age_band, key, measure, lower, upper, true AS hidden
FROM core.suppression_history
WHERE year_be = $year
  AND CASE WHEN $province = '' THEN level IN ('country', 'region', 'province')
           ELSE level IN ('province', 'district', 'subdistrict', 'village')
                AND starts_with(area_code, $province) END
