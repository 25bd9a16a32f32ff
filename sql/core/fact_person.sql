-- One row per staged person of a survey year: the 17 indicators as TPMAP counts them, the
-- person's own statuses, the TPMAP union rule and the year's target-poor rule.
--
-- Three columns per indicator (docs/domain.md §3, §10):
--   own_i_*   the rule applied to this person's answers (household indicators: the household's)
--             1 deprived, 0 not, NULL out of scope;
--   i_*       the person's household: 1 if any member is deprived, 0 if a member is in scope and
--             none is deprived, NULL if nobody in the household is in scope. TPMAP counts the
--             household: every member of a household failing an indicator is deprived on it;
--   blank_i_* 1 when the person is in scope but the answer is blank. A blank answer is in scope
--             and not deprived, in the MPI and in marts.area_indicator alike (one rule), and is
--             counted there (answers_missing).
-- MPI-poor (the union rule) = member of a household in which anyone is deprived on any of the 17
-- indicators; mpi_poor_own is the person-level variant (deprived themselves on one at least).
-- first_in_household / first_in_band mark one member per household and per household and age
-- band (the smallest person key), so that the marts count households with a sum instead of a
-- DISTINCT.
-- Params: $year_be, $target_rule (card_verified | card_any | all_mpi_poor).
INSERT INTO core.fact_person BY NAME
WITH persons AS (
    SELECT
        m.*,
        b.age_band,
        h.village_code, h.income_per_capita,
        h.i_1_2 AS own_i_1_2, h.i_1_3 AS own_i_1_3, h.i_2_1 AS own_i_2_1, h.i_2_2 AS own_i_2_2,
        h.i_2_3 AS own_i_2_3, h.i_2_4 AS own_i_2_4, h.i_4_3 AS own_i_4_3,
        CASE WHEN m.age <= 1
             THEN coalesce(m.birth_weight_g < 2500, false)::TINYINT END AS own_i_1_1,
        CASE WHEN m.age >= 6
             THEN coalesce(m.exercise = 0, false)::TINYINT END AS own_i_1_4,
        CASE WHEN m.age BETWEEN 3 AND 5
             THEN (m.schooling <> 1)::TINYINT END AS own_i_3_1,
        CASE WHEN m.age BETWEEN 6 AND 14
             THEN (m.schooling = 0)::TINYINT END AS own_i_3_2,
        CASE WHEN m.grade9_completed = 1
             THEN coalesce(m.continued_grade10 = 0, false)::TINYINT END AS own_i_3_3,
        CASE WHEN m.age BETWEEN 15 AND 59
             THEN coalesce(m.literate = 0, false)::TINYINT END AS own_i_3_4,
        -- out of scope: full-time students, and those unable to work AND disabled or
        -- chronically ill (the survey app's rule); unable to work alone stays in scope
        CASE WHEN m.age BETWEEN 15 AND 59 AND m.schooling NOT IN (2, 3, 4)
                  AND NOT (m.able_to_work = 0 AND (m.disabled = 1 OR m.chronic_illness = 1))
             THEN (m.occupation = 0 OR m.income_year = 0)::TINYINT END AS own_i_4_1,
        CASE WHEN m.age >= 60 AND m.self_care = 1
             THEN (m.occupation = 0 OR m.income_year = 0)::TINYINT END AS own_i_4_2,
        CASE WHEN m.age >= 60
             THEN coalesce(m.cared_for = 0, false)::TINYINT END AS own_i_5_1,
        CASE WHEN m.disabled = 1
             THEN coalesce(m.cared_for = 0, false)::TINYINT END AS own_i_5_2,
        (m.age <= 1 AND m.birth_weight_g IS NULL)::TINYINT AS blank_i_1_1,
        0::TINYINT AS blank_i_1_2,
        0::TINYINT AS blank_i_1_3,
        (m.age >= 6 AND m.exercise IS NULL)::TINYINT AS blank_i_1_4,
        0::TINYINT AS blank_i_2_1,
        0::TINYINT AS blank_i_2_2,
        0::TINYINT AS blank_i_2_3,
        0::TINYINT AS blank_i_2_4,
        0::TINYINT AS blank_i_3_1,
        0::TINYINT AS blank_i_3_2,
        coalesce(m.grade9_completed = 1 AND m.continued_grade10 IS NULL, false)::TINYINT
            AS blank_i_3_3,
        (m.age BETWEEN 15 AND 59 AND m.literate IS NULL)::TINYINT AS blank_i_3_4,
        0::TINYINT AS blank_i_4_1,
        0::TINYINT AS blank_i_4_2,
        0::TINYINT AS blank_i_4_3,
        (m.age >= 60 AND m.cared_for IS NULL)::TINYINT AS blank_i_5_1,
        (m.disabled = 1 AND m.cared_for IS NULL)::TINYINT AS blank_i_5_2
    FROM staging.member AS m
    JOIN core.fact_household AS h
      ON h.household_key = m.household_key AND h.year_be = m.year_be
    JOIN core.dim_age_band AS b
      ON m.age >= b.min_age AND (b.max_age IS NULL OR m.age <= b.max_age)
    WHERE m.year_be = $year_be
), band AS (
    -- the household's statuses and its first member, by GROUP BY and hash joins rather than
    -- windows over every person (STACK-NOTES: 6.0 s vs 1.3-1.5 s per 1 M persons): per
    -- household and age band first, then per household from those few rows
    SELECT household_key, age_band,
           max(COLUMNS('^own_(i_\d_\d)$')) AS '\1',
           min(person_key) AS first_band_key
    FROM persons
    GROUP BY household_key, age_band
), household AS (
    SELECT household_key,
           max(COLUMNS('^i_\d_\d$')) AS '\0',
           min(first_band_key) AS first_key
    FROM band
    GROUP BY household_key
), households AS (
    SELECT p.*, h.* EXCLUDE (household_key, first_key),
        p.person_key = h.first_key AS first_in_household,
        p.person_key = b.first_band_key AS first_in_band
    FROM persons AS p
    JOIN household AS h USING (household_key)
    JOIN band AS b USING (household_key, age_band)
), counted AS (
    SELECT *,
        (coalesce(i_1_1, 0) + coalesce(i_1_2, 0) + coalesce(i_1_3, 0) + coalesce(i_1_4, 0)
         + coalesce(i_2_1, 0) + coalesce(i_2_2, 0) + coalesce(i_2_3, 0) + coalesce(i_2_4, 0)
         + coalesce(i_3_1, 0) + coalesce(i_3_2, 0) + coalesce(i_3_3, 0) + coalesce(i_3_4, 0)
         + coalesce(i_4_1, 0) + coalesce(i_4_2, 0) + coalesce(i_4_3, 0)
         + coalesce(i_5_1, 0) + coalesce(i_5_2, 0))::TINYINT AS deprivations,
        (coalesce(own_i_1_1, 0) + coalesce(own_i_1_2, 0) + coalesce(own_i_1_3, 0)
         + coalesce(own_i_1_4, 0) + coalesce(own_i_2_1, 0) + coalesce(own_i_2_2, 0)
         + coalesce(own_i_2_3, 0) + coalesce(own_i_2_4, 0) + coalesce(own_i_3_1, 0)
         + coalesce(own_i_3_2, 0) + coalesce(own_i_3_3, 0) + coalesce(own_i_3_4, 0)
         + coalesce(own_i_4_1, 0) + coalesce(own_i_4_2, 0) + coalesce(own_i_4_3, 0)
         + coalesce(own_i_5_1, 0) + coalesce(own_i_5_2, 0))::TINYINT AS deprivations_own
    FROM households
)
SELECT
    c.year_be - 543 AS year,
    c.year_be,
    c.person_key, c.household_key, c.village_code,
    c.sex, c.age, c.age_band, c.disabled, c.welfare_card, c.income_per_capita,
    COLUMNS('^i_\d_\d$'),
    COLUMNS('^own_i_\d_\d$'),
    COLUMNS('^blank_i_\d_\d$'),
    c.first_in_household, c.first_in_band,
    c.deprivations,
    c.deprivations > 0 AS mpi_poor,
    c.deprivations_own,
    c.deprivations_own > 0 AS mpi_poor_own,
    CASE $target_rule
        WHEN 'card_verified' THEN c.deprivations > 0 AND c.welfare_card = 2
        WHEN 'card_any' THEN c.deprivations > 0 AND c.welfare_card >= 1
        WHEN 'all_mpi_poor' THEN c.deprivations > 0
        ELSE error('unknown target-poor rule ' || $target_rule)
    END AS target_poor
FROM counted AS c
