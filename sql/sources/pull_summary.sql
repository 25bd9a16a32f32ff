-- Per source: figures in the mart and files landed.
SELECT l.source, coalesce(f.rows, 0) AS figures, count(*) AS files
FROM core.source_ledger AS l
LEFT JOIN (SELECT source, count(*) AS rows FROM marts.published_figure GROUP BY source) AS f
  USING (source)
GROUP BY l.source, f.rows
ORDER BY l.source
