-- The rules across rows of the case records (ingest/staging.py), after cross_rules.sql: view
-- c_rows (case rows that passed their file's rules, with file_no), tables h and held as
-- cross_rules.sql left them. A household-problem is (household_key, indicator_code); its rows
-- are its status history.
CREATE OR REPLACE TEMP TABLE c AS FROM c_rows;

-- 8. A case of a house code that is no household of the year, or whose household row was held.
INSERT INTO held
SELECT 8, 'case_record', c.file_no, c.row_index, 'house_code', 'case_household_unknown',
    repeat('*', 11)
FROM c
ANTI JOIN (
    SELECT DISTINCT household_key FROM h ANTI JOIN held AS x USING (file_no, row_index)
) AS k USING (household_key)
WHERE c.household_key IS NOT NULL;

-- 9. More than one current status, 10. or none, for one household-problem: all its rows held.
-- The current statuses are counted per household-problem by GROUP BY, not a window per row.
CREATE OR REPLACE TEMP TABLE c_left AS
FROM c ANTI JOIN held AS x USING (file_no, row_index);

INSERT INTO held
SELECT CASE WHEN p.currents > 1 THEN 9 ELSE 10 END, 'case_record', c.file_no, c.row_index,
    'current', CASE WHEN p.currents > 1 THEN 'case_two_current' ELSE 'case_no_current' END,
    c.indicator_code
FROM c_left AS c
JOIN (
    SELECT household_key, indicator_code, count(*) FILTER (WHERE current = 1) AS currents
    FROM c_left GROUP BY ALL HAVING currents <> 1
) AS p ON p.household_key IS NOT DISTINCT FROM c.household_key
    AND p.indicator_code IS NOT DISTINCT FROM c.indicator_code;
