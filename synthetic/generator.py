"""`generate()`: synthetic BMN household and member files, one province at a time.

Each province is built, answered for every survey year and written before the next starts, so
memory holds one province (national scale: at most ~0.6 M households) and never the whole set.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from synthetic import calibration, catalog, check, deprivation, geography, model, survey, writer
from synthetic.cases import cases_for_year
from synthetic.defects import inject

TINY_PROVINCE = "58"  # Mae Hong Son: 7 districts, the highest target-poor share in 2561
TINY_HOUSEHOLDS = 2_000
DEMO_FRACTION = 0.01


@dataclass(frozen=True)
class Scale:
    name: str
    fraction: float  # of each district's real households
    provinces: tuple[str, ...] | None = None  # None: every surveyed province


def parse_scale(scale: str | float) -> Scale:
    """'tiny', 'demo', 'national', or a fraction of the real households such as 0.05."""
    if isinstance(scale, str):
        name = scale.strip().lower()
        if name == "tiny":
            targets = calibration.district_targets().for_province(TINY_PROVINCE)
            return Scale("tiny", TINY_HOUSEHOLDS / int(targets.households.sum()), (TINY_PROVINCE,))
        if name == "demo":
            return Scale("demo", DEMO_FRACTION)
        if name == "national":
            return Scale("national", 1.0)
        if not re.fullmatch(r"\d*\.?\d+(e-?\d+)?", name):
            raise ValueError(f"scale {scale!r}: use tiny, demo, national or a fraction in (0, 1]")
        scale = float(name)
    fraction = float(scale)
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"scale fraction {fraction} is outside (0, 1]")
    return Scale(f"{fraction:g}", fraction)


def parse_years(text: str) -> list[int]:
    """'2565-2567' -> [2565, 2566, 2567]; '2565,2567' and '2566' work too (BE years)."""
    years: list[int] = []
    for part in text.replace(" ", "").split(","):
        first, dash, last = part.partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            raise ValueError(f"years {text!r}: use e.g. 2565-2567 or 2565,2567")
        years += range(int(first), int(last or first) + 1)
    return sorted(set(years))


@dataclass
class GenerationSummary:
    out: Path
    scale: str
    fraction: float
    seed: int
    fmt: str
    years: list[int]
    provinces: list[str]
    files: list[Path] = field(default_factory=list)
    households: dict[int, int] = field(default_factory=dict)  # per survey year
    persons: dict[int, int] = field(default_factory=dict)
    # TPMAP's counting: members of households where anyone fails any of the 17 indicators.
    mpi_poor: dict[int, int] = field(default_factory=dict)
    # MPI-poor counted by the target-poor rule of the year's TPMAP year (survey_rules.yaml), as
    # marts.area_summary's target_poor_persons; verified_poor by TPMAP 2561's rule every year.
    target_poor: dict[int, int] = field(default_factory=dict)
    verified_poor: dict[int, int] = field(default_factory=dict)
    defects: Counter = field(default_factory=Counter)  # injected defects by kind
    # check.district_counts of the clean rows (before defects) of the first (calibrated) year.
    district_counts: dict[int, pl.DataFrame] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def check(self) -> check.Report:
        """The first survey year, the one calibrated to TPMAP 2561, against TPMAP 2561."""
        first = self.years[0]
        return check.report(self.district_counts[first], first)

    def __str__(self) -> str:
        # The CLI prints the summary: one line per year instead of hundreds of file paths.
        lines = [
            f"SYNTHETIC BMN sample in {self.out}: scale {self.scale} (fraction "
            f"{self.fraction:.4g}), seed {self.seed}, {len(self.provinces)} provinces, "
            f"{len(self.files)} files ({self.fmt}), {self.seconds:.1f} s"
        ]
        for year in self.years:
            persons = max(self.persons[year], 1)
            rule = catalog.target_poor_rule(year)
            # The rule changes with the TPMAP year: say which one counted, and keep the
            # verified-card share beside it so the trend on one rule stays visible.
            verified = f", verified {self.verified_poor[year] / persons:.2%}"
            if rule == "card_verified":
                verified = ""
            lines.append(
                f"  {year}: {self.households[year]:,} households, {self.persons[year]:,} persons,"
                f" MPI-poor {self.mpi_poor[year] / persons:.1%},"
                f" target poor {self.target_poor[year] / persons:.2%}"
                f" (TPMAP {catalog.tpmap_year(year)} rule {rule}{verified})"
            )
        if self.defects:
            lines.append(
                "  defects injected: "
                + ", ".join(f"{kind} {n:,}" for kind, n in sorted(self.defects.items()))
            )
        lines += self.check.lines()
        return "\n".join(lines)


def _years(years: Sequence[int]) -> list[int]:
    survey_year = next(
        f for f in catalog.fields(catalog.HOUSEHOLD_SOURCE) if f.name == "survey_year"
    )
    chosen = sorted({int(y) for y in years})
    if not chosen:
        raise ValueError("no survey year given")
    for year in chosen:
        if not survey_year.min <= year <= survey_year.max:
            raise ValueError(f"survey year {year} (BE) is outside the catalog's range")
        catalog.income_criterion(year)  # fails early when the rules do not cover the year
    return chosen


def _provinces(scale: Scale, only: Sequence[str] | None) -> list[str]:
    chosen = list(scale.provinces or geography.surveyed_provinces())
    if only is not None:
        wanted = {str(p).zfill(2) for p in only}
        unknown = wanted - set(geography.surveyed_provinces())
        if unknown:
            raise ValueError(f"not surveyed provinces: {sorted(unknown)}")
        chosen = [p for p in chosen if p in wanted]
    if not chosen:
        raise ValueError(f"scale {scale.name} covers none of the provinces {sorted(only or [])}")
    return chosen


def generate(
    scale: str | float = "demo",
    years: Sequence[int] = (2565, 2566, 2567),
    seed: int = 2561,
    *,
    out: Path,
    fmt: str = "csv",
    progress: Callable[[str], None] | None = None,
    provinces: Sequence[str] | None = None,
    defects: float = 0.0,
) -> GenerationSummary:
    """Write synthetic BMN files under `out`; see README.md written there.

    `provinces` restricts generation to some province codes (tests, quick looks); a province's
    data are the same whichever other provinces are generated. `defects` gives about that share
    of rows one realistic defect (defects.py), for demos of the validation.
    """
    started = time.perf_counter()
    if fmt not in writer.FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {writer.FORMATS}")
    deprivation.check_catalog()
    resolved = parse_scale(scale)
    chosen_years = _years(years)
    chosen = _provinces(resolved, provinces)
    out = Path(out)
    targets = calibration.district_targets()
    criteria = {year: catalog.income_criterion(year) for year in chosen_years}
    names = geography.province_names()
    summary = GenerationSummary(
        out=out,
        scale=resolved.name,
        fraction=resolved.fraction,
        seed=seed,
        fmt=fmt,
        years=chosen_years,
        provinces=chosen,
    )
    for year in chosen_years:
        for counter in (
            summary.households,
            summary.persons,
            summary.mpi_poor,
            summary.target_poor,
            summary.verified_poor,
        ):
            counter[year] = 0

    counts: dict[int, list[pl.DataFrame]] = {chosen_years[0]: []}
    for province in chosen:
        province_targets = targets.for_province(province)
        if tuple(province_targets.codes) != geography.district_codes(province):
            raise ValueError(f"TPMAP and geothai disagree on the districts of {province}")
        built = model.build(province, province_targets, resolved.fraction, chosen_years, seed)
        for year in chosen_years:
            answers = survey.answer_year(built, year, criteria[year])
            frames = writer.to_frames(year, province, answers)
            if year == chosen_years[0]:  # the year calibrated to TPMAP 2561
                counts[year].append(check.district_counts(frames.households, frames.members, year))
            if defects > 0:
                rng = np.random.default_rng(np.random.SeedSequence([seed, int(province), year, 7]))
                frames, injected = inject(frames, defects, rng)
                summary.defects.update(injected)
            summary.files += writer.write_year(out, frames, fmt)
            # the case records' own stream: the survey's answers draw exactly as before
            streams = np.random.SeedSequence([seed, int(province), year, 13])
            case_rng = np.random.default_rng(streams)
            case_rows = cases_for_year(case_rng, built, answers, year)
            summary.files.append(writer.write_cases(out, year, province, case_rows, fmt))
            summary.households[year] += frames.households.height
            summary.persons[year] += frames.members.height
            summary.mpi_poor[year] += int(answers.mpi_poor.sum())
            summary.target_poor[year] += int(answers.target_poor.sum())
            summary.verified_poor[year] += int(answers.verified_poor.sum())
        if progress is not None:
            first = chosen_years[0]
            progress(
                f"{province} {names.get(province, '')}: "
                f"{frames.households.height:,} households, {frames.members.height:,} persons "
                f"in {chosen_years[-1]} ({summary.households[first]:,} households so far "
                f"in {first})"
            )
        del built

    summary.district_counts = {year: pl.concat(parts) for year, parts in counts.items()}
    summary.files.append(
        writer.write_readme(
            out,
            scale=resolved.name,
            fraction=resolved.fraction,
            seed=seed,
            years=chosen_years,
            provinces=chosen,
            fmt=fmt,
            calibration_source=calibration.SOURCE_NOTE,
            defects=defects,
        )
    )
    summary.seconds = time.perf_counter() - started
    return summary
