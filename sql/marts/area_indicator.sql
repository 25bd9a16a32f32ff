-- Persons in scope, persons deprived and households deprived on each of the 17 indicators, per
-- area, level and age band. Per household first (any member deprived makes the household
-- deprived, which avoids 17 DISTINCT counts), then per village in one pass with one column per
-- indicator, unpivoted, then added up the hierarchy. Params: $year_be.
INSERT INTO marts.area_indicator BY NAME
WITH household AS (
    SELECT
        village_code,
        coalesce(age_band, 'all') AS age_band,
        count(COLUMNS('^i_\d_\d$')) AS 'scope_\0',
        coalesce(sum(COLUMNS('^i_\d_\d$')), 0) AS 'deprived_\0',
        coalesce(max(COLUMNS('^i_\d_\d$')), 0) AS 'households_\0'
    FROM core.fact_person
    WHERE year_be = $year_be
    GROUP BY GROUPING SETS ((village_code, household_key, age_band), (village_code, household_key))
), village_wide AS (
    SELECT village_code, age_band, sum(COLUMNS('^(scope|deprived|households)_i_')) AS '\0'
    FROM household
    GROUP BY village_code, age_band
), village AS (
    UNPIVOT village_wide
    ON (scope_i_1_1, deprived_i_1_1, households_i_1_1) AS '1.1',
        (scope_i_1_2, deprived_i_1_2, households_i_1_2) AS '1.2',
        (scope_i_1_3, deprived_i_1_3, households_i_1_3) AS '1.3',
        (scope_i_1_4, deprived_i_1_4, households_i_1_4) AS '1.4',
        (scope_i_2_1, deprived_i_2_1, households_i_2_1) AS '2.1',
        (scope_i_2_2, deprived_i_2_2, households_i_2_2) AS '2.2',
        (scope_i_2_3, deprived_i_2_3, households_i_2_3) AS '2.3',
        (scope_i_2_4, deprived_i_2_4, households_i_2_4) AS '2.4',
        (scope_i_3_1, deprived_i_3_1, households_i_3_1) AS '3.1',
        (scope_i_3_2, deprived_i_3_2, households_i_3_2) AS '3.2',
        (scope_i_3_3, deprived_i_3_3, households_i_3_3) AS '3.3',
        (scope_i_3_4, deprived_i_3_4, households_i_3_4) AS '3.4',
        (scope_i_4_1, deprived_i_4_1, households_i_4_1) AS '4.1',
        (scope_i_4_2, deprived_i_4_2, households_i_4_2) AS '4.2',
        (scope_i_4_3, deprived_i_4_3, households_i_4_3) AS '4.3',
        (scope_i_5_1, deprived_i_5_1, households_i_5_1) AS '5.1',
        (scope_i_5_2, deprived_i_5_2, households_i_5_2) AS '5.2'
    INTO NAME indicator_code VALUE scope, deprived, households
)
SELECT
    $year_be - 543 AS year,
    $year_be AS year_be,
    r.level, r.area_code, n.name_th, n.name_en, n.parent_code,
    r.age_band, r.indicator_code,
    r.persons_in_scope, r.persons_deprived, r.households_deprived
FROM (
    SELECT
        area_level(GROUPING(village_code), GROUPING(subdistrict_code), GROUPING(district_code),
                   GROUPING(province_code), GROUPING(region_code)) AS level,
        coalesce(village_code, subdistrict_code, district_code, province_code, region_code, 'TH')
            AS area_code,
        age_band,
        indicator_code,
        sum(scope)::BIGINT AS persons_in_scope,
        sum(deprived)::BIGINT AS persons_deprived,
        sum(households)::BIGINT AS households_deprived
    FROM village JOIN core.village_area USING (village_code)
    GROUP BY GROUPING SETS (
        (age_band, indicator_code, village_code),
        (age_band, indicator_code, subdistrict_code),
        (age_band, indicator_code, district_code),
        (age_band, indicator_code, province_code),
        (age_band, indicator_code, region_code),
        (age_band, indicator_code)
    )
) AS r
JOIN core.area_names AS n ON n.level = r.level AND n.area_code = r.area_code
