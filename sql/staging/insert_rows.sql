-- Staged rows of one source into {table}: the file parts, less the rows a rule across files
-- held (registered as `incoming`: file, row_index). Params: $parts, $year_be.
INSERT INTO {table} BY NAME
SELECT p.*, $year_be AS year_be
FROM read_parquet($parts) AS p
ANTI JOIN incoming AS held USING (file, row_index)
