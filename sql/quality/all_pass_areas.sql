-- Areas of the survey year (age band 'all', at least $min_persons persons) where nobody is
-- MPI-poor, and whether that is improbable enough for a person to look at (`flagged`).
--
-- docs/domain.md §7 lists "villages where everybody passes everything" among the implausible
-- areas real files show. But a small village with no poor person is often chance: with 5 % of
-- people poor, a village of 30 persons has nobody poor one time in five. So an area is flagged
-- only when its zero is unlikely given its parent area: `chance` is the probability that none
-- of its households holds a poor person if its households were poor like the parent's persons.
-- Counting households, not persons, is conservative (members share the household indicators).
--
-- Areas also differ from their parent beyond chance: the districts of the clean demo, drawn
-- from TPMAP 2561's real district rates, include districts with next to no poverty in a
-- province with 10 %. Taken as binomial (every area like its parent), two or three such
-- districts a year were flagged on clean data. So the chance is beta-binomial: an area's rate
-- varies around its parent's with the spread `rho` (intra-class correlation) estimated, per
-- level and year, from all the level's areas by the method of moments: the squared gap
-- between each area's rate and its parent's, less what binomial sampling explains, over the
-- most it could be. With fewer than $min_areas areas at a level the spread cannot be told from
-- chance and is taken as 0 (the binomial). P(no poor household) = B(a, b + n) / B(a, b) with
-- a = parent_rate (1/rho - 1), b = (1 - parent_rate) (1/rho - 1), n = households.
--
-- An area is flagged when `chance` is below $alpha divided by the number of areas tested
-- (Bonferroni): over a whole year, the chance that any area is flagged by luck alone is at most
-- $alpha (5 %). The country has no parent and is never flagged here.
-- Params: $year_be, $min_persons, $alpha, $min_areas.
WITH areas AS (
    SELECT level, area_code, parent_code, name_th, name_en, persons, households,
           mpi_poor_persons
    FROM marts.area_summary
    WHERE year_be = $year_be AND age_band = 'all'
), levels AS (
    SELECT ['country', 'region', 'province', 'district', 'subdistrict', 'village'] AS names
), scored AS (
    SELECT
        a.level, a.area_code, a.name_th, a.name_en, a.persons, a.households,
        a.mpi_poor_persons,
        a.mpi_poor_persons / a.persons AS rate,
        p.mpi_poor_persons / p.persons AS parent_rate
    FROM areas AS a
    CROSS JOIN levels
    LEFT JOIN areas AS p
        ON p.area_code = a.parent_code
        AND p.level = levels.names[list_position(levels.names, a.level) - 1]
    WHERE a.persons >= $min_persons
), spread AS (
    SELECT
        level,
        CASE WHEN count(*) >= $min_areas THEN greatest(0.0, least(0.99,
            sum(power(rate - parent_rate, 2) - parent_rate * (1 - parent_rate) / households)
            / nullif(sum(parent_rate * (1 - parent_rate) * (1 - 1 / households)), 0)
        )) ELSE 0.0 END AS rho
    FROM scored
    WHERE parent_rate IS NOT NULL
    GROUP BY level
), chances AS (
    SELECT
        s.*,
        coalesce(d.rho, 0.0) AS rho,
        CASE
            WHEN s.parent_rate >= 1 THEN 0.0
            WHEN coalesce(d.rho, 0.0) = 0 OR s.parent_rate = 0
                THEN exp(s.households * ln(1 - s.parent_rate))
            ELSE exp(
                lgamma((1 - s.parent_rate) * (1 / d.rho - 1) + s.households)
                + lgamma(1 / d.rho - 1)
                - lgamma((1 - s.parent_rate) * (1 / d.rho - 1))
                - lgamma(1 / d.rho - 1 + s.households)
            )
        END AS chance
    FROM scored AS s
    LEFT JOIN spread AS d USING (level)
)
SELECT
    level, area_code, name_th, name_en,
    $year_be AS year_be,
    persons,
    households,
    mpi_poor_persons,
    rate,
    parent_rate,
    rho,
    chance,
    coalesce(mpi_poor_persons = 0 AND chance < $alpha / count(*) OVER (), false) AS flagged
FROM chances
ORDER BY
    flagged DESC,
    chance,
    list_position(['country', 'region', 'province', 'district', 'subdistrict', 'village'], level),
    area_code
