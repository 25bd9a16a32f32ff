-- The Shapley Datt-Ravallion split of the change of FGT0 between $start and $end into growth and
-- redistribution, per level, area, age band (and 'all') and poverty line: the formula of
-- measures.progress.growth_redistribution, which states it, in one streaming aggregation over
-- the person records of the two years, so that memory holds the areas, never the persons.
-- A record's welfare ratio is its income over its year's line in its region (the relation
-- `lines`: year_be, region_code, line, value, made by assets/progress.py). Rows: level,
-- area_code, age_band, line, factor (growth | redistribution), contribution; areas of both
-- years only. Params: $start, $end.
WITH placed AS (
    -- each record once per level: the area it is in there
    SELECT
        p.year_be,
        unnest(['country', 'region', 'province', 'district', 'subdistrict', 'village']) AS level,
        unnest(['TH', v.region_code, v.province_code, v.district_code, v.subdistrict_code,
                v.village_code]) AS area_code,
        p.age_band,
        v.region_code,
        p.income_per_capita AS income,
        p.persons
    FROM core.person_income AS p
    JOIN core.village_area AS v
        ON v.year_be = p.year_be AND v.village_code = CAST(p.village_code AS VARCHAR)
    WHERE p.year_be IN ($start, $end)
), banded AS (
    -- and once more under the band 'all'
    SELECT * EXCLUDE (age_band), unnest([age_band, 'all']) AS age_band FROM placed
), ratios AS (
    SELECT b.year_be, b.level, b.area_code, b.age_band, l.line, b.income / l.value AS ratio,
           b.persons
    FROM banded AS b
    JOIN lines AS l ON l.year_be = b.year_be AND l.region_code = b.region_code
), means AS (
    SELECT
        year_be, level, area_code, age_band, line,
        sum(ratio * persons) / sum(persons) AS mu,
        sum(persons * (ratio < 1)::INTEGER) / sum(persons) AS p
    FROM ratios
    GROUP BY ALL
), paired AS (
    -- per area of both years: each year's mean, and the scale that takes a year's records to
    -- the other year's mean
    SELECT s.level, s.area_code, s.age_band, s.line, s.p AS p0, e.p AS p1,
           e.mu / s.mu AS scale0, s.mu / e.mu AS scale1
    FROM means AS s
    JOIN means AS e USING (level, area_code, age_band, line)
    WHERE s.year_be = $start AND e.year_be = $end
), scaled AS (
    -- P(mu1, L0): the start year's records at the end year's mean; P(mu0, L1) the other way
    SELECT
        r.level, r.area_code, r.age_band, r.line,
        sum(r.persons * (r.ratio * q.scale0 < 1)::INTEGER) FILTER (WHERE r.year_be = $start)
            / sum(r.persons) FILTER (WHERE r.year_be = $start) AS p_mu1_l0,
        sum(r.persons * (r.ratio * q.scale1 < 1)::INTEGER) FILTER (WHERE r.year_be = $end)
            / sum(r.persons) FILTER (WHERE r.year_be = $end) AS p_mu0_l1
    FROM ratios AS r
    JOIN paired AS q USING (level, area_code, age_band, line)
    GROUP BY ALL
)
SELECT
    level, area_code, age_band, line,
    unnest(['growth', 'redistribution']) AS factor,
    unnest([
        ((p_mu1_l0 - p0) + (p1 - p_mu0_l1)) / 2,
        ((p_mu0_l1 - p0) + (p1 - p_mu1_l0)) / 2
    ]) AS contribution
FROM paired JOIN scaled USING (level, area_code, age_band, line)
