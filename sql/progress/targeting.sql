-- Who the welfare card reaches, per village and age band of a year: the MPI-poor without a
-- verified card (exclusion) and the verified card holders who are not MPI-poor (inclusion).
-- Village codes as integers, as in sql/measures/. Params: $year_be.
SELECT
    village_code::UINTEGER AS village_code,
    age_band,
    count(*)::BIGINT AS persons,
    count_if(mpi_poor)::BIGINT AS mpi_poor_persons,
    count_if(welfare_card = 2)::BIGINT AS card_verified_persons,
    count_if(mpi_poor AND welfare_card <> 2)::BIGINT AS exclusion_persons,
    count_if(welfare_card = 2 AND NOT mpi_poor)::BIGINT AS inclusion_persons
FROM core.fact_person
WHERE year_be = $year_be
GROUP BY ALL
