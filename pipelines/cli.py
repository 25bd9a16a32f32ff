"""`chipao`: generate a sample, run the pipeline, query the warehouse.

Each command reads its settings from the environment (CHIPAO_HOME, CHIPAO_YEARS, CHIPAO_KEY,
CHIPAO_KEY_FILE); see docs/operators.md, "Settings".
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import sql
from pipelines.errors import UserError
from pipelines.settings import Settings, load_settings, parse_years

EPILOG = "Settings come from the environment: CHIPAO_HOME (default .chipao/ in the project)."


def _settings() -> Settings:
    return load_settings()


def _years(text: str | None, settings: Settings | None = None) -> tuple[int, ...]:
    """--years, or CHIPAO_YEARS when not given; a bad value is the user's to fix."""
    if text is None:
        return (settings or _settings()).years
    try:
        return parse_years(text)
    except ValueError as err:
        raise UserError(f"--years {text}: {err}") from None


def cmd_init(args: argparse.Namespace) -> int:
    from ingest.pseudonymise import create_key_file
    from pipelines.instance import prepare_dagster_home

    settings = _settings()
    for folder in (settings.landing, settings.exports):
        folder.mkdir(parents=True, exist_ok=True)
    prepare_dagster_home(settings.dagster_home)
    if settings.key is None and create_key_file(settings.key_file):
        print(
            f"created a local pseudonymisation key: {settings.key_file} (keep it secret, keep it)"
        )
    print(f"CHIPAO_HOME ready: {settings.home}")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from synthetic import generate

    out = Path(args.out) if args.out else _settings().landing
    try:
        summary = generate(
            scale=args.scale,
            years=_years(args.years),
            seed=args.seed,
            out=out,
            fmt=args.format,
            progress=print,
            defects=args.defects,
        )
    except ValueError as err:  # the generator's refusals of a scale, a year or a province
        print(err, file=sys.stderr)
        return 2
    print(summary)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from assets.storage import LandingZone
    from ingest.landing import ce_folders, not_read, waiting_cases
    from store.inputs import years_with_files

    settings = _settings()
    for line in ce_folders(settings.landing):  # a CE folder (2022/) is no survey year: say so
        print(line, file=sys.stderr)
    for line in waiting_cases(settings.landing):  # nor are case records without their survey
        print(line, file=sys.stderr)
    if args.years:
        years = _years(args.years)
    else:
        years = tuple(years_with_files(LandingZone(root=str(settings.landing))))
        if not years:
            for line in not_read(settings.landing):  # files there, but none it can load
                print(line, file=sys.stderr)
            print(
                f"no survey years in {settings.landing / 'bmn'}: run `chipao generate` or "
                "deliver files there (docs/input.md, 'Input layout')",
                file=sys.stderr,
            )
            return 2
    import dagster as dg

    from ingest.pseudonymise import MissingKeyError, load_key
    from pipelines.display import RunDisplay
    from pipelines.instance import prepare_dagster_home
    from pipelines.run import NoLandingFiles, RunFailed, run_years

    try:
        load_key(settings.key, settings.key_file)
    except MissingKeyError as err:
        print(err, file=sys.stderr)
        return 2
    # The run history lives under CHIPAO_HOME/dagster, the DAGSTER_HOME of `make dev`.
    home = prepare_dagster_home(settings.dagster_home)
    failure = None
    with dg.DagsterInstance.from_config(str(home)) as instance, RunDisplay() as display:
        try:
            # the display shows the steps; Dagster's own console lines (and their tracebacks)
            # stay in the run log, which `make dev` shows
            run_years(
                settings,
                years,
                instance,
                progress=display.line,
                log_level="CRITICAL",
                force=args.force,
                listener=display,
            )
            _load_sources(settings, instance, display.line)
        except NoLandingFiles as err:
            failure = str(err), 2
        except RunFailed as err:
            failure = f"run failed: {err}", 1
    if failure:  # after the display has stopped drawing
        print(failure[0], file=sys.stderr)
        return failure[1]
    _print_status(settings)
    print(
        f"warehouse: {settings.warehouse}\nanalysts' snapshot: {settings.published}\n"
        f"exports: {settings.exports}\nUI: make dev"
    )
    return 0


def _load_sources(settings: Settings, instance, progress) -> None:
    """The figures of the sources already in landing (no network: `chipao pull` fetches)."""
    from pipelines.pull import load

    if load(settings, instance) is not None:
        progress("published figures loaded from landing/sources/")


