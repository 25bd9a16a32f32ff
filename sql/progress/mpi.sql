-- H, A and M0 of the survey years up to $year_be, for the split of M0's change into H and A.
SELECT year_be::BIGINT AS year_be, level, area_code, age_band, rule, h, a, m0
FROM marts.area_mpi
WHERE year_be <= $year_be
