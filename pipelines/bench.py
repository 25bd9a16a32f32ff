"""`chipao bench`: every step of the pipeline timed on a generated sample, with its memory,
against two reference lines (pipelines/baselines.py); the results go to docs/performance.md.

The sample is generated once per scale in the bench home (default CHIPAO_HOME/bench/<scale>)
and reused by later runs. Each run starts from an empty warehouse in a state folder beside the
sample and removes it at the end, so runs compare and a national warehouse does not pile up.
"""

from __future__ import annotations

import bisect
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import dagster as dg

from assets.metadata import ROW_COUNT
from assets.storage import LandingZone
from pipelines.baselines import (
    BaselineFailed,
    FloorLine,
    PandasLine,
    duckdb_floor,
    run_pandas_script,
)
from pipelines.query import query
from pipelines.run import run_years
from pipelines.settings import PROJECT_ROOT, load_settings
from synthetic import generate, parse_scale

# Only synthetic files meet this key (prepare_sample refuses others); fixed, runs compare.
BENCH_KEY = "chipao-bench-key-" + "0123456789abcdef" * 2
SAMPLE_SECONDS = 0.05
DOC = PROJECT_ROOT / "docs" / "performance.md"
DOC_HEADER = """# Performance

Written by `chipao bench` (`make bench` runs the demo scale): one section per scale, replaced
each time that scale is measured. Each run starts from an empty warehouse on clean generated
files (no defects), already in the page cache for the pipeline and both reference lines.
"""
MIB = 1024 * 1024
# Steps that compare a survey year with the one before (the progress and panel marts): the
# first year benched writes no rows there, so a bench of two years or more measures them.
COMPARING_STEPS = ("household_panel", "marts__area_progress")


class BenchError(RuntimeError):
    """A bench that cannot start; the message says what to do."""


def current_rss() -> int:
    """Resident set size of this process now, in bytes (Linux)."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss() -> int:
    """Peak RSS of this process so far, in bytes (ru_maxrss)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


class RssSampler:
    """Samples the process's RSS in a thread, so each step's peak can be read afterwards from
    the step's start and end times (Dagster's event timestamps, time.time())."""

    def __init__(self, interval: float = SAMPLE_SECONDS):
        self.interval = interval
        self.times: list[float] = []
        self.rss: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _sample(self) -> None:
        self.times.append(time.time())
        self.rss.append(current_rss())

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> RssSampler:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    def peak(self, start: float, end: float) -> int:
        """The highest sample in [start, end]; for a step shorter than the interval, the first
        sample after it (what it left behind), else the last one."""
        first = bisect.bisect_left(self.times, start)
        last = bisect.bisect_right(self.times, end)
        window = self.rss[first:last] or self.rss[last : last + 1] or self.rss[-1:]
        return max(window)


@dataclass(frozen=True)
class Stage:
    name: str
    rows: int | None  # None: the step reports no rows (the landing inventory counts files)
    counted: str  # what the rows are: "read", "written" or "validated"
    seconds: float
    peak_rss: int

    @property
    def rows_per_second(self) -> float | None:
        if self.rows is None or self.seconds <= 0:
            return None
        return self.rows / self.seconds


@dataclass(frozen=True)
class RunTable:
    label: str
    stages: list[Stage]
    whole: Stage  # the run from its first to its last event, Dagster included
    ingest: dict[str, float] = field(default_factory=dict)  # the ingest's own account of its time


