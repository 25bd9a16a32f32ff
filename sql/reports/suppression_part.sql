-- One part of a year's counted mart for suppression (reports/suppression.py suppress_in_parts):
-- the top tier when $province is '' (country, regions, provinces), else one province's subtree,
-- the province and every area under it (district, subdistrict and village codes start with
-- their province's). {table} and {columns} come from reports/data.py.
SELECT {columns}
FROM marts.{table}
WHERE year_be = $year
  AND CASE WHEN $province = '' THEN level IN ('country', 'region', 'province')
           ELSE level IN ('province', 'district', 'subdistrict', 'village')
                AND starts_with(area_code, $province) END
