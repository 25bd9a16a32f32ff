-- The rules across rows and files of one survey year, over the staged parts (ingest/staging.py).
-- Views: h_rows and m_rows (rows that passed their file's rules), h_keys and m_keys (the house
-- key of every row delivered), each with file_no, the file's place in delivery order: rows are
-- (file_no, row_index), two integers, never the file's name, so that the joins below compare
-- integers. Each rule runs on what the rules before it left; the result is the temp table
-- `held`, one row per held row, with the identifier values masked: a valid house code has 11
-- digits, a citizen ID 13.
CREATE OR REPLACE TEMP TABLE held (
    step INTEGER, source VARCHAR, file_no INTEGER, row_index BIGINT,
    column_name VARCHAR, rule VARCHAR, value VARCHAR
);
CREATE OR REPLACE TEMP TABLE h AS FROM h_rows;
CREATE OR REPLACE TEMP TABLE m AS FROM m_rows;

-- 1. The same house code twice in the year: the first row (in delivery order) stays. Only the
-- keys seen twice are ranked: a window over every household would sort the whole year.
INSERT INTO held
SELECT 1, 'bmn_household', file_no, row_index, 'house_code', 'duplicate_household', repeat('*', 11)
FROM (
    SELECT file_no, row_index,
        row_number() OVER (PARTITION BY household_key ORDER BY file_no, row_index) AS n
    FROM h
    SEMI JOIN (SELECT household_key FROM h GROUP BY ALL HAVING count(*) > 1) USING (household_key)
)
WHERE n > 1;

-- 2. Members declared against the member rows delivered for the house, valid or not.
INSERT INTO held
SELECT 2, 'bmn_household', h.file_no, h.row_index, 'members_declared', 'member_count_mismatch',
    h.members_declared::VARCHAR
FROM h
JOIN (SELECT household_key, count(*) AS delivered FROM m_keys GROUP BY ALL) AS d
    USING (household_key)
ANTI JOIN held AS x USING (file_no, row_index)
WHERE h.members_declared <> d.delivered;

CREATE OR REPLACE TEMP TABLE kept AS
SELECT DISTINCT household_key FROM h ANTI JOIN held AS x USING (file_no, row_index);

-- 3. Members of a house with no household row at all, 4. or whose household row was held.
INSERT INTO held
SELECT 3, 'bmn_member', m.file_no, m.row_index, 'house_code', 'member_without_household',
    repeat('*', 11)
FROM m
ANTI JOIN (SELECT DISTINCT household_key FROM h_keys) AS k USING (household_key)
WHERE m.household_key IS NOT NULL;

INSERT INTO held
SELECT 4, 'bmn_member', m.file_no, m.row_index, 'house_code', 'household_rejected', repeat('*', 11)
FROM m
ANTI JOIN held AS x USING (file_no, row_index)
ANTI JOIN kept AS k USING (household_key);

CREATE OR REPLACE TEMP TABLE m_left AS
SELECT m.* FROM m ANTI JOIN held AS x USING (file_no, row_index);

-- 5. One citizen ID in two households: every one of its rows is held.
INSERT INTO held
SELECT 5, 'bmn_member', file_no, row_index, 'citizen_id', 'person_in_two_households',
    repeat('*', 13)
FROM m_left
SEMI JOIN (
    SELECT person_key FROM m_left GROUP BY person_key HAVING count(DISTINCT household_key) > 1
) USING (person_key);

-- 6. The same person twice in a household: the first row stays; only repeated IDs are ranked.
INSERT INTO held
SELECT 6, 'bmn_member', file_no, row_index, 'citizen_id', 'duplicate_member', repeat('*', 13)
FROM (
    SELECT file_no, row_index,
        row_number() OVER (PARTITION BY person_key ORDER BY file_no, row_index) AS n
    FROM (FROM m_left ANTI JOIN held AS x USING (file_no, row_index))
    SEMI JOIN (
        SELECT person_key FROM m_left ANTI JOIN held AS x USING (file_no, row_index)
        GROUP BY ALL HAVING count(*) > 1
    ) USING (person_key)
)
WHERE n > 1;

-- 7. Households left without a member.
INSERT INTO held
SELECT 7, 'bmn_household', h.file_no, h.row_index, 'house_code', 'household_without_members',
    repeat('*', 11)
FROM h
ANTI JOIN held AS x USING (file_no, row_index)
ANTI JOIN (
    SELECT DISTINCT household_key FROM m_left ANTI JOIN held AS x USING (file_no, row_index)
) AS k USING (household_key);
