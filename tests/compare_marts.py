"""Compare every mart of two warehouse files row by row: the check that a change of how a mart
is computed kept its values (issue 17: "every mart keeps its values").

    .venv/bin/python -m tests.compare_marts BEFORE.duckdb AFTER.duckdb [--schema marts]

Both files are opened read-only. Per table of the schema present in both, on the columns both
have: rows only before, rows only after (matched on every column that is not a float, NULLs
equal) and the largest difference of the float columns over the matched rows. Exits 1 when a
row differs or a float differs by more than 1e-9, so that it can gate a comparison script.
"""

from __future__ import annotations

import argparse
import sys

import duckdb

FLOATS = ("DOUBLE", "FLOAT", "REAL")
TOLERANCE = 1e-9


def _columns(con: duckdb.DuckDBPyConnection, db: str, schema: str) -> dict[str, dict[str, str]]:
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = ? AND schema_name = ? ORDER BY column_index",
        [db, schema],
    ).fetchall()
    out: dict[str, dict[str, str]] = {}
    for table, column, kind in rows:
        out.setdefault(table, {})[column] = kind
    return out


def compare(before: str, after: str, schema: str = "marts") -> list[dict[str, object]]:
    """One dict per table both files have: rows, only_before, only_after, max_diff,
    columns_only_after (new columns, not compared)."""
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("ATTACH ? AS a (READ_ONLY)", [before])
    con.execute("ATTACH ? AS b (READ_ONLY)", [after])
    left, right = _columns(con, "a", schema), _columns(con, "b", schema)
    report = []
    for table in sorted(set(left) & set(right)):
        common = [c for c in left[table] if c in right[table]]
        floats = [c for c in common if left[table][c] in FLOATS or right[table][c] in FLOATS]
        keys = [c for c in common if c not in floats]
        listed = ", ".join(f'"{c}"' for c in keys)
        on = " AND ".join(f'x."{c}" IS NOT DISTINCT FROM y."{c}"' for c in keys) or "true"
        a, b = f"a.{schema}.{table}", f"b.{schema}.{table}"
        # a row counted by its key columns, so that duplicates must match in number too
        only = (
            f"SELECT count(*) FROM (SELECT {listed}, count(*) AS n FROM {{x}} GROUP BY ALL) AS x "
            f"WHERE NOT EXISTS (SELECT 1 FROM (SELECT {listed}, count(*) AS n FROM {{y}} "
            f"GROUP BY ALL) AS y WHERE {on} AND x.n = y.n)"
        )
        only_before = con.execute(only.format(x=a, y=b)).fetchone()[0]
        only_after = con.execute(only.format(x=b, y=a)).fetchone()[0]
        diff = 0.0
        if floats:
            # a NULL on one side only is a difference of infinity
            parts = ", ".join(
                f'max(CASE WHEN (x."{c}" IS NULL) <> (y."{c}" IS NULL) THEN \'inf\'::DOUBLE '
                f'WHEN isnan(x."{c}") OR isnan(y."{c}") THEN '
                f'CASE WHEN isnan(x."{c}") = isnan(y."{c}") THEN 0 ELSE \'inf\'::DOUBLE END '
                f'ELSE abs(x."{c}" - y."{c}") END)'
                for c in floats
            )
            row = con.execute(f"SELECT {parts} FROM {a} AS x JOIN {b} AS y ON {on}").fetchone()
            diff = max((v for v in row if v is not None), default=0.0)
        rows = con.execute(f"SELECT count(*) FROM {b}").fetchone()[0]
        report.append({
            "table": table, "rows": rows, "only_before": only_before, "only_after": only_after,
            "max_diff": diff, "columns_only_after": [c for c in right[table] if c not in common],
        })  # fmt: skip
    con.close()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--schema", default="marts")
    args = parser.parse_args(argv)
    bad = 0
    for r in compare(args.before, args.after, args.schema):
        same = r["only_before"] == 0 and r["only_after"] == 0 and r["max_diff"] <= TOLERANCE
        bad += not same
        new = r["columns_only_after"]
        extra = f"  new columns: {', '.join(new)}" if new else ""
        print(
            f"{'ok  ' if same else 'DIFF'} {r['table']:<32} {r['rows']:>10,} rows  "
            f"only before {r['only_before']:>8,}  only after {r['only_after']:>8,}  "
            f"max diff {r['max_diff']:.3g}{extra}"
        )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
