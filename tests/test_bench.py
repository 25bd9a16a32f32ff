"""`chipao bench` on the tiny sample: its tables, its reference lines, docs/performance.md.

Nothing here asserts a duration: the figures live in docs/performance.md, the tests check that
every step is there, that the rows are the step's own and that the references read the same
data as the pipeline.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

import measures
from pipelines import bench
from pipelines.baselines import BaselineFailed, duckdb_floor, weighted_gini
from pipelines.cli import build_parser, main
from pipelines.definitions import defs

# Two years: the second has a year before it, so the progress and panel steps write rows.
FIRST, YEAR = 2565, 2566
COMMAND = f"chipao bench --scale tiny --years {FIRST}-{YEAR}"
# Steps that write files, not rows: the exports and the published snapshot.
FILE_STEPS = {"exports__area_files", "published__warehouse"}
# The report packs are written for the latest year only; their rows are the packs written.
LATEST_ONLY = {"exports__report_packs"}


@pytest.fixture(scope="module")
def home(tmp_path_factory):
    return tmp_path_factory.mktemp("bench")


@pytest.fixture(scope="module")
def report(home):
    return bench.run_bench("tiny", [FIRST, YEAR], home, progress=lambda _: None)


@pytest.fixture(scope="module")
def section(report):
    return bench.render(report, COMMAND)


def table_rows(section: str, heading: str) -> list[list[str]]:
    """The body rows of the markdown table under `heading`, as cells."""
    block = section.split(f"### {heading}\n", 1)[1].split("\n### ", 1)[0]
    rows = [line for line in block.splitlines() if line.startswith("| ")]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[1:]]


def test_one_row_per_step_of_the_survey_year_job(section):
    rows = table_rows(section, f"Survey year {YEAR}")
    steps = [r[0] for r in rows[:-1]]
    job = defs.resolve_job_def("refresh_survey_year")
    assert sorted(steps) == sorted(node.name for node in job.nodes)
    assert rows[-1][0] == "whole run, Dagster included"


def test_each_step_reports_its_own_rows_and_memory(report, section):
    for label in (FIRST, YEAR):
        for stage in report.table(str(label)).stages:
            assert stage.peak_rss > 0
            if stage.name in FILE_STEPS or (stage.name in LATEST_ONLY and label != YEAR):
                assert stage.rows is None, (label, stage.name)
            elif stage.name in bench.COMPARING_STEPS and label == FIRST:
                assert stage.rows == 0, stage.name  # nothing before it to compare with
            else:
                assert stage.rows > 0, (label, stage.name)
    steps = {s.name for s in report.table(str(YEAR)).stages}
    assert {*bench.COMPARING_STEPS, "marts__area_targeting"} <= steps
    assert f"- {FIRST} has no survey year before it in the run" in section
    by_step = {r[0]: r for r in table_rows(section, f"Survey year {YEAR}")}
    # The ingest counts the rows it read, the facts what they wrote: one per household.
    assert by_step["staging_bmn"][1] == f"{report.rows[YEAR]['rows_read']:,} read"
    assert by_step["core__fact_household"][1] == f"{report.rows[YEAR]['households']:,} written"
    assert by_step["gx_quality"][1].endswith("validated")
    assert by_step["exports__area_files"][3] == "–"
    # suppression is a step of its own, counting the cells it hid
    assert by_step["exports__suppressed_cells"][1].endswith(" written")
    assert report.table("Reference tables (once per run)").stages


def test_rows_read_are_households_plus_members(report):
    rows = report.rows[YEAR]
    assert rows["households"] > 1_000
    # clean files: every row staged, the case records' too
    assert rows["rows_read"] == rows["households"] + rows["persons"] + rows["cases"]


def test_ratio_lines_are_present_and_finite(section):
    for name in ("floor", "pandas"):
        found = re.search(rf"^chipao / {name} = (\S+)$", section, re.M)
        assert found, name
        value = float(found[1])
        assert math.isfinite(value) and value > 0


def test_the_floor_reads_every_row_the_pipeline_read(report):
    assert report.floor.files == 3  # households, members, case records
    assert report.floor.rows == report.rows[YEAR]["rows_read"]


def test_the_pandas_script_computes_what_chipao_computes(report):
    assert report.pandas.households == report.rows[YEAR]["households"]
    assert sum(report.pandas.persons.values()) == report.rows[YEAR]["persons"]
    agreed = report.agreement
    assert agreed.same_provinces and agreed.persons_equal and agreed.provinces == 1
    assert agreed.gini_gap < 1e-9
    assert 0 < report.pandas.peak_rss_bytes < report.peak_rss
    assert str(agreed).startswith("yes:")


def test_the_section_names_machine_scale_and_rows(report, section):
    assert section.startswith("## Scale tiny\n")
    assert f"`{COMMAND}`" in section
    assert f"{report.machine['cores']} cores" in section
    assert "load average" not in section  # the machine and the date, nothing about the measuring
    assert f"{YEAR}: {report.rows[YEAR]['rows_read']:,} rows read" in section
    # The ingest's own split of its time, for the validation target.
    ingest = report.table(str(YEAR)).ingest
    assert {"read_seconds", "validate_seconds", "ingest_seconds", "validation_share"} <= set(ingest)
    assert re.search(r"^Ingest by its own account: read \S+ s, validate ", section, re.M)


def test_the_sample_is_kept_and_the_run_state_removed(report, home):
    assert sorted(p.name for p in home.iterdir()) == ["landing"]
    assert bench.prepare_sample("tiny", [YEAR], home / "landing", print) is None


def test_a_sample_of_another_scale_is_refused(report, home):
    with pytest.raises(bench.BenchError, match="holds a tiny sample, not demo"):
        bench.prepare_sample("demo", [YEAR], home / "landing", print)


def test_delivered_files_are_refused_and_left_alone(tmp_path):
    (tmp_path / "bmn" / "2565" / "households").mkdir(parents=True)
    for years in ([2565], [2566]):
        with pytest.raises(bench.BenchError, match="generated samples only"):
            bench.prepare_sample("tiny", years, tmp_path, print)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["2565", "bmn", "households"]


def test_peak_is_the_highest_sample_in_the_window():
    sampler = bench.RssSampler()
    sampler.times = [1.0, 2.0, 3.0, 4.0]
    sampler.rss = [10, 30, 20, 5]
    assert sampler.peak(1.5, 3.5) == 30
    assert sampler.peak(3.0, 4.0) == 20
    # A step between two samples: the first one after it.
    assert sampler.peak(3.2, 3.4) == 5
    assert sampler.peak(9.0, 9.5) == 5


DOC = """# Performance

