-- Who the welfare card reaches, per village and age band of a year: the MPI-poor without a
-- verified card (exclusion) and the verified card holders who are not MPI-poor (inclusion),
-- as core.village_count holds them (counted there in the one scan of the person facts).
-- Village codes as integers, as in sql/measures/. Params: $year_be.
SELECT
    village_code::UINTEGER AS village_code,
    age_band,
    persons,
    mpi_poor_persons,
    card_verified_persons,
    exclusion_persons,
    inclusion_persons
FROM core.village_count
WHERE year_be = $year_be AND age_band <> 'all'
