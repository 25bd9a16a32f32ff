-- Persistent deprivations per village of the year and indicator: linked households for which
-- the indicator applies in both years, deprived the year before, now, and in both years.
-- Needs the views household_link and household_status.
SELECT
    l.village_code::UINTEGER AS village_code,
    s.indicator_code,
    count(*)::BIGINT AS households_in_scope,
    count_if(b.deprived)::BIGINT AS households_deprived_before,
    count_if(s.deprived)::BIGINT AS households_deprived,
    count_if(s.deprived AND b.deprived)::BIGINT AS households_deprived_both_years
FROM household_link AS l
JOIN household_status AS s
  ON s.year_be = l.year_be AND s.household_key = l.household_key AND s.indicator_code IS NOT NULL
JOIN household_status AS b
  ON b.year_be = l.prev_year_be AND b.household_key = l.prev_household_key
 AND b.indicator_code = s.indicator_code
WHERE l.link <> 'unlinked'
GROUP BY ALL
