-- The poverty lines a source published (baht per person per month), for survey_rules.yaml's
-- poverty_line_source: the country and the NSO regions, per year.
SELECT year_be, level, area_code, value
FROM marts.published_figure
WHERE source = $1 AND measure = 'poverty_line_monthly' AND level IN ('country', 'region')
ORDER BY year_be, level, area_code