intro

<!-- bench:demo:begin -->
## Scale demo
old demo figures
<!-- bench:demo:end -->

<!-- bench:0.1:begin -->
## Scale 0.1
ten per cent figures
<!-- bench:0.1:end -->
"""


def test_a_section_replaces_its_scale_and_keeps_the_others():
    text = bench.replace_section(DOC, "demo", "## Scale demo\nnew demo figures\n")
    assert "new demo figures" in text and "old demo figures" not in text
    assert text.count("<!-- bench:demo:begin -->") == 1
    assert "ten per cent figures" in text
    assert text.index("new demo figures") < text.index("ten per cent figures")
    assert text.startswith("# Performance\n\nintro\n")
    # Replacing again with the same figures changes nothing.
    assert bench.replace_section(text, "demo", "## Scale demo\nnew demo figures\n") == text


def test_a_new_scale_is_added_at_the_end():
    text = bench.replace_section(DOC, "national", "## Scale national\nfigures\n")
    assert text.startswith(DOC.rstrip("\n"))
    assert text.endswith("<!-- bench:national:begin -->\n## Scale national\nfigures\n"
                         "<!-- bench:national:end -->\n")  # fmt: skip


def test_a_new_document_starts_with_its_header(tmp_path):
    doc = bench.write_doc("## Scale tiny\nfigures\n", "tiny", tmp_path / "docs" / "perf.md")
    text = doc.read_text(encoding="utf-8")
    assert text.startswith(bench.DOC_HEADER)
    assert "<!-- bench:tiny:begin -->\n## Scale tiny\nfigures\n<!-- bench:tiny:end -->" in text


def test_bench_command_defaults_and_refusals(tmp_path, monkeypatch, capsys):
    assert build_parser().parse_args(["bench"]).scale == "demo"
    monkeypatch.setenv("CHIPAO_HOME", str(tmp_path))
    assert main(["bench", "--scale", "huge"]) == 2
    assert main(["bench", "--scale", "tiny", "--years", "2023"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2
    assert err[0].startswith("scale 'huge'") and "CE" in err[1]
    assert not (tmp_path / "bench").exists()


def test_the_pandas_gini_is_the_measures_gini():
    rng = np.random.default_rng(3)
    x = np.round(rng.lognormal(10, 1, 500))
    w = rng.integers(1, 8, 500).astype(float)
    assert weighted_gini(x, w) == pytest.approx(measures.gini(x, w), abs=1e-12)
    assert weighted_gini(np.array([1.0, 1.0]), np.array([1.0, 3.0])) == pytest.approx(0.0)


def test_the_floor_reads_csv_and_parquet_only(tmp_path):
    sheet = tmp_path / "households.xlsx"
    sheet.write_bytes(b"")
    with pytest.raises(BaselineFailed, match="CSV and Parquet"):
        duckdb_floor([[sheet]])
