-- Every measure marts.area_progress follows, long: one row per (year_be, level, area_code,
-- parent_code, age_band, measure, value) of the survey years up to $year_be, read off the
-- marts as they are (how they count is theirs). Measures are named once, here; all of them are
-- ones where less is better. NULLs (A where nobody is poor, a rate of no one) are left out.
WITH summary AS (
    SELECT
        year_be, level, area_code, parent_code, age_band,
        mpi_poor_persons::DOUBLE AS mpi_poor_persons,
        target_poor_persons::DOUBLE AS target_poor_persons,
        mpi_poor_persons / nullif(persons, 0) AS mpi_poor_rate,
        target_poor_persons / nullif(persons, 0) AS target_poor_rate,
        -- the target-poor count on each rule of schemas/catalog/survey_rules.yaml, every year
        -- (the rules as sql/core/fact_person.sql applies them; the card split is in every
        -- year's summary), so that a change can be read on one rule across a rule change
        -- (measures.progress.rule_series)
        -- (all_mpi_poor, the third rule, is mpi_poor_persons and mpi_poor_rate already)
        mpi_poor_card_verified::DOUBLE AS target_poor_persons_card_verified,
        (mpi_poor_card_verified + mpi_poor_card_registered)::DOUBLE AS target_poor_persons_card_any,
        mpi_poor_card_verified / nullif(persons, 0) AS target_poor_rate_card_verified,
        (mpi_poor_card_verified + mpi_poor_card_registered) / nullif(persons, 0)
            AS target_poor_rate_card_any
    FROM marts.area_summary
    WHERE year_be <= $year_be
), targeting AS (
    SELECT
        year_be, level, area_code, parent_code, age_band,
        exclusion_persons::DOUBLE AS exclusion_persons, exclusion_rate,
        inclusion_persons::DOUBLE AS inclusion_persons, inclusion_rate
    FROM marts.area_targeting
    WHERE year_be <= $year_be
), long AS (
    UNPIVOT summary ON COLUMNS(* EXCLUDE (year_be, level, area_code, parent_code, age_band))
    INTO NAME measure VALUE value
    UNION ALL BY NAME
    UNPIVOT targeting ON COLUMNS(* EXCLUDE (year_be, level, area_code, parent_code, age_band))
    INTO NAME measure VALUE value
    UNION ALL BY NAME
    SELECT
        year_be, level, area_code, parent_code, age_band,
        unnest(['h_' || rule, 'a_' || rule, 'm0_' || rule]) AS measure,
        unnest([h, a, m0]) AS value
    FROM marts.area_mpi
    WHERE year_be <= $year_be
    UNION ALL BY NAME
    SELECT year_be, level, area_code, parent_code, age_band, 'fgt0_' || line AS measure,
           fgt0 AS value
    FROM marts.area_income_poverty
    WHERE year_be <= $year_be
    UNION ALL BY NAME
    SELECT year_be, level, area_code, parent_code, 'all' AS age_band, 'gini' AS measure,
           gini AS value
    FROM marts.area_inequality
    WHERE year_be <= $year_be
    UNION ALL BY NAME
    -- the share of inequality between the area's own child areas (the country's: regions)
    SELECT year_be, level, area_code, parent_code, 'all' AS age_band,
           'theil_between_share' AS measure, between_share AS value
    FROM marts.area_theil_decomposition
    WHERE year_be <= $year_be
      AND child_level = CASE level WHEN 'country' THEN 'region' WHEN 'region' THEN 'province'
                                   WHEN 'province' THEN 'district'
                                   WHEN 'district' THEN 'subdistrict' ELSE 'village' END
)
SELECT year_be::BIGINT AS year_be, level, area_code, parent_code, age_band, measure,
       value::DOUBLE AS value
FROM long
WHERE value IS NOT NULL
