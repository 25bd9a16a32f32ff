"""The chipao command: help, queries on the published snapshot, clear refusals."""

import os
import subprocess
import sys

import pytest

from pipelines.cli import build_parser, main
from tests.conftest import TEST_KEY
from tests.handmade import household, member, write_landing


def test_help_explains_each_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    for command in ("init", "generate", "run", "sql", "status"):
        assert command in text
    parser = build_parser()
    assert parser.parse_args(["generate"]).scale == "demo"


def test_sql_reads_the_published_snapshot(run, monkeypatch, capsys):
    monkeypatch.setenv("CHIPAO_HOME", str(run.home))
    code = main(
        [
            "sql",
            "SELECT level, count(*) AS n FROM marts.area_summary "
            "WHERE age_band = 'all' GROUP BY level ORDER BY level",
            "--csv",
        ]
    )
    assert code == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "\ufefflevel,n"  # the BOM: Excel then reads UTF-8
    assert [line.split(",")[0] for line in lines[1:]] == [
        "country",
        "district",
        "province",
        "region",
        "subdistrict",
        "village",
    ]


def test_sql_errors_are_reported_not_raised(run, monkeypatch, capsys):
    monkeypatch.setenv("CHIPAO_HOME", str(run.home))
    assert main(["sql", "SELECT * FROM no_such_table"]) == 1
    assert "query failed" in capsys.readouterr().err


