-- Areas of the survey year (age band 'all', at least $min_persons persons) where nobody is
-- MPI-poor, and whether that is improbable enough for a person to look at (`flagged`).
--
-- docs/domain.md §7 lists "villages where everybody passes everything" among the implausible
-- areas real files show. But a small village with no poor person is often chance: with 5 % of
-- people poor, a village of 30 persons has nobody poor one time in five, and flagging every
-- such area warned on a fifth of the areas every year. So an area is flagged only when its
-- zero is unlikely given its parent area: `chance` = (1 - parent's MPI-poor rate) ^ households,
-- the probability that none of its households holds a poor person if each were poor like the
-- parent's persons. Counting households, not persons, is conservative (members share the
-- household indicators, and the share of households with a poor member is at least the share
-- of poor persons), so `chance` is if anything too high. An area is flagged when `chance` is
-- below $alpha divided by the number of areas tested (Bonferroni): over a whole year, the
-- chance that any area is flagged by luck alone is at most $alpha (5 %). The country has no
-- parent and is never flagged here. Params: $year_be, $min_persons, $alpha.
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
        p.mpi_poor_persons / p.persons AS parent_rate
    FROM areas AS a
    CROSS JOIN levels
    LEFT JOIN areas AS p
        ON p.area_code = a.parent_code
        AND p.level = levels.names[list_position(levels.names, a.level) - 1]
    WHERE a.persons >= $min_persons
)
SELECT
    level, area_code, name_th, name_en,
    $year_be AS year_be,
    persons,
    households,
    mpi_poor_persons,
    mpi_poor_persons / persons AS rate,
    parent_rate,
    CASE WHEN parent_rate >= 1 THEN 0.0 ELSE exp(households * ln(1 - parent_rate)) END AS chance,
    coalesce(
        mpi_poor_persons = 0
        AND CASE WHEN parent_rate >= 1 THEN 0.0 ELSE exp(households * ln(1 - parent_rate)) END
            < $alpha / count(*) OVER (),
        false
    ) AS flagged
FROM scored
ORDER BY
    flagged DESC,
    chance,
    list_position(['country', 'region', 'province', 'district', 'subdistrict', 'village'], level),
    area_code
