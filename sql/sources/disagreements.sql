-- Survey figures further than the tolerance ($1, a share) from the published figure of the
-- same year, level, area and measure, largest first; both values and the source.
SELECT year_be, level, area_code, name_th, measure, indicator_code, source,
       published_value, survey_value, relative_gap
FROM marts.survey_vs_published
WHERE relative_gap IS NULL AND survey_value <> 0 OR abs(relative_gap) > $1
ORDER BY abs(relative_gap) DESC NULLS FIRST, year_be, level, area_code, measure
