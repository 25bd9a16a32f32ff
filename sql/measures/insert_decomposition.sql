-- insert_named.sql for marts.area_theil_decomposition: the child areas expected are those of
-- each row's child_level.
INSERT INTO {table} BY NAME
SELECT i.*, n.name_th, n.name_en, n.parent_code,
    e.child_areas_expected,
    i.child_areas < e.child_areas_expected AS rollup_incomplete
FROM incoming AS i
JOIN core.area_names AS n USING (level, area_code)
LEFT JOIN core.area_expected AS e
  ON e.level = i.level AND e.area_code = i.area_code AND e.child_level = i.child_level
