"""Settings, survey-year parsing and the pseudonymisation key."""

from pathlib import Path

import polars as pl
import pytest

from ingest.pseudonymise import MissingKeyError, create_key_file, load_key, pseudonyms
from pipelines.settings import load_settings, parse_years


def test_parse_years_ranges_and_lists():
    assert parse_years("2565-2567") == (2565, 2566, 2567)
    assert parse_years("2567, 2565") == (2565, 2567)


@pytest.mark.parametrize("text", ["2022", "2567-2565", ""])
def test_parse_years_refuses_ce_backwards_and_empty(text):
    with pytest.raises(ValueError):
        parse_years(text)


def test_defaults_live_under_chipao_home(tmp_path):
    settings = load_settings({"CHIPAO_HOME": str(tmp_path)})
    assert settings.warehouse == tmp_path / "warehouse.duckdb"
    assert settings.dagster_home == tmp_path / "dagster"
    assert settings.key_file == tmp_path / "pseudonym.key"
    assert settings.years == (2565, 2566, 2567)


def test_no_key_refuses_with_instructions(tmp_path):
    with pytest.raises(MissingKeyError, match="CHIPAO_KEY"):
        load_key(None, tmp_path / "none.key")
    with pytest.raises(MissingKeyError, match="shorter"):
        load_key("short", tmp_path / "none.key")


def test_key_file_is_created_once_and_private(tmp_path):
    path = tmp_path / "k" / "pseudonym.key"
    assert create_key_file(path) is True
    first = path.read_text()
    assert create_key_file(path) is False and path.read_text() == first
    assert path.stat().st_mode & 0o077 == 0
    assert len(load_key(None, path)) >= 32


def test_pseudonyms_are_keyed_stable_and_purpose_bound():
    ids = pl.Series(["1101700203451", "1101700203451", "3100600123456"])
    key = b"k" * 32
    person = pseudonyms(ids, key, "person")
    assert person[0] == person[1] and person[0] != person[2]
    assert pseudonyms(ids, b"x" * 32, "person")[0] != person[0]
    assert pseudonyms(ids, key, "house")[0] != person[0]
    assert "1101700203451" not in str(person.to_list())


def test_no_module_changes_the_environment_when_imported():
    import os
    import subprocess
    import sys

    # Third-party packages set their own variables on import; ours must set none.
    code = (
        "import os; before = dict(os.environ); import pipelines.definitions, pipelines.cli; "
        "changed = {k for k in os.environ if before.get(k) != os.environ[k]}; "
        "assert not {k for k in changed if k.startswith(('CHIPAO', 'DAGSTER'))}, changed"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        cwd=Path(__file__).parents[1],
        env={**os.environ, "CHIPAO_HOME": "/tmp/chipao-import-test"},
    )


def test_pseudonyms_are_standard_hmac_sha256():
    import hashlib
    import hmac

    ids = ["1101700203451", "3100600123456", "ก๑"]
    for key in (b"k" * 32, b"a-long-key" * 10):  # longer than a SHA-256 block is hashed first
        got = pseudonyms(pl.Series(ids), key, "person").to_list()
        expected = [
            int.from_bytes(
                hmac.new(key, b"person\x00" + v.encode(), hashlib.sha256).digest()[:8],
                "big",
                signed=True,
            )
            for v in ids
        ]
        assert got == expected


def test_where_staging_runs_and_where_files_are_are_settings():
    from ingest.location import is_remote
    from pipelines.settings import SettingError

    settings = load_settings({
        "CHIPAO_HOME": "/srv/chipao", "CHIPAO_DASK_SCHEDULER": "tcp://10.0.0.5:8786",
        "CHIPAO_LANDING": "s3://centre/landing", "CHIPAO_STAGED": "s3://centre/staged",
    })  # fmt: skip
    assert settings.dask_scheduler == "tcp://10.0.0.5:8786"
    assert is_remote(settings.landing) and str(settings.landing) == "s3://centre/landing"
    assert is_remote(settings.staged) and settings.staged_copy == Path("/srv/chipao/staged")
    default = load_settings({"CHIPAO_HOME": "/srv/chipao"})
    assert default.dask_scheduler is None and default.landing == Path("/srv/chipao/landing")
    with pytest.raises(SettingError, match="CHIPAO_DASK_SCHEDULER='dask'"):
        load_settings({"CHIPAO_DASK_SCHEDULER": "dask"})
    with pytest.raises(SettingError, match="CHIPAO_LANDING='nosuch://x'"):
        load_settings({"CHIPAO_LANDING": "nosuch://x"})


def test_a_worker_with_another_key_refuses_to_stage(tmp_path, monkeypatch):
    from ingest.pseudonymise import KeyRef, key_digest, worker_key

    writer = b"writer-key-" + b"0123456789abcdef" * 2
    other = tmp_path / "other.key"
    other.write_text("another-key-" + "0123456789abcdef" * 2, encoding="utf-8")
    monkeypatch.delenv("CHIPAO_KEY", raising=False)
    monkeypatch.setenv("CHIPAO_KEY_FILE", str(other))
    with pytest.raises(MissingKeyError, match="not the writer's"):
        worker_key(KeyRef(key_digest(writer)))
    monkeypatch.setenv("CHIPAO_KEY", writer.decode())
    assert worker_key(KeyRef(key_digest(writer), "/nowhere")) == writer
