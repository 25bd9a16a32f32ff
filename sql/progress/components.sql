-- Each indicator's contribution to M0 (age band all), for the split of M0's change.
SELECT year_be::BIGINT AS year_be, level, area_code, age_band, rule, component, contribution
FROM marts.area_mpi_component
WHERE year_be <= $year_be AND component_type = 'indicator'
