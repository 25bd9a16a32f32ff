-- Insert the published figures registered as `incoming` into {table}, with each area's names
-- and parent (a LEFT JOIN: a figure is never dropped for want of a name).
INSERT INTO {table} BY NAME
SELECT i.*, i.year_be - 543 AS year, n.name_th, n.name_en, n.parent_code
FROM incoming AS i
LEFT JOIN core.area_names AS n USING (level, area_code)
