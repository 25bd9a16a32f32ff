-- The year's links, built by assets/panel.py into the temporary table household_link of the
-- writing connection (sql/panel/link.sql), into {table}. Params: $year_be.
INSERT INTO {table} BY NAME
SELECT $year_be - 543 AS year, * FROM household_link
