"""Time synthetic generation: `python -m synthetic.bench [--national 30 50]`.

Runs demo scale (every province, 1 %) for the given years into a temporary folder and prints
households, persons, files, bytes, seconds and the process's peak memory. With --national it
also times full scale (fraction 1.0) for the named provinces, one at a time, and extrapolates
to the 76 provinces by their share of the real households.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

from synthetic import calibration, generate, parse_years


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def _size_mb(root: Path) -> float:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) / 1e6


def _row(label: str, summary, root: Path) -> list[str]:
    first = summary.years[0]
    return [
        label,
        str(len(summary.provinces)),
        f"{summary.years[0]}-{summary.years[-1]}",
        f"{summary.households[first]:,}",
        f"{summary.persons[first]:,}",
        str(len(summary.files)),
        f"{_size_mb(root):,.0f}",
        f"{summary.seconds:.1f}",
        f"{_peak_rss_mb():,.0f}",
    ]


def _print_table(rows: list[list[str]]) -> None:
    header = ["run", "prov", "years", "households/yr", "persons/yr", "files", "MB", "s", "peak MB"]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="demo")
    parser.add_argument("--years", default="2565-2567", help="e.g. 2565-2567")
    parser.add_argument("--fmt", default="csv", choices=["csv", "parquet"])
    parser.add_argument("--seed", type=int, default=2561)
    parser.add_argument("--national", nargs="*", default=[], help="province codes to time at 1.0")
    parser.add_argument("--national-years", default="2565", help="years of the national runs")
    args = parser.parse_args(argv)

    rows = []
    work = Path(tempfile.mkdtemp(prefix="chipao-bench-"))
    try:
        out = work / "scale"
        summary = generate(args.scale, parse_years(args.years), args.seed, out=out, fmt=args.fmt)
        rows.append(_row(f"{args.scale} ({args.fmt})", summary, out))
        shutil.rmtree(out)

        targets = calibration.district_targets()
        total_households = int(targets.households.sum())
        timed_households, timed_seconds = 0, 0.0
        for province in args.national:
            out = work / f"national-{province}"
            summary = generate(
                "national",
                parse_years(args.national_years),
                args.seed,
                out=out,
                fmt=args.fmt,
                provinces=[province],
            )
            rows.append(_row(f"national {province}", summary, out))
            shutil.rmtree(out)
            timed_households += int(targets.for_province(province).households.sum())
            timed_seconds += summary.seconds
    finally:
        shutil.rmtree(work, ignore_errors=True)

    _print_table(rows)
    if timed_households:
        n_years = len(parse_years(args.national_years))
        estimate = timed_seconds * total_households / timed_households
        print(
            f"\nnational estimate: {estimate / 60:.1f} min for {n_years} year(s) of all 76 "
            f"provinces ({timed_households / total_households:.1%} of households timed); "
            f"memory stays at one province's peak"
        )


if __name__ == "__main__":
    started = time.perf_counter()
    main()
    print(f"bench wall time {time.perf_counter() - started:.1f} s")
