"""The chipao command: help, queries on the published snapshot, clear refusals."""

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
    assert lines[0] == "level,n"
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


def test_sql_cannot_write(run, monkeypatch, capsys):
    monkeypatch.setenv("CHIPAO_HOME", str(run.home))
    assert main(["sql", "DELETE FROM marts.area_summary"]) == 1
    assert "read-only" in capsys.readouterr().err.lower()


def test_status_prints_the_ledger_per_year(run, monkeypatch, capsys):
    monkeypatch.setenv("CHIPAO_HOME", str(run.home))
    monkeypatch.setenv("CHIPAO_KEY", TEST_KEY)
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "2566: 2 files" in out
    assert "citizen_id_check_digit 1" in out  # the one broken member, with its rule
    for year in (2565, 2566):
        assert f"{year}: published " in out and "(2 files), inputs unchanged" in out


def test_status_without_the_key_still_reports(run, monkeypatch, capsys):
    monkeypatch.setenv("CHIPAO_HOME", str(run.home))
    monkeypatch.delenv("CHIPAO_KEY", raising=False)
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "2566: 2 files" in out and "inputs not compared (no pseudonymisation key" in out


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


def test_sql_before_any_run_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("CHIPAO_HOME", str(tmp_path))
    with pytest.raises(SystemExit, match="chipao run"):
        main(["sql", "SELECT 1"])


def test_generate_refuses_a_bad_scale_or_year_in_one_line(tmp_path, capsys):
    assert main(["generate", "--scale", "huge", "--out", str(tmp_path)]) == 2
    assert main(["generate", "--scale", "tiny", "--years", "2022", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and err[0].startswith("scale 'huge'") and "CE" in err[1]
    assert not any(tmp_path.iterdir())
