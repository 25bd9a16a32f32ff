-- The areas of the survey year that lost a child area: a child that had data, with at least
-- $min_persons persons, in the previous survey year held in marts.area_summary (the latest year
-- before $year_be) and has no row this year, so the area's rollup is short of it (docs/marts.md, "How
-- complete a rollup is"). A village, subdistrict or district that stopped delivering shows
-- here, under its parent; one that lost its last household does not (the clean demo loses a
-- village of one person). When the parent is gone too, its own parent shows the loss. No row
-- in the first year held.
--
-- This replaces the comparison with core.dim_area's expected child areas as the warning: on
-- the clean demo 31 districts miss 32 subdistricts that dim_area lists but the BMN does not
-- survey (urban subdistricts without villages), every year the same, so the warning never
-- cleared. Every mart row still carries child_areas, child_areas_expected and
-- rollup_incomplete, and sql/quality/short_rollups.sql lists those areas for the metadata.
-- Params: $year_be, $min_persons.
WITH previous AS (
    SELECT max(year_be) AS year_be FROM marts.area_summary WHERE year_be < $year_be
), current_year AS (
    SELECT level, area_code, name_th, name_en, persons, child_areas
    FROM marts.area_summary
    WHERE year_be = $year_be AND age_band = 'all'
), lost AS (
    SELECT s.level, s.area_code, s.parent_code, s.persons
    FROM marts.area_summary AS s
    JOIN previous AS p ON s.year_be = p.year_be
    WHERE s.age_band = 'all' AND s.level <> 'country' AND s.persons >= $min_persons
      AND NOT EXISTS (
          SELECT 1 FROM current_year AS c WHERE c.level = s.level AND c.area_code = s.area_code
      )
), levels AS (
    SELECT ['country', 'region', 'province', 'district', 'subdistrict', 'village'] AS names
), losses AS (  -- each lost area under its parent; a lost parent shows under its own parent
    SELECT
        c.level, c.area_code,
        count(*) AS child_areas_lost,
        sum(l.persons) AS previous_persons_lost,
        min(l.area_code) AS first_lost
    FROM lost AS l
    CROSS JOIN levels
    JOIN current_year AS c
      ON c.area_code = l.parent_code
     AND c.level = levels.names[list_position(levels.names, l.level) - 1]
    GROUP BY c.level, c.area_code
)
SELECT
    c.level, c.area_code, c.name_th, c.name_en,
    $year_be AS year_be,
    c.persons,
    c.child_areas,
    coalesce(x.child_areas_lost, 0) AS child_areas_lost,
    coalesce(x.previous_persons_lost, 0) AS previous_persons_lost,
    x.first_lost,
    x.area_code IS NOT NULL AS rollup_incomplete
FROM current_year AS c
JOIN previous ON previous.year_be IS NOT NULL
LEFT JOIN losses AS x USING (level, area_code)
WHERE c.level <> 'village'
ORDER BY
    rollup_incomplete DESC,
    list_position(['country', 'region', 'province', 'district', 'subdistrict', 'village'], level),
    area_code
