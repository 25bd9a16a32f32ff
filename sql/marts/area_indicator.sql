-- Persons in scope, persons deprived, households deprived and answers missing on each of the 17
-- indicators, per area, level and age band, counted as TPMAP counts (docs/domain.md §3): an
-- indicator counted by household (indicators.yaml `counted_by`, the $person_counted param lists
-- the others) has every member of a household where it applies to someone in scope, and every
-- member of a household where someone fails it deprived; one counted by person, the persons in
-- scope themselves. A blank answer is in scope and not deprived, as in the MPI; answers_missing
-- counts those persons (their own answers, whatever the counting unit).
--
-- At the cost of a few scans (issue 7): one pass over the person facts per village and age band
-- (households counted on one member each, first_in_band / first_in_household), one more over the
-- few persons deprived themselves on an indicator counted by person (whose households need a
-- DISTINCT), then the village sums, wide, are added up the hierarchy and unpivoted last.
-- Params: $year_be, $tpmap_year_be, $person_counted (indicator codes counted by person).
INSERT INTO marts.area_indicator BY NAME
WITH band AS (
    SELECT
        village_code, age_band,
        count(COLUMNS('^i_\d_\d$')) AS 'hh_scope_\0',
        coalesce(sum(COLUMNS('^i_\d_\d$')), 0) AS 'hh_deprived_\0',
        count_if(first_in_band AND COLUMNS('^i_\d_\d$') = 1) AS 'hh_households_\0',
        count_if(first_in_household AND COLUMNS('^i_\d_\d$') = 1) AS 'hh_all_households_\0',
        count(COLUMNS('^own_(i_\d_\d)$')) AS 'own_scope_\1',
        coalesce(sum(COLUMNS('^own_(i_\d_\d)$')), 0) AS 'own_deprived_\1',
        sum(COLUMNS('^blank_(i_\d_\d)$')) AS 'missing_\1'
    FROM core.fact_person
    WHERE year_be = $year_be
    GROUP BY village_code, age_band
), own_households AS (
    SELECT
        village_code,
        coalesce(age_band, 'all') AS age_band,
        count(DISTINCT CASE WHEN COLUMNS('^own_(i_\d_\d)$') = 1 THEN household_key END)
            AS 'own_households_\1'
    FROM core.fact_person
    -- only the persons deprived themselves on an indicator counted by person: the DISTINCT
    -- runs over a few rows, and the other indicators' columns here are not read
    WHERE year_be = $year_be AND deprivations_own > 0 AND list_has_any(
        $person_counted::VARCHAR[],
        [
            CASE WHEN own_i_1_1 = 1 THEN '1.1' END,
            CASE WHEN own_i_1_2 = 1 THEN '1.2' END,
            CASE WHEN own_i_1_3 = 1 THEN '1.3' END,
            CASE WHEN own_i_1_4 = 1 THEN '1.4' END,
            CASE WHEN own_i_2_1 = 1 THEN '2.1' END,
            CASE WHEN own_i_2_2 = 1 THEN '2.2' END,
            CASE WHEN own_i_2_3 = 1 THEN '2.3' END,
            CASE WHEN own_i_2_4 = 1 THEN '2.4' END,
            CASE WHEN own_i_3_1 = 1 THEN '3.1' END,
            CASE WHEN own_i_3_2 = 1 THEN '3.2' END,
            CASE WHEN own_i_3_3 = 1 THEN '3.3' END,
            CASE WHEN own_i_3_4 = 1 THEN '3.4' END,
            CASE WHEN own_i_4_1 = 1 THEN '4.1' END,
            CASE WHEN own_i_4_2 = 1 THEN '4.2' END,
            CASE WHEN own_i_4_3 = 1 THEN '4.3' END,
            CASE WHEN own_i_5_1 = 1 THEN '5.1' END,
            CASE WHEN own_i_5_2 = 1 THEN '5.2' END
        ]
    )
    GROUP BY GROUPING SETS ((village_code, age_band), (village_code))
), village AS (
    SELECT
        village_code, age_band,
        COLUMNS('^(hh_scope|hh_deprived|hh_households|own_scope|own_deprived|missing)_i_')
    FROM band
    UNION ALL BY NAME
    SELECT
        village_code, 'all' AS age_band,
        sum(COLUMNS('^(hh_scope|hh_deprived|own_scope|own_deprived|missing)_i_')) AS '\0',
        sum(COLUMNS('^hh_all_households_(i_\d_\d)$')) AS 'hh_households_\1'
    FROM band
    GROUP BY village_code
), rolled AS (
    SELECT
        area_level(GROUPING(village_code), GROUPING(subdistrict_code), GROUPING(district_code),
                   GROUPING(province_code), GROUPING(region_code)) AS level,
        coalesce(village_code, subdistrict_code, district_code, province_code, region_code, 'TH')
            AS area_code,
        age_band,
        coalesce(sum(COLUMNS('^(hh_scope|hh_deprived|hh_households|own_scope|own_deprived|own_households|missing)_i_')), 0)::BIGINT AS '\0',
        area_children(level, village_code, subdistrict_code, district_code, province_code,
                      region_code) AS child_areas
    FROM village
    LEFT JOIN own_households USING (village_code, age_band)
    JOIN core.village_area USING (village_code)
    GROUP BY GROUPING SETS (
        (age_band, village_code),
        (age_band, subdistrict_code),
        (age_band, district_code),
        (age_band, province_code),
        (age_band, region_code),
        (age_band)
    )
), unpivoted AS (
    UNPIVOT rolled
    ON (hh_scope_i_1_1, hh_deprived_i_1_1, hh_households_i_1_1, own_scope_i_1_1, own_deprived_i_1_1, own_households_i_1_1, missing_i_1_1) AS '1.1',
        (hh_scope_i_1_2, hh_deprived_i_1_2, hh_households_i_1_2, own_scope_i_1_2, own_deprived_i_1_2, own_households_i_1_2, missing_i_1_2) AS '1.2',
        (hh_scope_i_1_3, hh_deprived_i_1_3, hh_households_i_1_3, own_scope_i_1_3, own_deprived_i_1_3, own_households_i_1_3, missing_i_1_3) AS '1.3',
        (hh_scope_i_1_4, hh_deprived_i_1_4, hh_households_i_1_4, own_scope_i_1_4, own_deprived_i_1_4, own_households_i_1_4, missing_i_1_4) AS '1.4',
        (hh_scope_i_2_1, hh_deprived_i_2_1, hh_households_i_2_1, own_scope_i_2_1, own_deprived_i_2_1, own_households_i_2_1, missing_i_2_1) AS '2.1',
        (hh_scope_i_2_2, hh_deprived_i_2_2, hh_households_i_2_2, own_scope_i_2_2, own_deprived_i_2_2, own_households_i_2_2, missing_i_2_2) AS '2.2',
        (hh_scope_i_2_3, hh_deprived_i_2_3, hh_households_i_2_3, own_scope_i_2_3, own_deprived_i_2_3, own_households_i_2_3, missing_i_2_3) AS '2.3',
        (hh_scope_i_2_4, hh_deprived_i_2_4, hh_households_i_2_4, own_scope_i_2_4, own_deprived_i_2_4, own_households_i_2_4, missing_i_2_4) AS '2.4',
        (hh_scope_i_3_1, hh_deprived_i_3_1, hh_households_i_3_1, own_scope_i_3_1, own_deprived_i_3_1, own_households_i_3_1, missing_i_3_1) AS '3.1',
        (hh_scope_i_3_2, hh_deprived_i_3_2, hh_households_i_3_2, own_scope_i_3_2, own_deprived_i_3_2, own_households_i_3_2, missing_i_3_2) AS '3.2',
        (hh_scope_i_3_3, hh_deprived_i_3_3, hh_households_i_3_3, own_scope_i_3_3, own_deprived_i_3_3, own_households_i_3_3, missing_i_3_3) AS '3.3',
        (hh_scope_i_3_4, hh_deprived_i_3_4, hh_households_i_3_4, own_scope_i_3_4, own_deprived_i_3_4, own_households_i_3_4, missing_i_3_4) AS '3.4',
        (hh_scope_i_4_1, hh_deprived_i_4_1, hh_households_i_4_1, own_scope_i_4_1, own_deprived_i_4_1, own_households_i_4_1, missing_i_4_1) AS '4.1',
        (hh_scope_i_4_2, hh_deprived_i_4_2, hh_households_i_4_2, own_scope_i_4_2, own_deprived_i_4_2, own_households_i_4_2, missing_i_4_2) AS '4.2',
        (hh_scope_i_4_3, hh_deprived_i_4_3, hh_households_i_4_3, own_scope_i_4_3, own_deprived_i_4_3, own_households_i_4_3, missing_i_4_3) AS '4.3',
        (hh_scope_i_5_1, hh_deprived_i_5_1, hh_households_i_5_1, own_scope_i_5_1, own_deprived_i_5_1, own_households_i_5_1, missing_i_5_1) AS '5.1',
        (hh_scope_i_5_2, hh_deprived_i_5_2, hh_households_i_5_2, own_scope_i_5_2, own_deprived_i_5_2, own_households_i_5_2, missing_i_5_2) AS '5.2'
    INTO NAME indicator_code VALUE hh_scope, hh_deprived, hh_households, own_scope, own_deprived, own_households, missing
)
SELECT
    $year_be - 543 AS year,
    $year_be AS year_be,
    $tpmap_year_be AS tpmap_year_be,
    u.level, u.area_code, n.name_th, n.name_en, n.parent_code,
    u.age_band, u.indicator_code,
    CASE WHEN u.person THEN 'person' ELSE 'household' END AS counted_by,
    CASE WHEN u.person THEN u.own_scope ELSE u.hh_scope END AS persons_in_scope,
    CASE WHEN u.person THEN u.own_deprived ELSE u.hh_deprived END AS persons_deprived,
    CASE WHEN u.person THEN u.own_households ELSE u.hh_households END AS households_deprived,
    u.missing AS answers_missing,
    u.child_areas,
    e.child_areas_expected,
    max(u.child_areas) OVER (PARTITION BY u.level, u.area_code) < e.child_areas_expected
        AS rollup_incomplete
FROM (
    SELECT *, list_contains($person_counted::VARCHAR[], indicator_code) AS person FROM unpivoted
) AS u
JOIN core.area_names AS n ON n.level = u.level AND n.area_code = u.area_code
LEFT JOIN core.area_expected AS e
  ON e.level = u.level AND e.area_code = u.area_code AND e.child_level = child_level(u.level)