def cmd_pull(args: argparse.Namespace) -> int:
    import dagster as dg

    from pipelines.instance import prepare_dagster_home
    from pipelines.pull import pull
    from pipelines.run import RunFailed
    from sources.config import ConfigError

    settings = _settings()
    home = prepare_dagster_home(settings.dagster_home)
    try:
        with dg.DagsterInstance.from_config(str(home)) as instance:
            pull(settings, instance, args.sources)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    except RunFailed as err:
        print(f"pull failed: {err}", file=sys.stderr)
        return 1
    con = _connect_published(settings)
    for source, rows, files in con.execute(sql.load("sources/pull_summary")).fetchall():
        print(f"{source}: {files} files, {rows:,} figures")
    print(
        f"landing: {settings.landing / 'sources'}\nfigures: marts.published_figure (`chipao sql`)"
    )
    return 0


def _years_text(years) -> str:
    years = sorted(years)
    if years == list(range(years[0], years[-1] + 1)) and len(years) > 1:
        return f"{years[0]}-{years[-1]}"
    return ",".join(str(y) for y in years)


def cmd_bench(args: argparse.Namespace) -> int:
    from pipelines import bench
    from pipelines.run import RunFailed
    from synthetic import parse_scale

    settings = _settings()
    try:
        scale = parse_scale(args.scale).name
        years = _years(args.years, settings)
    except ValueError as err:
        print(err, file=sys.stderr)
        return 2
    home = Path(args.home) if args.home else settings.home / "bench" / scale
    try:
        report = bench.run_bench(args.scale, years, home)
    except bench.BenchError as err:
        print(err, file=sys.stderr)
        return 2
    except RunFailed as err:
        print(f"run failed: {err}", file=sys.stderr)
        return 1
    section = bench.render(report, f"chipao bench --scale {scale} --years {_years_text(years)}")
    print("\n" + section)
    print(f"written to {bench.write_doc(section, report.scale)}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import os

    import dagster as dg

    from ingest.pseudonymise import MissingKeyError, load_key
    from pipelines import serve
    from pipelines.run import RunFailed, run_reference
    from pipelines.settings import ENV_FILES, read_env_file

    if args.env_file:
        env_file = Path(args.env_file)
    else:
        candidates = [*ENV_FILES, _settings().home / "chipao.env"]
        env_file = next((p for p in candidates if p.is_file()), None)
    if env_file is not None:
        # what the environment sets wins over the file; the webserver, the daemon and the runs
        # they start inherit both
        for name, value in read_env_file(env_file).items():
            os.environ.setdefault(name, value)
    settings = _settings()
    try:
        load_key(settings.key, settings.key_file)
    except MissingKeyError as err:
        print(err, file=sys.stderr)
        return 2
    settings.mail  # noqa: B018  (a mistake in the mail settings stops the start, not an alert)
    workspace = serve.write_workspace(settings)
    print(f"settings: {env_file or 'the environment only'}\nCHIPAO_HOME: {settings.home}")
    with dg.DagsterInstance.from_config(str(settings.dagster_home)) as instance:
        try:
            run_reference(settings, instance, print, log_level="CRITICAL")
        except RunFailed as err:
            print(f"the reference tables could not be refreshed: {err}", file=sys.stderr)
            return 1
    print(f"reference tables refreshed\nUI: {settings.ui_url}\nalerts: {settings.alerts_log}")
    sys.stdout.flush()
    env = {**os.environ, "DAGSTER_HOME": str(settings.dagster_home)}
    return serve.supervise(
        serve.commands(settings, workspace), env, lambda line: print(line, flush=True)
    )


def _connect_published(settings: Settings, sandbox: bool = False):
    from pipelines.query import NoWarehouse, connect_published

    try:
        return connect_published(settings, sandbox=sandbox)
    except NoWarehouse as err:
        raise UserError(str(err)) from None


def cmd_sql(args: argparse.Namespace) -> int:
    import duckdb

    from pipelines.query import Refused, empty_result_hint, run_checked

    con = _connect_published(_settings(), sandbox=True)
    try:
        relation = run_checked(con, args.query)
    except Refused as err:
        raise UserError(f"{err} (chipao sql reads the published snapshot only)") from None
    except duckdb.Error as err:
        print(f"query failed: {' '.join(str(err).split())}", file=sys.stderr)
        return 1
    if relation is None:
        return 0
    frame = relation.pl()
    if frame.is_empty():
        hint = empty_result_hint(args.query)
        print("no rows" + (f": {hint}" if hint else ""), file=sys.stderr)
    if args.xlsx:
        frame.write_excel(args.xlsx, autofit=True, freeze_panes=(1, 0))
        print(f"{frame.height:,} rows written to {args.xlsx}", file=sys.stderr)
    elif args.csv:
        # with a BOM, so that Excel reads the Thai as UTF-8
        sys.stdout.write("\ufeff" + frame.write_csv())
    elif not frame.is_empty():
        relation.show(max_rows=args.max_rows, max_width=200)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """One centre's pack from the published snapshot, suppressed like the exports."""
    from reports import areas, build, packs

    settings = _settings()
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    unknown = sorted(set(formats) - set(build.FORMATS))
    if unknown:
        known = ",".join(build.FORMATS)
        print(f"unknown format {', '.join(unknown)}: use {known}", file=sys.stderr)
        return 2
    try:  # the name is checked against the geography before any data is read
        areas.lookup(args.level, args.area)
    except areas.AreaError as err:
        print(err, file=sys.stderr)
        return 2
    con = _connect_published(settings)
    years = packs.survey_years(con)
    year = args.year or (years[-1] if years else None)
    if year not in years:
        shown = ", ".join(str(y) for y in years) or "none yet"
        print(f"survey year {year} is not in the published snapshot (it has {shown})",
              file=sys.stderr)  # fmt: skip
        return 2
    out = Path(args.out) if args.out else settings.exports / str(year) / "packs"
    code = areas.lookup(args.level, args.area)[0]
    present = con.sql(
        "SELECT level, area_code, name_th, name_en FROM marts.area_summary "
        "WHERE year_be = $1 AND area_code = $2 AND age_band = 'all'",
        params=[year, code],
    ).pl()
    try:
        area = areas.resolve(args.level, args.area, present, year)
    except areas.AreaError as err:
        print(err, file=sys.stderr)
        return 2
    job = packs.prepare_one(con, year, lambda y: settings.exports / str(y), area)
    written = packs.one(job, area, out, formats)
    for path in written:
        print(path)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Stage files as a run would, without a warehouse or key; report what would be held."""
    from ingest.check import CheckError, check_files, readable, report_lines, write_fixes, year_of

    try:
        paths = readable(Path(f) for f in args.files)
        year = year_of(paths, args.year)
        if args.out and Path(args.out).suffix.lower() != ".xlsx":
            raise CheckError(f"--out {args.out}: the report is an Excel workbook, name it .xlsx")
        report = check_files(paths, year_be=year, kind=args.kind)
    except CheckError as err:
        raise UserError(str(err)) from None
    print(f"survey year {year} / ปีสำรวจ {year}")
    print("\n".join(report_lines(report)))
    if args.out:
        out = Path(args.out)
        write_fixes(report, out)
        rows = report.fixes.height
        print(f"{rows:,} row(s) to fix written to {out} / บันทึกแถวที่ต้องแก้ไขที่ {out}")
    return report.code


def cmd_attack(args: argparse.Namespace) -> int:
    """What an outsider works out of the hidden counts from a year's files for people."""
    import time

    from reports import attack, data, packs

    settings = _settings()
    con = _connect_published(settings)
    years = packs.survey_years(con)
    year = args.year or (years[-1] if years else None)
    folder = settings.exports / str(year)
    if year not in years or not folder.is_dir():
        raise UserError(f"survey year {year} has no published files for people in {folder}")
    started = time.perf_counter()
    truth = attack.truth_cells(data.read_marts(con, year))
    result = attack.attack(folder, truth, year, workbooks=not args.no_workbooks)
    print(
        f"{year}: read {result.files:,} files, {result.relations:,} relations; "
        f"{result.hidden_small:,} hidden counts of 1-4, recovered {result.recovered:,}, "
        f"known to be at least 1: {result.pinned_nonzero:,}; "
        f"cells whose true value its bounds leave out: {result.unsound:,} "
        f"({time.perf_counter() - started:.0f}s)"
    )
    if result.recovered and args.show:
        print(result.cells.head(args.show))
    # bounds that leave out a true value: a relation of the attacker's does not hold, and its
    # count says nothing either way
    return 1 if result.recovered or result.unsound else 0


def _print_status(settings: Settings, every_file: bool = False) -> None:
    from pipelines.status import status_lines

    lines = status_lines(settings, every_file, lambda: _connect_published(settings))
    print("\n" + "\n".join(lines))


def cmd_status(args: argparse.Namespace) -> int:
    _print_status(_settings(), every_file=args.files)
    return 0


class _Parser(argparse.ArgumentParser):
    """A usage error in one line (argparse prints the whole usage first), exit code 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (`{self.prog} --help` explains)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="chipao",
        description=__doc__,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create CHIPAO_HOME, the Dagster home and a local key")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("generate", help="write a synthetic BMN sample in the input layout")
    p.add_argument(
        "--scale",
        default="demo",
        help="tiny (one province, ~2,000 households), demo (1%% of the country, "
        "default), national, or a fraction such as 0.05",
    )
    p.add_argument("--years", help="BE survey years, e.g. 2565-2567 (default: CHIPAO_YEARS)")
    p.add_argument("--seed", type=int, default=2561, help="same seed, same bytes")
    p.add_argument("--out", help="landing folder (default: CHIPAO_HOME/landing)")
    p.add_argument("--format", choices=["csv", "parquet"], default="csv")
    p.add_argument(
        "--defects",
        type=float,
        default=0.0,
        help="share of rows given one realistic defect, to see validation at work "
        "(make demo uses 0.001); default 0: clean files",
    )
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("run", help="materialize every asset for the given survey years, in process")
    p.add_argument("--years", help="BE survey years (default: every year in the landing folder)")
    p.add_argument(
        "--force",
        action="store_true",
        help="recompute every year, even those whose files and rules are unchanged since they "
        "were published",
    )
    p.set_defaults(func=cmd_run)

    p = sub.add_parser(
        "pull",
        help="fetch the configured sources (sources.yaml or CHIPAO_SOURCES) into "
        "landing/sources/, then load their figures into marts.published_figure",
    )
    p.add_argument("sources", nargs="*", help="source names (default: every configured one)")
    p.set_defaults(func=cmd_pull)

    p = sub.add_parser(
        "bench",
        help="time each step on a generated sample, against DuckDB and pandas reference lines; "
        "writes docs/performance.md",
    )
    p.add_argument("--scale", default="demo", help="as for generate (default demo)")
    p.add_argument("--years", help="BE survey years (default: CHIPAO_YEARS)")
    p.add_argument(
        "--home",
        help="where the sample is generated once and kept (default: CHIPAO_HOME/bench/<scale>)",
    )
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("sql", help="run a query on the published warehouse, read-only")
    p.add_argument("query", help='DuckDB SQL, e.g. "FROM marts.area_summary LIMIT 5"')
    p.add_argument(
        "--csv", action="store_true", help="print CSV (UTF-8 with a BOM, for Excel) instead"
    )
    p.add_argument("--xlsx", metavar="FILE", help="write the result to an Excel workbook")
    p.add_argument("--max-rows", type=int, default=40)
    p.set_defaults(func=cmd_sql)

    p = sub.add_parser(
        "report",
        help="write one centre's report pack (workbook, CSV, Parquet, HTML summary) from the "
        "published snapshot, small cells suppressed",
    )
    p.add_argument("--level", required=True, choices=["country", "region", "province", "district"])
    p.add_argument("--area", required=True, help="code or Thai/English name, e.g. 11 or สมุทรปราการ")
    p.add_argument("--year", type=int, help="survey year BE (default: the latest published)")
    p.add_argument("--format", default="xlsx,csv,parquet,html", help="comma-separated")
    p.add_argument("--out", help="folder (default: CHIPAO_HOME/exports/<year>/packs)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser(
        "check",
        help="check BMN files before sending them: read them as a run would (same readers, "
        "contract and rules, the rules across the files given), print what would be held; "
        "no warehouse, no key, nothing written but the report. Exit 0: would load whole, "
        "1: rows would be quarantined, 2: a file would be held whole",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="CSV, XLSX or Parquet files")
    p.add_argument("--year", type=int, help="survey year BE (default: the year the paths name)")
    p.add_argument(
        "--kind",
        choices=["households", "members", "cases"],
        help="what the files are (default: the folder they sit in, else their names)",
    )
    p.add_argument("--out", metavar="REPORT.xlsx", help="write the rows to fix to a workbook")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "serve",
        help="run the Dagster webserver and daemon (nightly schedule, landing sensor, failure "
        "alerts) as one service, for systemd (docs/operators-service.md)",
    )
    p.add_argument(
        "--env-file",
        help="settings as NAME=value lines (default: /etc/chipao/chipao.env, else "
        "CHIPAO_HOME/chipao.env, when there); the environment wins over the file",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "attack",
        help="read a year's files for people as an outsider would and print how many hidden "
        "counts can be worked out (exit 1 when any)",
    )
    p.add_argument("--year", type=int, help="survey year BE (default: the latest published)")
    p.add_argument("--no-workbooks", action="store_true", help="CSV and Parquet only (faster)")
    p.add_argument("--show", type=int, default=10, help="recovered cells to print")
    p.set_defaults(func=cmd_attack)

    p = sub.add_parser(
        "status",
        help="per survey year: published when, files changed since, the last run's time and "
        "outcome, rows read, staged and quarantined",
    )
    p.add_argument("--files", action="store_true", help="the same per delivered file")
    p.set_defaults(func=cmd_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code = args.func(args)
        sys.stdout.flush()  # here, where a closed pipe can still be caught, not at exit
        return code
    except UserError as err:
        print(f"chipao {args.command}: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # `chipao status --files | head`: the reader has all it wanted. Later writes (the
        # interpreter's own flush at exit) go nowhere instead of raising again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