@pytest.mark.parametrize(
    "statement",
    [
        "DELETE FROM marts.area_summary",
        "INSERT INTO marts.area_summary SELECT * FROM marts.area_summary LIMIT 1",
        "UPDATE marts.area_summary SET households = 0",
        "TRUNCATE marts.area_summary",
        "DROP TABLE marts.area_summary",
        "ALTER TABLE marts.area_summary ADD COLUMN x INTEGER",
        "CREATE TABLE marts.mine AS SELECT 1 AS a",
        "CREATE VIEW mine AS SELECT 1 AS a",
        "SELECT 1; DELETE FROM marts.area_summary",
    ],
)
def test_sql_cannot_write(statement, run, monkeypatch, capsys, query):
    """A write gets the one clear line and exit code 2 that COPY gets, not DuckDB's message."""
    monkeypatch.setenv("CHIPAO_HOME", str(run.home))
    before = query(run, "SELECT count(*), sum(households) FROM marts.area_summary")
    assert main(["sql", statement]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is refused" in err[0] and "read-only" in err[0].lower()
    assert "Cannot execute" not in err[0] and "Traceback" not in err[0]
    assert query(run, "SELECT count(*), sum(households) FROM marts.area_summary") == before


def test_sql_temporary_tables_still_work(run, monkeypatch, capsys):
    """Temporary tables live in the session, not the snapshot: an analyst may use them."""
    monkeypatch.setenv("CHIPAO_HOME", str(run.home))
    text = (
        "CREATE TEMP TABLE c AS SELECT households FROM marts.area_summary "
        "WHERE level = 'country' AND age_band = 'all' AND year_be = 2566; "
        "INSERT INTO c VALUES (1); SELECT count(*) AS n FROM c"
    )
    assert main(["sql", text, "--csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["\ufeffn", "2"]


def test_status_into_a_closed_pipe_exits_quietly(run, tmp_path):
    """`chipao status --files | head`: the reader stops early; no traceback, exit 0."""
    env = {**os.environ, "CHIPAO_HOME": str(run.home), "CHIPAO_KEY": TEST_KEY}
    for argv in (["status", "--files"], ["sql", "FROM marts.area_summary", "--csv"]):
        process = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", *argv],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=tmp_path,
        )
        process.stdout.close()  # before it writes: its first write meets a closed pipe
        err = process.stderr.read().decode()
        assert process.wait(timeout=120) == 0, err
        assert "Traceback" not in err and "BrokenPipe" not in err, err


def test_status_prints_the_ledger_per_year(run, monkeypatch, capsys):
    monkeypatch.setenv("CHIPAO_HOME", str(run.home))
    monkeypatch.setenv("CHIPAO_KEY", TEST_KEY)
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "2566: 3 files" in out  # households, members and the case records
    assert "citizen_id_check_digit 1" in out  # the one broken member, with its rule
    for year in (2565, 2566):
        assert f"{year}: published " in out and "(3 files), inputs unchanged" in out
    assert "members/" not in out  # files only with --files
    assert main(["status", "--files"]) == 0
    files = capsys.readouterr().out
    assert files.count("members/") == 2 and files.count("households/") == 2
    assert files.count("cases/") == 2


def test_status_without_the_key_still_reports(run, monkeypatch, capsys):
    monkeypatch.setenv("CHIPAO_HOME", str(run.home))
    monkeypatch.delenv("CHIPAO_KEY", raising=False)
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "2566: 3 files" in out and "inputs not compared (no pseudonymisation key" in out


def test_run_refuses_without_a_key(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CHIPAO_HOME", str(tmp_path))
    monkeypatch.delenv("CHIPAO_KEY", raising=False)
    write_landing(tmp_path / "landing", 2566, [household(1)], [member(1, 1)])
    assert main(["run"]) == 2
    assert "CHIPAO_KEY" in capsys.readouterr().err


def test_run_without_landing_files_says_where_they_go(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CHIPAO_HOME", str(tmp_path))
    assert main(["run"]) == 2
    assert "chipao generate" in capsys.readouterr().err


def test_sql_before_any_run_says_what_to_do(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CHIPAO_HOME", str(tmp_path))
    assert main(["sql", "SELECT 1"]) == 2
    assert "chipao run" in capsys.readouterr().err


def test_generate_refuses_a_bad_scale_or_year_in_one_line(tmp_path, capsys):
    assert main(["generate", "--scale", "huge", "--out", str(tmp_path)]) == 2
    assert main(["generate", "--scale", "tiny", "--years", "2022", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and err[0].startswith("scale 'huge'") and "CE" in err[1]
    assert not any(tmp_path.iterdir())


# --- chipao sql cannot write, attach or load; its results open in Excel ---------------------


@pytest.mark.parametrize(
    "statement",
    [
        "COPY marts.area_summary TO 'out.csv'",
        "COPY (SELECT 1) TO '/tmp/chipao-out.parquet' (FORMAT parquet)",
        "EXPORT DATABASE 'dump'",
        "ATTACH 'other.duckdb' AS other",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SELECT 1; COPY marts.area_summary TO 'out.csv'",
    ],
)
def test_sql_refuses_writes_attaches_and_extensions(statement, run, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("CHIPAO_HOME", str(run.home))
    monkeypatch.chdir(tmp_path)
    assert main(["sql", statement]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "refused" in err[0] and "Traceback" not in err[0]
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "statement",
    [
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM glob('/*')",
        "SET enable_external_access = true",
        "SET lock_configuration = false",
        "CALL sqlsmith()",
    ],
)
def test_sql_sandbox_holds_behind_the_statement_check(statement, run, monkeypatch, capsys):
    """What the statement check lets through, DuckDB's locked configuration still refuses."""
    monkeypatch.setenv("CHIPAO_HOME", str(run.home))
    assert main(["sql", statement]) == 1
    assert "query failed" in capsys.readouterr().err


def test_sql_csv_has_a_bom_and_xlsx_keeps_thai_and_formula_text(run, monkeypatch, capsys, tmp_path):
    import openpyxl

    monkeypatch.setenv("CHIPAO_HOME", str(run.home))
    query = (
        "SELECT name_th, '=1+1' AS formula FROM marts.area_summary WHERE level = 'country' LIMIT 1"
    )
    assert main(["sql", query, "--csv"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("\ufeffname_th,formula\n") and "ประเทศไทย" in out
    book = tmp_path / "result.xlsx"
    assert main(["sql", query, "--xlsx", str(book)]) == 0
    sheet = openpyxl.load_workbook(book).active
    assert [c.value for c in sheet[2]] == ["ประเทศไทย", "=1+1"]
    assert sheet["B2"].data_type == "s"  # text, not a formula


@pytest.mark.parametrize(
    ("where", "hint"),
    [
        ("year_be = 2023", "year_be = 2566"),
        ("year = 2566", "year_be = 2566"),
        ("level = 'provinces'", "levels are country"),
    ],
)
def test_sql_empty_results_get_a_hint(where, hint, run, monkeypatch, capsys):
    monkeypatch.setenv("CHIPAO_HOME", str(run.home))
    assert main(["sql", f"FROM marts.area_summary WHERE {where}"]) == 0
    err = capsys.readouterr().err
    assert err.startswith("no rows") and hint in err


def test_sql_a_query_that_is_right_gets_no_hint(run, monkeypatch, capsys):
    monkeypatch.setenv("CHIPAO_HOME", str(run.home))
    assert main(["sql", "FROM marts.area_summary WHERE year_be = 2566 AND persons < 0"]) == 0
    assert capsys.readouterr().err.strip() == "no rows"


def test_age_bands_sort_in_catalog_order(run, monkeypatch, capsys):
    from schemas import catalog

    monkeypatch.setenv("CHIPAO_HOME", str(run.home))
    query = "SELECT age_band FROM core.dim_age_band ORDER BY sort_order"
    assert main(["sql", query, "--csv"]) == 0
    bands = capsys.readouterr().out.lstrip("\ufeff").split()[1:]
    assert bands == [b.code for b in catalog.age_bands()]
    assert bands != sorted(bands)  # text order would put 15-21 before 6-14


# --- user errors: one line, exit code 2, no traceback ----------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--years", "2024"],
        ["run", "--years", "25x5"],
        ["generate", "--scale", "huge"],
        ["generate", "--years", "2567-2565"],
        ["bench", "--scale", "huge"],
        ["sql", "SELECT 1", "--max-rows", "many"],
        ["no-such-command"],
    ],
)
def test_user_errors_are_one_line_with_exit_code_2(argv, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CHIPAO_HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's own refusals exit
        code = exit_.code
    assert code == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in captured.err + captured.out


def test_chipao_years_is_the_default_and_a_bad_value_stops_only_its_users(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("CHIPAO_HOME", str(tmp_path))
    monkeypatch.setenv("CHIPAO_YEARS", "2024")
    assert main(["init"]) == 0  # does not use the years
    capsys.readouterr()
    assert main(["generate", "--scale", "tiny", "--out", str(tmp_path / "g")]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "CHIPAO_YEARS='2024'" in line and "CE" in line
    monkeypatch.setenv("CHIPAO_YEARS", "2566")
    assert main(["generate", "--scale", "tiny", "--out", str(tmp_path / "g")]) == 0
    assert sorted(p.name for p in (tmp_path / "g" / "bmn").iterdir()) == ["2566"]
