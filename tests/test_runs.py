"""The run layer: only the years whose inputs changed are recomputed, by `chipao run`, the nightly
schedule and the landing sensor alike; a year without landing files is refused before anything,
and leaves no partition behind."""

import contextlib
import hashlib
import io
import os
import re
from socket import gethostname as host

import dagster as dg
import pytest

import pipelines.plan
from assets.publish import INPUTS_TAG
from assets.storage import LandingZone
from pipelines.cli import main
from pipelines.definitions import build_defs
from pipelines.instance import prepare_dagster_home
from pipelines.jobs import landing_years, nightly_refresh
from pipelines.plan import plan_years
from pipelines.recovery import HOST_TAG, PID_TAG
from pipelines.resources import build_resources
from pipelines.run import NoLandingFiles, run_years
from store.inputs import rules_digest, year_inputs
from tests.conftest import TEST_KEY, settings_for
from tests.handmade import household, member, write_landing
from tests.test_recovery import gone_pid, started_run

YEARS = (2565, 2566)


def deliver(home, year):
    households = [household(1, survey_year=year), household(2, survey_year=year)]
    members = [member(1, 1, survey_year=year), member(2, 2, survey_year=year)]
    write_landing(home / "landing", year, households, members)


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def instance_at(settings) -> dg.DagsterInstance:
    """The instance `chipao run` uses, under CHIPAO_HOME/dagster."""
    return dg.DagsterInstance.from_config(str(prepare_dagster_home(settings.dagster_home)))


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.setenv("CHIPAO_HOME", str(tmp_path))
    monkeypatch.setenv("CHIPAO_KEY", TEST_KEY)
    return settings_for(tmp_path)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """Both years run by `chipao run`, run again with nothing changed, then 2566 re-delivered
    and run: what each step printed, and the home, whose run history the schedule and sensor
    test reads next (one home for both: two runs of both years fewer)."""
    home = tmp_path_factory.mktemp("runs")
    seen = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHIPAO_HOME", str(home))
        patch.setenv("CHIPAO_KEY", TEST_KEY)
        settings = settings_for(home)
        for year in YEARS:
            deliver(home, year)
        for step in ("first", "again"):
            with contextlib.redirect_stdout(io.StringIO()) as out:
                seen[f"{step} code"] = main(["run"])
            seen[step] = out.getvalue()
            seen[f"{step} digests"] = digest(settings.warehouse), digest(settings.published)

        # a re-delivered file of 2566 (same bytes, a new mtime): only 2566 runs
        path = next((settings.landing / "bmn" / "2566" / "members").glob("*.csv"))
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        with instance_at(settings) as instance, contextlib.redirect_stdout(io.StringIO()) as out:
            seen["touched results"] = sorted(
                run_years(settings, YEARS, instance, progress=print, log_level="WARNING")
            )
        seen["touched"] = out.getvalue()
    return settings, seen


def test_only_the_years_whose_files_changed_are_run_again(published):
    _, seen = published
    assert seen["first code"] == 0 and seen["again code"] == 0
    out = seen["again"]
    for year in YEARS:
        assert f"{year}: inputs unchanged since " in out and ", skipped" in out
    assert not re.search(r"survey year \d{4} \(", out)  # nothing ran
    assert "rows read = staged + quarantined" in out  # the summary is still printed
    assert seen["again digests"] == seen["first digests"]

    out = seen["touched"]
    assert seen["touched results"] == [2566]
    assert "2565: inputs unchanged since" in out
    assert "survey year 2566 (1/1, inputs changed since" in out


KEY = TEST_KEY.encode()


def test_a_rule_change_makes_every_year_changed(tmp_path, monkeypatch):
    for year in YEARS:
        deliver(tmp_path, year)
    landing = LandingZone(root=str(tmp_path / "landing"))
    with dg.instance_for_test() as instance:
        before = plan_years(instance, landing, tmp_path / "none.duckdb", YEARS, KEY)
        monkeypatch.setattr(pipelines.plan, "rules_digest", lambda key: "another catalog")
        after = plan_years(instance, landing, tmp_path / "none.duckdb", YEARS, KEY)
    for old, new in zip(before, after, strict=True):
        assert old.inputs.files == new.inputs.files
        assert old.inputs.fingerprint != new.inputs.fingerprint


