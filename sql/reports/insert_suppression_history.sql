-- The year's pattern of hidden cells, from the file reports/data.py suppress_year wrote: the
-- cells hidden now and those an earlier publication hid that the marts no longer hold.
INSERT INTO {table} (year, year_be, level, mart, area_code, age_band, key, measure, lower, upper)
SELECT $year_be - 543, $year_be, level, "table", area_code, age_band, key, measure, lower, upper
FROM read_parquet($path)
