-- How the households of $year_be link to those of $previous, and who moved, per village: of
-- this year (households, links, movers) or, for the previous households no one links to, of
-- the previous year. Persons are followed by their keyed citizen ID. Needs household_link.
WITH persons AS (
    SELECT
        c.village_code, p.village_code AS prev_village_code,
        l.prev_household_key IS DISTINCT FROM p.household_key AS moved_household
    FROM core.fact_person AS c
    JOIN core.fact_person AS p ON p.person_key = c.person_key AND p.year_be = $previous
    JOIN household_link AS l ON l.household_key = c.household_key
    WHERE c.year_be = $year_be
), followed AS (
    SELECT
        village_code,
        count(*) AS persons_followed,
        count_if(moved_household) AS persons_moved_household,
        count_if(village_code <> prev_village_code) AS persons_moved_village
    FROM persons GROUP BY ALL
), households AS (
    SELECT
        village_code,
        count(*) AS households,
        count_if(link = 'house_code') AS households_linked_house_code,
        count_if(link = 'members') AS households_linked_members,
        count_if(link = 'unlinked') AS households_unlinked,
        count_if(link <> 'unlinked' AND village_code <> prev_village_code)
            AS households_moved_village
    FROM household_link GROUP BY ALL
), gone AS (
    SELECT p.village_code, count(*) AS previous_households_not_linked
    FROM (SELECT DISTINCT household_key, village_code FROM core.fact_person
          WHERE year_be = $previous) AS p
    ANTI JOIN household_link AS l ON l.prev_household_key = p.household_key
    GROUP BY ALL
)
SELECT
    village_code::UINTEGER AS village_code,
    coalesce(COLUMNS(* EXCLUDE (village_code)), 0)::BIGINT
FROM households
FULL JOIN followed USING (village_code)
FULL JOIN gone USING (village_code)
