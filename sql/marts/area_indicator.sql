-- Persons in scope, persons deprived and households deprived on each of the 17 indicators, per
-- area, level and age band. Counted per village in one pass over the person facts (one column
-- per indicator), unpivoted, then added up the hierarchy. Params: $year_be.
INSERT INTO marts.area_indicator BY NAME
WITH village_wide AS (
    SELECT
        village_code,
        coalesce(age_band, 'all') AS age_band,
        count(COLUMNS('^i_\d_\d$')) AS 'scope_\0',
        coalesce(sum(COLUMNS('^i_\d_\d$')), 0) AS 'deprived_\0',
        count(DISTINCT CASE WHEN COLUMNS('^i_\d_\d$') = 1 THEN household_key END) AS 'households_\0'
    FROM core.fact_person
    WHERE year_be = $year_be
    GROUP BY GROUPING SETS ((village_code, age_band), (village_code))
), village AS (
    UNPIVOT village_wide
    ON COLUMNS('^(scope|deprived|households)_i_\d_\d$')
    INTO NAME measure VALUE n
), placed AS (
    SELECT
        village_code, age_band,
        replace(regexp_extract(measure, 'i_(\d_\d)$', 1), '_', '.') AS indicator_code,
        regexp_extract(measure, '^(\w+?)_i_', 1) AS measure,
        coalesce(n, 0) AS n
    FROM village
), wide AS (
    PIVOT placed ON measure IN ('scope', 'deprived', 'households') USING sum(n)
    GROUP BY village_code, age_band, indicator_code
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
    FROM wide JOIN core.village_area USING (village_code)
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
