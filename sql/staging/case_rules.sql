-- The rules across rows of the case records (ingest/staging.py), after cross_rules.sql: view
-- c_rows (case rows that passed their file's rules), tables h and held as cross_rules.sql left
-- them. A household-problem is (household_key, indicator_code); its rows are its status history.
CREATE OR REPLACE TEMP TABLE c AS
SELECT r.*, o.file_no FROM c_rows AS r JOIN "order" AS o USING (file);

-- 8. A case of a house code that is no household of the year, or whose household row was held.
INSERT INTO held
SELECT 8, 'case_record', c.file, c.row_index, 'house_code', 'case_household_unknown',
    repeat('*', 11)
FROM c
WHERE c.household_key NOT IN (
    SELECT household_key FROM h
    ANTI JOIN held AS x ON x.file = h.file AND x.row_index = h.row_index
    WHERE household_key IS NOT NULL
);

CREATE OR REPLACE TEMP TABLE c_left AS
SELECT c.*, count(*) FILTER (WHERE current = 1)
        OVER (PARTITION BY household_key, indicator_code) AS currents
FROM c ANTI JOIN held AS x ON x.file = c.file AND x.row_index = c.row_index;

-- 9. More than one current status, 10. or none, for one household-problem: all its rows held.
INSERT INTO held
SELECT CASE WHEN currents > 1 THEN 9 ELSE 10 END, 'case_record', file, row_index, 'current',
    CASE WHEN currents > 1 THEN 'case_two_current' ELSE 'case_no_current' END, indicator_code
FROM c_left
WHERE currents <> 1;
