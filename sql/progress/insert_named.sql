-- Insert the frame registered as `incoming` into {table} with each area's names and parent. For
-- the marts that compare survey years (progress, panel): how complete a rollup is belongs to
-- each year's own marts (measures/insert_named.sql), which these are computed from.
INSERT INTO {table} BY NAME
SELECT i.*, n.name_th, n.name_en, n.parent_code
FROM incoming AS i
JOIN core.area_names AS n USING (level, area_code)
