-- The rows of one progress query (store/progress.py puts it in below), each tagged with the
-- parts of the country that need it: 'top' holds the country, the regions, the provinces and
-- the districts (a province's convergence is the spread of its districts); a province's part,
-- named by its code, holds the province and every area under it (codes start with their
-- province's). So the peers and the children of every area a part reports are in that part.
SELECT q.*,
       unnest(CASE WHEN q.level IN ('country', 'region') THEN ['top']
                   WHEN q.level IN ('province', 'district') THEN ['top', left(q.area_code, 2)]
                   ELSE [left(q.area_code, 2)] END) AS part
FROM ({query}
) AS q
