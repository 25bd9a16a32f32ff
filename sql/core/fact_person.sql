-- One row per staged person of a survey year: the 17 indicators (1 deprived, 0 not, NULL not
-- applicable), the TPMAP union rule and the year's target-poor rule.
-- Household-level indicators count every member of the household (docs/domain.md §3).
-- An in-scope person whose answer is blank counts as not applicable: nothing was asked.
-- Params: $year_be, $target_rule (card_verified | card_any | all_mpi_poor).
INSERT INTO core.fact_person BY NAME
WITH persons AS (
    SELECT
        m.*,
        h.village_code, h.income_per_capita,
        h.i_1_2, h.i_1_3, h.i_2_1, h.i_2_2, h.i_2_3, h.i_2_4, h.i_4_3,
        CASE WHEN m.age <= 1 AND m.birth_weight_g IS NOT NULL
             THEN (m.birth_weight_g < 2500)::TINYINT END AS i_1_1,
        CASE WHEN m.age >= 6 AND m.exercise IS NOT NULL
             THEN (m.exercise = 0)::TINYINT END AS i_1_4,
        CASE WHEN m.age BETWEEN 3 AND 5
             THEN (m.schooling <> 1)::TINYINT END AS i_3_1,
        CASE WHEN m.age BETWEEN 6 AND 14
             THEN (m.schooling = 0)::TINYINT END AS i_3_2,
        CASE WHEN m.grade9_completed = 1 AND m.continued_grade10 IS NOT NULL
             THEN (m.continued_grade10 = 0)::TINYINT END AS i_3_3,
        CASE WHEN m.age BETWEEN 15 AND 59 AND m.literate IS NOT NULL
             THEN (m.literate = 0)::TINYINT END AS i_3_4,
        CASE WHEN m.age BETWEEN 15 AND 59 AND m.schooling NOT IN (2, 3, 4) AND m.able_to_work = 1
             THEN (m.occupation = 0 OR m.income_year = 0)::TINYINT END AS i_4_1,
        CASE WHEN m.age >= 60 AND m.self_care = 1
             THEN (m.occupation = 0 OR m.income_year = 0)::TINYINT END AS i_4_2,
        CASE WHEN m.age >= 60 AND m.cared_for IS NOT NULL
             THEN (m.cared_for = 0)::TINYINT END AS i_5_1,
        CASE WHEN m.disabled = 1 AND m.cared_for IS NOT NULL
             THEN (m.cared_for = 0)::TINYINT END AS i_5_2
    FROM staging.member AS m
    JOIN core.fact_household AS h
      ON h.household_key = m.household_key AND h.year_be = m.year_be
    WHERE m.year_be = $year_be
), counted AS (
    SELECT *,
        (coalesce(i_1_1, 0) + coalesce(i_1_2, 0) + coalesce(i_1_3, 0) + coalesce(i_1_4, 0)
         + coalesce(i_2_1, 0) + coalesce(i_2_2, 0) + coalesce(i_2_3, 0) + coalesce(i_2_4, 0)
         + coalesce(i_3_1, 0) + coalesce(i_3_2, 0) + coalesce(i_3_3, 0) + coalesce(i_3_4, 0)
         + coalesce(i_4_1, 0) + coalesce(i_4_2, 0) + coalesce(i_4_3, 0)
         + coalesce(i_5_1, 0) + coalesce(i_5_2, 0))::TINYINT AS deprivations
    FROM persons
)
SELECT
    c.year_be - 543 AS year,
    c.year_be,
    c.person_key, c.household_key, c.village_code,
    c.sex, c.age, b.age_band, c.disabled, c.welfare_card, c.income_per_capita,
    c.i_1_1, c.i_1_2, c.i_1_3, c.i_1_4, c.i_2_1, c.i_2_2, c.i_2_3, c.i_2_4,
    c.i_3_1, c.i_3_2, c.i_3_3, c.i_3_4, c.i_4_1, c.i_4_2, c.i_4_3, c.i_5_1, c.i_5_2,
    c.deprivations,
    c.deprivations > 0 AS mpi_poor,
    CASE $target_rule
        WHEN 'card_verified' THEN c.deprivations > 0 AND c.welfare_card = 2
        WHEN 'card_any' THEN c.deprivations > 0 AND c.welfare_card >= 1
        WHEN 'all_mpi_poor' THEN c.deprivations > 0
        ELSE error('unknown target-poor rule ' || $target_rule)
    END AS target_poor
FROM counted AS c
JOIN core.dim_age_band AS b
  ON c.age >= b.min_age AND (b.max_age IS NULL OR c.age <= b.max_age)
