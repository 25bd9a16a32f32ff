-- Insert the rows store/progress.py wrote a part at a time ($path, a glob of Parquet files) into
-- {table}, with each area's names and parent, as progress/insert_named.sql does for a frame.
INSERT INTO {table} BY NAME
SELECT i.*, n.name_th, n.name_en, n.parent_code
FROM read_parquet($path, union_by_name = true) AS i
JOIN core.area_names AS n USING (level, area_code)
WHERE i.year_be = $year_be