@dataclass
class BenchReport:
    scale: str
    years: list[int]
    machine: dict[str, str]
    date: str
    generated_seconds: float | None  # None: the sample was there already
    tables: list[RunTable]
    rows: dict[int, dict[str, int]]  # per year: rows_read, households, persons, cases
    floor: FloorLine | None = None
    pandas: PandasLine | None = None
    failures: dict[str, str] = field(default_factory=dict)  # reference line -> why it failed
    agreement: Agreement | None = None
    peak_rss: int = 0

    @property
    def chipao_seconds(self) -> float:
        """Wall seconds of the pipeline for the last year, the one the references read."""
        return self.table(str(self.years[-1])).whole.seconds

    def table(self, label: str) -> RunTable:
        return next(t for t in self.tables if t.label == label)

    def ratios(self) -> dict[str, float | None]:
        return {
            "floor": self.chipao_seconds / self.floor.seconds if self.floor else None,
            "pandas": self.chipao_seconds / self.pandas.seconds if self.pandas else None,
        }


def machine() -> dict[str, str]:
    cpu = "unknown CPU"
    memory = "unknown memory"
    try:
        info = Path("/proc/cpuinfo").read_text()
        cpu = re.search(r"^model name\s*:\s*(.+)$", info, re.M).group(1).strip()
        kib = int(re.search(r"^MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text(), re.M)[1])
        memory = f"{kib / MIB:.1f} GiB"
    except (OSError, AttributeError, TypeError):
        pass  # not Linux: the figures are still worth printing without the machine
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cores": str(usable), "memory": memory, "cpu": cpu}


def _readme_scale(landing: Path) -> str | None:
    """The scale a generated sample records in its README; None for files not generated."""
    readme = landing / "README.md"
    if not readme.is_file():
        return None
    found = re.search(r"^- scale: (\S+) ", readme.read_text(encoding="utf-8"), re.M)
    return found[1] if found else None


def prepare_sample(
    scale: str, years: Sequence[int], landing: Path, progress: Callable[[str], None]
) -> float | None:
    """Generate the sample unless `landing` already holds these years of this scale; the
    seconds it took, or None when the sample was reused. Delivered files are refused: the
    bench pseudonymises with a key printed in its source."""
    wanted = parse_scale(scale).name
    present = LandingZone(root=str(landing)).years()
    recorded = _readme_scale(landing)
    if present and recorded is None:
        raise BenchError(
            f"{landing} holds files that `chipao generate` did not write (no SYNTHETIC "
            "README.md): the bench runs on generated samples only; pass another --home"
        )
    if present and recorded != wanted:
        raise BenchError(f"{landing} holds a {recorded} sample, not {wanted}: pass another --home")
    missing = sorted(set(years) - set(present))
    if not missing:
        return None
    # A year of the panel depends on the years before it: regenerate them all together.
    chosen = sorted(set(years) | set(present))
    progress(f"generating the {wanted} sample for {chosen} in {landing} ...")
    started = time.perf_counter()
    generate(scale, chosen, out=landing)
    seconds = time.perf_counter() - started
    progress(f"sample generated in {seconds:.1f}s")
    return seconds


def _metadata(entry) -> tuple[str, dict] | None:
    event = entry.dagster_event
    if event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
        data = event.event_specific_data.materialization.metadata
        return "materialization", {k: v.value for k, v in data.items()}
    if event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
        return "check", {k: v.value for k, v in event.event_specific_data.metadata.items()}
    return None


def _counted(reports: list[tuple[str, dict]]) -> tuple[int | None, str]:
    """A step's rows, from its own metadata: rows read (ingest), else rows written, else rows
    its checks validated (each GX suite once)."""
    done = [m for kind, m in reports if kind == "materialization"]
    if read := [m["rows_read"] for m in done if "rows_read" in m]:
        return sum(read), "read"
    if written := [m[ROW_COUNT] for m in done if ROW_COUNT in m]:
        return sum(written), "written"
    checked = [m for kind, m in reports if kind == "check" and "rows_validated" in m]
    # a GX suite once (its checks share it); any other check by itself
    if suites := {m.get("gx_suite", n): m["rows_validated"] for n, m in enumerate(checked)}:
        return sum(suites.values()), "validated"
    return None, ""


def run_table(label: str, entries: list, sampler: RssSampler) -> RunTable:
    """One row per step of a run, in the order the steps started."""
    entries = [e for e in entries if e.dagster_event is not None]
    starts: dict[str, float] = {}
    ends: dict[str, float] = {}
    reports: dict[str, list[tuple[str, dict]]] = {}
    for entry in entries:
        event = entry.dagster_event
        if event.is_step_start:
            starts[event.step_key] = entry.timestamp
        elif event.is_step_success:
            ends[event.step_key] = entry.timestamp
        elif (found := _metadata(entry)) is not None:
            reports.setdefault(event.step_key, []).append(found)
    stages = []
    for step, start in starts.items():
        rows, counted = _counted(reports.get(step, []))
        end = ends[step]
        stages.append(Stage(step, rows, counted, end - start, sampler.peak(start, end)))
    first, last = entries[0].timestamp, entries[-1].timestamp
    read = next((s for s in stages if s.counted == "read"), None)
    whole = Stage(
        "whole run, Dagster included",
        read.rows if read else sum(s.rows or 0 for s in stages),
        "read" if read else "written",
        last - first,
        sampler.peak(first, last),
    )
    ingest = next(
        (m for found in reports.values() for _, m in found if "rows_read" in m),
        {},
    )
    timings = {k: v for k, v in ingest.items() if k.endswith("_seconds") or k.endswith("_share")}
    return RunTable(label, stages, whole, timings)


def _year_rows(table: RunTable, entries: list) -> dict[str, int]:
    written = {}
    for entry in entries:
        event = entry.dagster_event
        if event is not None and event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
            materialization = event.event_specific_data.materialization
            if ROW_COUNT in materialization.metadata:
                written[materialization.asset_key] = materialization.metadata[ROW_COUNT].value
    return {
        "rows_read": table.whole.rows or 0,
        "households": written.get(dg.AssetKey(["staging", "household"]), 0),
        "persons": written.get(dg.AssetKey(["staging", "member"]), 0),
        "cases": written.get(dg.AssetKey(["core", "fact_case"]), 0),
    }


@dataclass(frozen=True)
class Agreement:
    """Whether the pandas script computed what Chipao computed, province by province:
    otherwise the ratio compares unlike things (on files with defects it will not agree, as
    Chipao quarantines rows and pandas takes them)."""

    provinces: int
    same_provinces: bool
    persons_equal: bool
    gini_gap: float | None  # the largest absolute difference

    def __str__(self) -> str:
        if not self.same_provinces:
            return "no: the two found different provinces"
        persons = "equal" if self.persons_equal else "DIFFERENT"
        return (
            f"{'yes' if self.persons_equal and self.gini_gap < 1e-9 else 'no'}: "
            f"{self.provinces} provinces, persons {persons}, largest Gini difference "
            f"{self.gini_gap:.1e}"
        )


def agreement(settings, year: int, pandas: PandasLine) -> Agreement:
    ours = query(
        "SELECT area_code, persons, gini FROM marts.area_inequality "
        "WHERE level = 'province' AND year_be = $year",
        {"year": year},
        settings,
    )
    gini = dict(zip(ours["area_code"], ours["gini"], strict=True))
    persons = dict(zip(ours["area_code"], ours["persons"], strict=True))
    if gini.keys() != pandas.gini.keys():
        return Agreement(len(gini), False, False, None)
    return Agreement(
        provinces=len(gini),
        same_provinces=True,
        persons_equal=all(persons[p] == pandas.persons[p] for p in persons),
        gini_gap=max(abs(gini[p] - pandas.gini[p]) for p in gini),
    )


def run_bench(
    scale: str,
    years: Sequence[int],
    home: Path,
    progress: Callable[[str], None] = print,
) -> BenchReport:
    """Generate (once) and run the sample, measure the reference lines on the last year."""
    years = sorted(years)
    home = Path(home).resolve()
    landing = home / "landing"
    generated = prepare_sample(scale, years, landing, progress)
    report = BenchReport(
        scale=parse_scale(scale).name,
        years=years,
        machine=machine(),
        date=datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        generated_seconds=generated,
        tables=[],
        rows={},
    )
    state = Path(tempfile.mkdtemp(prefix="run-", dir=home))
    try:
        _link_tree(landing, state / "landing")
        # in a key file: Dagster takes a key from the environment or a file, never as a value
        key_file = state / "pseudonym.key"
        key_file.write_text(BENCH_KEY, encoding="utf-8")
        key_file.chmod(0o600)
        settings = load_settings({"CHIPAO_HOME": str(state), "CHIPAO_KEY_FILE": str(key_file)})
        with RssSampler() as sampler, dg.DagsterInstance.ephemeral() as instance:
            results = run_years(
                settings, years, instance, progress=progress, log_level="WARNING", force=True
            )
            yearly = {result.run_id: year for year, result in results.items()}
            for run in reversed(instance.get_runs()):  # oldest first: the reference tables
                entries = instance.all_logs(run.run_id)
                year = yearly.get(run.run_id)
                label = str(year) if year else "Reference tables (once per run)"
                table = run_table(label, entries, sampler)
                report.tables.append(table)
                if year:
                    report.rows[year] = _year_rows(table, entries)
        last = years[-1]
        files = LandingZone(root=str(landing)).bmn_files(last)
        households, members = files["bmn_household"], files["bmn_member"]
        cases = files["case_record"]  # the floor reads every file the ingest read
        progress(f"reference lines on the {len(households) + len(members)} files of {last} ...")
        try:
            report.floor = duckdb_floor([households, members, cases])
        except BaselineFailed as err:
            report.failures["floor"] = str(err)
        try:
            report.pandas = run_pandas_script(households, members)
            report.agreement = agreement(settings, last, report.pandas)
        except BaselineFailed as err:
            report.failures["pandas"] = str(err)
    finally:
        shutil.rmtree(state, ignore_errors=True)
    report.peak_rss = peak_rss()
    return report


def _link_tree(source: Path, target: Path) -> None:
    """The sample's files under the run's own CHIPAO_HOME as hard links: no copy of gigabytes,
    the same size and mtime, and no symbolic link, which the ingest refuses when it leads out
    of CHIPAO_HOME (ingest/landing.py)."""
    for path in sorted(source.rglob("*")):
        there = target / path.relative_to(source)
        if path.is_dir():
            there.mkdir(parents=True, exist_ok=True)
            continue
        there.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, there)
        except OSError:  # a file system without hard links
            shutil.copy2(path, there)


def _n(value: float | None, digits: int = 0) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def _stage_line(stage: Stage) -> str:
    rows = f"{stage.rows:,} {stage.counted}" if stage.rows is not None else "– (files)"
    return (
        f"| {stage.name} | {rows} | {stage.seconds:.2f} | {_n(stage.rows_per_second)} "
        f"| {stage.peak_rss / MIB:,.0f} |"
    )


def render(report: BenchReport, command: str) -> str:
    """The section of docs/performance.md for the report's scale, in markdown."""
    m = report.machine
    last = report.years[-1]
    # the machine and the date say where the figures hold; nothing about the measuring itself
    lines = [
        f"## Scale {report.scale}",
        "",
        f"`{command}` on {report.date}: {m['cores']} cores ({m['cpu']}), {m['memory']}.",
        "",
    ]
    for year in report.years:
        r = report.rows[year]
        lines.append(
            f"- {year}: {r['rows_read']:,} rows read ({r['households']:,} households, "
            f"{r['persons']:,} persons, {r.get('cases', 0):,} case records staged)"
        )
    if report.generated_seconds is not None:
        lines.append(f"- sample generated in this run: {report.generated_seconds:.1f} s")
    first = report.years[0]
    lines.append(
        f"- {first} has no survey year before it in the run: its {' and '.join(COMPARING_STEPS)} "
        "steps write no rows "
        + (
            "(each later year's compare it with the year before)"
            if len(report.years) > 1
            else "(bench two years or more, `--years 2565-2566`, to measure them)"
        )
    )
    for table in report.tables:
        lines += [
            "",
            f"### Survey year {table.label}" if table.label.isdigit() else f"### {table.label}",
            "",
            "| step | rows | seconds | rows/s | peak RSS (MiB) |",
            "|---|---:|---:|---:|---:|",
            *(_stage_line(s) for s in table.stages),
            _stage_line(table.whole),
        ]
        if table.ingest:
            parts = [
                f"{k.removesuffix('_seconds')} {v:.2f} s"
                for k, v in table.ingest.items()
                if k.endswith("_seconds") and k != "ingest_seconds"
            ]
            lines += [
                "",
                f"Ingest by its own account: {', '.join(parts)} of "
                f"{table.ingest.get('ingest_seconds', 0):.2f} s; validation "
                f"{table.ingest.get('validation_share', 0):.0%} of ingest (target: under 20 %).",
            ]
    lines += [
        "",
        "Rows: what each step reports: read (ingest), written (facts, marts), validated (Great "
        "Expectations). Peak RSS: the highest of the process's resident memory sampled every "
        f"{SAMPLE_SECONDS * 1000:.0f} ms while the step ran.",
        "",
        f"### Reference lines ({last}, the same landing files)",
        "",
        "| line | rows | seconds | peak RSS (MiB) |",
        "|---|---:|---:|---:|",
        f"| Chipao, whole year | {report.rows[last]['rows_read']:,} read "
        f"| {report.chipao_seconds:.2f} | {report.table(str(last)).whole.peak_rss / MIB:,.0f} |",
    ]
    if report.floor:
        lines.append(
            f"| floor: DuckDB reads each of the {report.floor.files} files once, as text "
            f"| {report.floor.rows:,} | {report.floor.seconds:.2f} | (in process) |"
        )
    if report.pandas:
        persons = sum(report.pandas.persons.values())
        lines.append(
            "| plain pandas: per-capita income, persons, Gini per province "
            f"| {persons:,} persons | {report.pandas.seconds:.2f} "
            f"| {report.pandas.peak_rss_bytes / MIB:,.0f} |"
        )
    ratios = report.ratios()
    lines += ["", "```"]
    for name in ("floor", "pandas"):
        value = ratios[name]
        shown = f"{value:.1f}" if value is not None else f"n/a ({report.failures[name]})"
        lines.append(f"chipao / {name} = {shown}")
    lines.append("```")
    if report.agreement:
        lines += ["", f"Do the pandas script and Chipao agree? {report.agreement}."]
    pandas_peak = (
        f"; the pandas script's child process {report.pandas.peak_rss_bytes / MIB:,.0f} MiB"
        if report.pandas
        else ""
    )
    lines += ["", f"Peak RSS of the bench process: {report.peak_rss / MIB:,.0f} MiB{pandas_peak}."]
    return "\n".join(lines) + "\n"


def _markers(scale: str) -> tuple[str, str]:
    return f"<!-- bench:{scale}:begin -->", f"<!-- bench:{scale}:end -->"


def replace_section(text: str, scale: str, section: str) -> str:
    """`text` with the section of `scale` replaced by `section`, or added at the end; the
    sections of other scales stay as they are."""
    begin, end = _markers(scale)
    block = f"{begin}\n{section.rstrip()}\n{end}\n"
    if not text.strip():
        return f"{DOC_HEADER}\n{block}"
    found = re.search(re.escape(begin) + r".*?" + re.escape(end) + r"\n?", text, re.S)
    if found:
        return text[: found.start()] + block + text[found.end() :]
    return text.rstrip("\n") + "\n\n" + block


def write_doc(section: str, scale: str, doc: Path = DOC) -> Path:
    text = doc.read_text(encoding="utf-8") if doc.exists() else ""
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(replace_section(text, scale, section), encoding="utf-8")
    return doc
