-- One row per staged household of a survey year, with its 7 household-level indicators.
-- Income per head divides by the members delivered (members_declared: the cross-file rule 2 holds
-- a household whose member rows delivered differ from it), not by the members staged: a member
-- row quarantined for its own fault (a bad ID) leaves the household's income and its size as
-- surveyed, so the income per head and indicator 4.3 stay those of the household (docs/marts.md, "How
-- the marts count"). `members` is the members staged.
-- Params: $year_be, $income_criterion (baht per person per year, indicator 4.3).
INSERT INTO core.fact_household BY NAME
WITH members AS (
    SELECT household_key, count(*) AS members
    FROM staging.member
    WHERE year_be = $year_be
    GROUP BY household_key
), households AS (
    SELECT h.*, m.members,
           h.income_main + h.income_secondary + h.income_other + h.income_own_produce AS income_total
    FROM staging.household AS h
    JOIN members AS m USING (household_key)
    WHERE h.year_be = $year_be
)
SELECT
    year_be - 543 AS year,
    year_be,
    household_key,
    village_code,
    members,
    members_declared,
    income_total,
    income_total / members_declared AS income_per_capita,
    (food_safe = 0)::TINYINT AS i_1_2,
    (medicine_safe = 0)::TINYINT AS i_1_3,
    (housing_secure = 0)::TINYINT AS i_2_1,
    (drinking_water_lpd < 5)::TINYINT AS i_2_2,
    (domestic_water_lpd < 45)::TINYINT AS i_2_3,
    (home_hygienic = 0)::TINYINT AS i_2_4,
    (income_total / members_declared < $income_criterion)::TINYINT AS i_4_3
FROM households
