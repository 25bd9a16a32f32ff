-- Insert the frame registered as `incoming` into {table}, with each area's names and parent, and
-- how complete its rollup is: the areas of the level below that core.area_expected expects (NULL
-- where dim_area holds none), and rollup_incomplete when fewer have data. An area's children
-- with data are counted over all ages (its largest child_areas), so an age band that nobody of a
-- village is in does not flag the village's subdistrict. (insert_decomposition.sql: the same for
-- marts.area_theil_decomposition, whose rows name their child level.)
INSERT INTO {table} BY NAME
SELECT i.*, n.name_th, n.name_en, n.parent_code,
    e.child_areas_expected,
    max(i.child_areas) OVER (PARTITION BY i.level, i.area_code) < e.child_areas_expected
        AS rollup_incomplete
FROM incoming AS i
JOIN core.area_names AS n USING (level, area_code)
LEFT JOIN core.area_expected AS e
  ON e.level = i.level AND e.area_code = i.area_code AND e.child_level = child_level(i.level)
