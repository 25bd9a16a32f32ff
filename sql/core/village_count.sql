-- The year's village x age band counts (the macro village_counts in sql/schema.sql declares
-- them once). Params: $year_be.
INSERT INTO core.village_count BY NAME FROM village_counts($year_be)
