"""The progress marts on the tiny generated sample (two years): they agree with the marts they
are read from, every split adds up to its change, and the centres' targets show."""

import pytest


def test_progress_values_are_the_marts_values(run, query):
    rows = query(
        run,
        """
        SELECT count(*), max(abs(p.value - s.target_poor_persons / s.persons)),
               max(abs(p.base_value - b.target_poor_persons / b.persons))
        FROM marts.area_progress AS p
        JOIN marts.area_summary AS s USING (year_be, level, area_code, age_band)
        JOIN marts.area_summary AS b
          ON b.year_be = p.base_year_be AND (b.level, b.area_code, b.age_band)
             = (p.level, p.area_code, p.age_band)
        WHERE p.measure = 'target_poor_rate' AND p.comparison = 'previous'""",
    )
    count, value_error, base_error = rows[0]
    assert count > 100 and value_error == 0 and base_error == 0
    levels = query(run, "SELECT DISTINCT level FROM marts.area_progress WHERE year_be = 2566")
    assert {r[0] for r in levels} == {"country", "region", "province", "district",
                                      "subdistrict", "village"}  # fmt: skip
    assert query(run, "SELECT count(*) FROM marts.area_progress WHERE year_be = 2565") == [(0,)]


def test_every_split_adds_up_to_the_change(run, query):
    rows = query(
        run,
        """
        WITH f AS (
            SELECT year_be, level, area_code, age_band, comparison, measure, split,
                   sum(contribution) AS total
            FROM marts.area_change_factor GROUP BY ALL)
        SELECT split, measure, count(*), count(p.absolute), max(abs(f.total - p.absolute))
        FROM f LEFT JOIN marts.area_progress AS p
          USING (year_be, level, area_code, age_band, comparison, measure)
        GROUP BY ALL ORDER BY ALL""",
    )
    assert {(r[0], r[1]) for r in rows} == {
        (s, m) for s in ("intensity", "indicator") for m in ("m0_af_k33", "m0_tpmap_union")
    } | {("growth_redistribution", m) for m in ("fgt0_bmn", "fgt0_nso")}
    for split, measure, count, matched, error in rows:
        assert count == matched > 0, (split, measure)
        assert error < 1e-12, (split, measure)


def test_targeting_counts_add_up(run, query):
    rows = query(
        run,
        """
        SELECT t.exclusion_persons, s.mpi_poor_card_registered + s.mpi_poor_no_card,
               t.mpi_poor_persons, s.mpi_poor_persons
        FROM marts.area_targeting AS t
        JOIN marts.area_summary AS s USING (year_be, level, area_code, age_band)""",
    )
    assert rows and all(r[0] == r[1] and r[2] == r[3] for r in rows)
    (facts,) = query(
        run,
        """
        SELECT count_if(welfare_card = 2 AND NOT mpi_poor) FROM core.fact_person
        WHERE year_be = 2566""",
    )
    (mart,) = query(
        run,
        """
        SELECT inclusion_persons FROM marts.area_targeting
        WHERE year_be = 2566 AND level = 'country' AND age_band = 'all'""",
    )
    assert facts == mart


def test_the_centres_targets_show_in_the_marts(run, query):
    rows = query(
        run,
        """
        SELECT measure, base_year_be, base_value, target_value, actual_value, on_track, attained
        FROM marts.area_target WHERE year_be = 2566 ORDER BY measure""",
    )
    assert [r[0] for r in rows] == ["mpi_poor_rate", "target_poor_persons"]
    rate, poor = rows
    assert rate[3] == 0 and rate[5] is (rate[4] <= 0) and rate[6] is (rate[4] <= 0)
    # the target-poor rule changed from 2565 (card_verified) to 2566 (card_any): the target
    # starts from 2565's MPI-poor counted on 2566's rule (like with like, issue 18), not from
    # the figure published under the old rule
    (base,) = query(
        run,
        """
        SELECT mpi_poor_card_verified + mpi_poor_card_registered, target_poor_persons
        FROM marts.area_summary
        WHERE year_be = 2565 AND level = 'country' AND age_band = 'all'""",
    )
    assert poor[1] == 2565 and poor[2] == base[0] and poor[3] == pytest.approx(base[0] / 2)
    assert base[1] == base[0] - query(run, """
        SELECT mpi_poor_card_registered FROM marts.area_summary
        WHERE year_be = 2565 AND level = 'country' AND age_band = 'all'""")[0][0]  # fmt: skip
    (note,) = query(
        run,
        "SELECT series_break FROM marts.area_target WHERE year_be = 2566 "
        "AND measure = 'target_poor_persons'",
    )
    assert "card_verified (BMN 2565) -> card_any (BMN 2566)" in note[0]


