-- One source's figure of one measure summed per level (no indicator): each level of a complete
-- rollup adds up to the country.
SELECT level, sum(value) AS total
FROM marts.published_figure
WHERE source = $1 AND measure = $2 AND indicator_code IS NULL
GROUP BY level
