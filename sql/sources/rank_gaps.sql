-- Provinces whose rank by the survey's MPI-poor rate is $1 places or more from their rank by
-- the published poverty rate (rank 1 = the poorest), largest gap first.
SELECT year_be, area_code, name_th, name_en, source, published_poverty_rate, published_rank,
       mpi_poor_rate, mpi_poor_rank, mpi_poor_rank - published_rank AS rank_gap, provinces
FROM marts.poverty_rank_gap
WHERE abs(mpi_poor_rank - published_rank) >= $1
ORDER BY abs(mpi_poor_rank - published_rank) DESC, year_be, area_code
