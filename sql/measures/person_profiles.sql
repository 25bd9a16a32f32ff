-- The person records of a year for the MPI marts, identical records counted once: `persons`
-- people share the village, age band and 17 indicator statuses of a row. The statuses are the
-- household's (fact_person.i_*): the MPI identifies the poor by household, as TPMAP does, so
-- the union rule's headcount is area_summary.mpi_poor_persons. The village code is an
-- integer, 4 bytes a row instead of a string; every coarser area is a prefix of it (DOPA codes
-- never start with 0: province codes run from 10 to 96). Params: $year_be.
SELECT
    village_code::UINTEGER AS village_code,
    age_band,
    COLUMNS('^i_\d_\d$'),
    count(*)::UINTEGER AS persons
FROM core.fact_person
WHERE year_be = $year_be
GROUP BY ALL
