-- Areas of the survey year with at least $min_persons persons (age band 'all'), and whether
-- everyone there passes every indicator: no MPI-poor person at all. docs/domain.md §7 lists "villages
-- where everybody passes everything" among the implausible areas real files show; `all_pass`
-- marks them. Params: $year_be, $min_persons.
SELECT
    level, area_code, name_th, name_en,
    $year_be AS year_be,
    persons,
    mpi_poor_persons,
    mpi_poor_persons / persons AS rate,
    mpi_poor_persons = 0 AS all_pass
FROM marts.area_summary
WHERE year_be = $year_be AND age_band = 'all' AND persons >= $min_persons
ORDER BY
    all_pass DESC,
    list_position(['country', 'region', 'province', 'district', 'subdistrict', 'village'], level),
    area_code
