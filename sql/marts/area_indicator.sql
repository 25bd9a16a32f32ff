-- Persons in scope, persons deprived, households deprived and answers missing on each of the 17
-- indicators, per area, level and age band, counted as TPMAP counts (docs/domain.md §3): an
-- indicator counted by household (indicators.yaml `counted_by`, the $person_counted param lists
-- the others) has every member of a household where it applies to someone in scope, and every
-- member of a household where someone fails it deprived; one counted by person, the persons in
-- scope themselves. A blank answer is in scope and not deprived, as in the MPI; answers_missing
-- counts those persons (their own answers, whatever the counting unit).
--
-- Stored wide (marts.area_indicator_wide; marts.area_indicator is its long view): the year's
-- village x age band counts (core.village_count, one scan of the person facts, both counting
-- units) are added up the hierarchy, and each indicator takes the counts of its unit.
-- Params: $year_be, $tpmap_year_be, $person_counted (indicator codes counted by person).
INSERT INTO marts.area_indicator_wide BY NAME
WITH rolled AS (
    SELECT
        area_level(GROUPING(village_code), GROUPING(subdistrict_code), GROUPING(district_code),
                   GROUPING(province_code), GROUPING(region_code)) AS level,
        coalesce(village_code, subdistrict_code, district_code, province_code, region_code, 'TH')
            AS area_code,
        age_band,
        sum(COLUMNS('^(hh_scope|hh_deprived|hh_households|own_scope|own_deprived|own_households|missing)_i_'))::BIGINT AS '\0',
        area_children(level, village_code, subdistrict_code, district_code, province_code,
                      region_code) AS child_areas
    FROM core.village_count
    JOIN (SELECT * EXCLUDE (year_be) FROM core.village_area WHERE year_be = $year_be)
      USING (village_code)
    WHERE year_be = $year_be
    GROUP BY GROUPING SETS (
        (age_band, village_code),
        (age_band, subdistrict_code),
        (age_band, district_code),
        (age_band, province_code),
        (age_band, region_code),
        (age_band)
    )
), c AS (
    SELECT
        level, area_code, age_band, child_areas, COLUMNS('^missing_i_'),
        CASE WHEN list_contains($person_counted::VARCHAR[], '1.1')
             THEN [own_scope_i_1_1, own_deprived_i_1_1, own_households_i_1_1]
             ELSE [hh_scope_i_1_1, hh_deprived_i_1_1, hh_households_i_1_1] END AS c_1_1,
        CASE WHEN list_contains($person_counted::VARCHAR[], '1.2')
             THEN [own_scope_i_1_2, own_deprived_i_1_2, own_households_i_1_2]
             ELSE [hh_scope_i_1_2, hh_deprived_i_1_2, hh_households_i_1_2] END AS c_1_2,
        CASE WHEN list_contains($person_counted::VARCHAR[], '1.3')
             THEN [own_scope_i_1_3, own_deprived_i_1_3, own_households_i_1_3]
             ELSE [hh_scope_i_1_3, hh_deprived_i_1_3, hh_households_i_1_3] END AS c_1_3,
        CASE WHEN list_contains($person_counted::VARCHAR[], '1.4')
             THEN [own_scope_i_1_4, own_deprived_i_1_4, own_households_i_1_4]
             ELSE [hh_scope_i_1_4, hh_deprived_i_1_4, hh_households_i_1_4] END AS c_1_4,
        CASE WHEN list_contains($person_counted::VARCHAR[], '2.1')
             THEN [own_scope_i_2_1, own_deprived_i_2_1, own_households_i_2_1]
             ELSE [hh_scope_i_2_1, hh_deprived_i_2_1, hh_households_i_2_1] END AS c_2_1,
        CASE WHEN list_contains($person_counted::VARCHAR[], '2.2')
             THEN [own_scope_i_2_2, own_deprived_i_2_2, own_households_i_2_2]
             ELSE [hh_scope_i_2_2, hh_deprived_i_2_2, hh_households_i_2_2] END AS c_2_2,
        CASE WHEN list_contains($person_counted::VARCHAR[], '2.3')
             THEN [own_scope_i_2_3, own_deprived_i_2_3, own_households_i_2_3]
             ELSE [hh_scope_i_2_3, hh_deprived_i_2_3, hh_households_i_2_3] END AS c_2_3,
        CASE WHEN list_contains($person_counted::VARCHAR[], '2.4')
             THEN [own_scope_i_2_4, own_deprived_i_2_4, own_households_i_2_4]
             ELSE [hh_scope_i_2_4, hh_deprived_i_2_4, hh_households_i_2_4] END AS c_2_4,
        CASE WHEN list_contains($person_counted::VARCHAR[], '3.1')
             THEN [own_scope_i_3_1, own_deprived_i_3_1, own_households_i_3_1]
             ELSE [hh_scope_i_3_1, hh_deprived_i_3_1, hh_households_i_3_1] END AS c_3_1,
        CASE WHEN list_contains($person_counted::VARCHAR[], '3.2')
             THEN [own_scope_i_3_2, own_deprived_i_3_2, own_households_i_3_2]
             ELSE [hh_scope_i_3_2, hh_deprived_i_3_2, hh_households_i_3_2] END AS c_3_2,
        CASE WHEN list_contains($person_counted::VARCHAR[], '3.3')
             THEN [own_scope_i_3_3, own_deprived_i_3_3, own_households_i_3_3]
             ELSE [hh_scope_i_3_3, hh_deprived_i_3_3, hh_households_i_3_3] END AS c_3_3,
        CASE WHEN list_contains($person_counted::VARCHAR[], '3.4')
             THEN [own_scope_i_3_4, own_deprived_i_3_4, own_households_i_3_4]
             ELSE [hh_scope_i_3_4, hh_deprived_i_3_4, hh_households_i_3_4] END AS c_3_4,
        CASE WHEN list_contains($person_counted::VARCHAR[], '4.1')
             THEN [own_scope_i_4_1, own_deprived_i_4_1, own_households_i_4_1]
             ELSE [hh_scope_i_4_1, hh_deprived_i_4_1, hh_households_i_4_1] END AS c_4_1,
        CASE WHEN list_contains($person_counted::VARCHAR[], '4.2')
             THEN [own_scope_i_4_2, own_deprived_i_4_2, own_households_i_4_2]
             ELSE [hh_scope_i_4_2, hh_deprived_i_4_2, hh_households_i_4_2] END AS c_4_2,
        CASE WHEN list_contains($person_counted::VARCHAR[], '4.3')
             THEN [own_scope_i_4_3, own_deprived_i_4_3, own_households_i_4_3]
             ELSE [hh_scope_i_4_3, hh_deprived_i_4_3, hh_households_i_4_3] END AS c_4_3,
        CASE WHEN list_contains($person_counted::VARCHAR[], '5.1')
             THEN [own_scope_i_5_1, own_deprived_i_5_1, own_households_i_5_1]
             ELSE [hh_scope_i_5_1, hh_deprived_i_5_1, hh_households_i_5_1] END AS c_5_1,
        CASE WHEN list_contains($person_counted::VARCHAR[], '5.2')
             THEN [own_scope_i_5_2, own_deprived_i_5_2, own_households_i_5_2]
             ELSE [hh_scope_i_5_2, hh_deprived_i_5_2, hh_households_i_5_2] END AS c_5_2
    FROM rolled
)
SELECT
    $year_be - 543 AS year,
    $year_be AS year_be,
    $tpmap_year_be AS tpmap_year_be,
    c.level, c.area_code, n.name_th, n.name_en, n.parent_code,
    c.age_band,
    $person_counted::VARCHAR[] AS person_counted,
    c.child_areas,
    e.child_areas_expected,
    max(c.child_areas) OVER (PARTITION BY c.level, c.area_code) < e.child_areas_expected
        AS rollup_incomplete,
    c.c_1_1[1] AS persons_in_scope_i_1_1, c.c_1_1[2] AS persons_deprived_i_1_1,
    c.c_1_1[3] AS households_deprived_i_1_1, c.missing_i_1_1 AS answers_missing_i_1_1,
    c.c_1_2[1] AS persons_in_scope_i_1_2, c.c_1_2[2] AS persons_deprived_i_1_2,
    c.c_1_2[3] AS households_deprived_i_1_2, c.missing_i_1_2 AS answers_missing_i_1_2,
    c.c_1_3[1] AS persons_in_scope_i_1_3, c.c_1_3[2] AS persons_deprived_i_1_3,
    c.c_1_3[3] AS households_deprived_i_1_3, c.missing_i_1_3 AS answers_missing_i_1_3,
    c.c_1_4[1] AS persons_in_scope_i_1_4, c.c_1_4[2] AS persons_deprived_i_1_4,
    c.c_1_4[3] AS households_deprived_i_1_4, c.missing_i_1_4 AS answers_missing_i_1_4,
    c.c_2_1[1] AS persons_in_scope_i_2_1, c.c_2_1[2] AS persons_deprived_i_2_1,
    c.c_2_1[3] AS households_deprived_i_2_1, c.missing_i_2_1 AS answers_missing_i_2_1,
    c.c_2_2[1] AS persons_in_scope_i_2_2, c.c_2_2[2] AS persons_deprived_i_2_2,
    c.c_2_2[3] AS households_deprived_i_2_2, c.missing_i_2_2 AS answers_missing_i_2_2,
    c.c_2_3[1] AS persons_in_scope_i_2_3, c.c_2_3[2] AS persons_deprived_i_2_3,
    c.c_2_3[3] AS households_deprived_i_2_3, c.missing_i_2_3 AS answers_missing_i_2_3,
    c.c_2_4[1] AS persons_in_scope_i_2_4, c.c_2_4[2] AS persons_deprived_i_2_4,
    c.c_2_4[3] AS households_deprived_i_2_4, c.missing_i_2_4 AS answers_missing_i_2_4,
    c.c_3_1[1] AS persons_in_scope_i_3_1, c.c_3_1[2] AS persons_deprived_i_3_1,
    c.c_3_1[3] AS households_deprived_i_3_1, c.missing_i_3_1 AS answers_missing_i_3_1,
    c.c_3_2[1] AS persons_in_scope_i_3_2, c.c_3_2[2] AS persons_deprived_i_3_2,
    c.c_3_2[3] AS households_deprived_i_3_2, c.missing_i_3_2 AS answers_missing_i_3_2,
    c.c_3_3[1] AS persons_in_scope_i_3_3, c.c_3_3[2] AS persons_deprived_i_3_3,
    c.c_3_3[3] AS households_deprived_i_3_3, c.missing_i_3_3 AS answers_missing_i_3_3,
    c.c_3_4[1] AS persons_in_scope_i_3_4, c.c_3_4[2] AS persons_deprived_i_3_4,
    c.c_3_4[3] AS households_deprived_i_3_4, c.missing_i_3_4 AS answers_missing_i_3_4,
    c.c_4_1[1] AS persons_in_scope_i_4_1, c.c_4_1[2] AS persons_deprived_i_4_1,
    c.c_4_1[3] AS households_deprived_i_4_1, c.missing_i_4_1 AS answers_missing_i_4_1,
    c.c_4_2[1] AS persons_in_scope_i_4_2, c.c_4_2[2] AS persons_deprived_i_4_2,
    c.c_4_2[3] AS households_deprived_i_4_2, c.missing_i_4_2 AS answers_missing_i_4_2,
    c.c_4_3[1] AS persons_in_scope_i_4_3, c.c_4_3[2] AS persons_deprived_i_4_3,
    c.c_4_3[3] AS households_deprived_i_4_3, c.missing_i_4_3 AS answers_missing_i_4_3,
    c.c_5_1[1] AS persons_in_scope_i_5_1, c.c_5_1[2] AS persons_deprived_i_5_1,
    c.c_5_1[3] AS households_deprived_i_5_1, c.missing_i_5_1 AS answers_missing_i_5_1,
    c.c_5_2[1] AS persons_in_scope_i_5_2, c.c_5_2[2] AS persons_deprived_i_5_2,
    c.c_5_2[3] AS households_deprived_i_5_2, c.missing_i_5_2 AS answers_missing_i_5_2
FROM c
JOIN core.area_names AS n ON n.level = c.level AND n.area_code = c.area_code
LEFT JOIN core.area_expected AS e
  ON e.level = c.level AND e.area_code = c.area_code AND e.child_level = child_level(c.level)