def test_a_new_key_makes_every_year_changed(tmp_path):
    """Another key gives every person new pseudonyms: nothing published under the old one may be
    kept as if it were current."""
    for year in YEARS:
        deliver(tmp_path, year)
    landing = LandingZone(root=str(tmp_path / "landing"))
    with dg.instance_for_test() as instance:
        old = plan_years(instance, landing, tmp_path / "none.duckdb", YEARS, KEY)
        same = plan_years(instance, landing, tmp_path / "none.duckdb", YEARS, KEY)
        new = plan_years(instance, landing, tmp_path / "none.duckdb", YEARS, KEY + b"-rotated")
    for a, b, c in zip(old, same, new, strict=True):
        assert a.inputs.fingerprint == b.inputs.fingerprint
        assert a.inputs.fingerprint != c.inputs.fingerprint
        assert TEST_KEY not in c.inputs.rules  # the key enters only through a hash


def test_a_year_without_files_is_refused_and_leaves_no_partition(cli, capsys):
    deliver(cli.home, 2566)
    (cli.landing / "bmn" / "2599" / "households").mkdir(parents=True)  # a folder, but no file
    assert main(["run", "--years", "2566,2599"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "no landing files for survey year 2599" in err and "nothing was run" in err
    with instance_at(cli) as instance:
        assert instance.get_dynamic_partitions("survey_year") == []
        with pytest.raises(NoLandingFiles):
            run_years(cli, [2599], instance)
        assert instance.get_dynamic_partitions("survey_year") == []
        assert not cli.warehouse.exists()


def test_run_without_years_takes_only_the_folders_with_files(cli, capsys):
    (cli.landing / "bmn" / "2599").mkdir(parents=True)
    assert main(["run"]) == 2
    assert "no survey years in" in capsys.readouterr().err


def test_schedule_and_sensor_ask_only_for_the_years_that_changed(published):
    settings, _ = published  # both years published, by `chipao run`, in this run history
    tmp_path = settings.home
    with instance_at(settings) as instance:
        # the code location, with this test's folders
        resources = build_resources(settings)
        repository = build_defs(settings).get_repository_def()

        # each context closed before the instance: it opens its own on the instance's ref
        def schedule():
            with dg.build_schedule_context(
                instance=instance, repository_def=repository, resources=resources
            ) as context:
                return nightly_refresh.evaluate_tick(context)

        def sensor():
            # as the daemon does: the ref lets the new year's partition resolve in the same tick
            with dg.build_sensor_context(
                instance=instance,
                instance_ref=instance.get_ref(),
                repository_def=repository,
                resources=resources,
            ) as context:
                return landing_years.evaluate_tick(context)

        assert not schedule().run_requests and "unchanged" in schedule().skip_message
        assert not sensor().run_requests and not sensor().dynamic_partitions_requests

        # 2566 re-delivered, a new year 2567 arrives, and a folder 2568 without files yet
        path = next((settings.landing / "bmn" / "2566" / "households").glob("*.csv"))
        stat = path.stat()
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
        deliver(tmp_path, 2567)
        (settings.landing / "bmn" / "2568" / "members").mkdir(parents=True)
        landing = LandingZone(root=str(settings.landing))
        rules = rules_digest(KEY)
        inputs = {y: year_inputs(landing, y, rules).fingerprint for y in (2566, 2567)}

        nightly = schedule().run_requests  # 2567 is not registered yet: the sensor does that
        assert [(r.partition_key, r.tags[INPUTS_TAG]) for r in nightly] == [("2566", inputs[2566])]
        tick = sensor()
        assert [r.partition_key for r in tick.run_requests] == ["2566", "2567"]
        assert [r.run_key for r in tick.run_requests] == [f"{y}:{inputs[y]}" for y in (2566, 2567)]
        assert [list(r.partition_keys) for r in tick.dynamic_partitions_requests] == [["2567"]]

        # a year with a run under way is not asked for again; a killed `chipao run` is not
        # under way: the evaluation fails it
        instance.add_dynamic_partitions("survey_year", ["2567"])
        under_way = started_run(instance, {}, "2566")
        killed = started_run(instance, {PID_TAG: str(gone_pid()), HOST_TAG: host()}, "2567")
        assert [r.partition_key for r in schedule().run_requests] == ["2567"]
        assert instance.get_run_by_id(killed).status == dg.DagsterRunStatus.FAILURE
        assert [r.partition_key for r in sensor().run_requests] == ["2567"]
        assert instance.get_run_by_id(under_way).status == dg.DagsterRunStatus.STARTED