def test_target_poor_progress_is_also_read_on_one_rule(run, query):
    """The official change mixes two rules; the later- and earlier-rule series hold one rule in
    both years, read off area_summary's split of the MPI-poor by card status."""
    rows = query(
        run,
        """
        SELECT p.measure, p.series, p.target_rule, p.base_target_rule, p.series_break IS NOT NULL,
               p.base_value, p.value,
               b.mpi_poor_card_verified, b.mpi_poor_card_registered,
               s.mpi_poor_card_verified, s.mpi_poor_card_registered, b.target_poor_persons,
               s.target_poor_persons
        FROM marts.area_progress AS p
        JOIN marts.area_summary AS s USING (year_be, level, area_code, age_band)
        JOIN marts.area_summary AS b
          ON b.year_be = p.base_year_be AND (b.level, b.area_code, b.age_band)
             = (p.level, p.area_code, p.age_band)
        WHERE p.level = 'country' AND p.age_band = 'all' AND p.comparison = 'previous'
          AND p.measure LIKE 'target_poor_persons%'
        ORDER BY p.measure""",
    )
    got = {r[0]: r[1:] for r in rows}
    rules = ("card_any", "card_verified")
    assert set(got) == {"target_poor_persons", *(f"target_poor_persons_{r}" for r in rules)}
    official = got["target_poor_persons"]
    series, rule, base_rule, broken, base, value, bv, br, sv, sr, bt, st = official
    assert (series, rule, base_rule, broken) == ("official", "card_any", "card_verified", True)
    assert (base, value) == (bt, st) and bt == bv and st == sv + sr
    later = got["target_poor_persons_card_any"]
    assert later[:4] == ("later_rule", "card_any", "card_any", False)
    assert (later[4], later[5]) == (bv + br, sv + sr)
    earlier = got["target_poor_persons_card_verified"]
    assert earlier[:4] == ("earlier_rule", "card_verified", "card_verified", False)
    assert (earlier[4], earlier[5]) == (bv, sv)


def test_growth_redistribution_in_sql_is_the_formula(run):
    """The mart's split, summed in DuckDB (sql/progress/growth_redistribution.sql), equals
    measures.progress.growth_redistribution on the same person records, value for value, and
    the stored mart holds it."""
    import duckdb
    import polars as pl

    from measures import progress
    from store import progress as parts
    from store.areas import INCOME, LEVELS, poverty_lines, read_persons

    with duckdb.connect(str(run.published), read_only=True) as con:

        def ratios(year: int, line: str) -> pl.DataFrame:
            frame = read_persons(con, "measures/person_incomes", year)
            return frame.select(
                "village_code", "age_band", "persons",
                (pl.col(INCOME) / poverty_lines(year)[line]).alias("ratio"),
            )  # fmt: skip

        expected = pl.concat(
            progress.growth_redistribution(
                ratios(2565, line), ratios(2566, line), LEVELS
            ).with_columns(pl.col("age_band").cast(pl.String), measure=pl.lit(f"fgt0_{line}"))
            for line in ("nso", "bmn")
        )
        query, params = parts.growth_redistribution(con, 2566, 2565)
        got = con.sql(query, params=params).pl()
        stored = con.sql(
            "SELECT level, area_code, age_band, measure, factor, contribution "
            "FROM marts.area_change_factor WHERE split = 'growth_redistribution' "
            "AND year_be = 2566 AND base_year_be = 2565 AND comparison = 'previous'"
        ).pl()
    keys = ["level", "area_code", "age_band", "measure", "factor"]
    assert expected.height > 1000 and got.height == expected.height
    both = expected.join(got, on=keys, suffix="_sql").join(stored, on=keys, suffix="_mart")
    assert both.height == expected.height
    assert (both["contribution"] - both["contribution_sql"]).abs().max() == 0
    assert (both["contribution"] - both["contribution_mart"]).abs().max() == 0


def test_the_parts_spread_over_worker_processes_give_the_same_rows(run, tmp_path):
    """store.progress.year_progress sends each part (store.progress.Part, FactorPart) to
    ingest.spread.Spread.stream, as it would to a Dask cluster: worker processes give the
    same rows, to the bit, as one part after the other here."""
    import duckdb
    import polars as pl

    from ingest.spread import Spread
    from store.progress import TABLES, year_progress

    targets = sorted((run.landing / "targets").glob("*.yaml"))
    sent = []

    def each(function, keys, load):
        for key, result in Spread(workers=2).stream(function, keys, load, window=1):
            sent.append((function.__name__, key))
            yield key, result

    made = {}
    with duckdb.connect(str(run.published), read_only=True) as con:
        for name, how in (("here", None), ("spread", each)):
            (tmp_path / name).mkdir()
            made[name] = year_progress(con, 2566, targets, tmp_path / name, each=how)
    assert {f for f, _ in sent} == {"progress_part", "factor_part"}
    assert {k for _, k in sent} == {"top", "58"}  # the tiny sample: Mae Hong Son
    for table in TABLES:
        (here, rows), (spread, rows_spread) = made["here"][table], made["spread"][table]
        assert rows > 0 and rows_spread == rows, table
        a, b = pl.read_parquet(here), pl.read_parquet(spread)
        keys = [c for c in a.columns if a[c].dtype == pl.String]
        assert a.sort(keys).equals(b.sort(keys)), table
