"""All settings in one place, read from the environment, with defaults that work on a laptop.

Nothing here changes the environment; callers pass a Settings object along.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pipelines.errors import UserError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_YEARS = "2565-2567"


class SettingError(UserError, ValueError):
    """An environment variable with a value Chipao cannot use: one line says which and why."""


def parse_years(text: str) -> tuple[int, ...]:
    """'2565-2567' or '2565,2567' -> BE years. CE years (below 2400) are refused, not guessed."""
    years: list[int] = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        low, _, high = part.partition("-")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            raise ValueError(
                f"{part!r} is not a survey year or a range of them, such as 2565-2567"
            ) from None
        if first > last:
            raise ValueError(f"year range {part!r} runs backwards")
        years.extend(range(first, last + 1))
    for year in years:
        if year < 2400:
            raise ValueError(
                f"survey year {year} looks like CE; Chipao takes Buddhist Era years (CE + 543), "
                f"e.g. {year + 543}"
            )
    if not years:
        raise ValueError("no survey years given")
    return tuple(sorted(set(years)))


@dataclass(frozen=True)
class Settings:
    home: Path
    years_text: str  # CHIPAO_YEARS as given; parsed when a command needs it (``years``)
    key_file: Path
    key: str | None  # pseudonymisation key given directly (CHIPAO_KEY), else read from key_file
    quarantine_share_limit: float
    missing_province: str  # publish | hold: a year with a province whose files were all held
    workers: int  # processes that stage files in parallel
    duckdb_memory: str  # DuckDB's memory limit, beyond which it spills to CHIPAO_HOME
    # the one YAML file configuring the pulled sources (sources/config.py)
    sources_file: Path = PROJECT_ROOT / "sources.yaml"

    @property
    def years(self) -> tuple[int, ...]:
        """The survey years (BE) the tools default to: CHIPAO_YEARS. Parsed here, not when the
        settings are read, so that a bad value stops only the commands that use it."""
        try:
            return parse_years(self.years_text)
        except ValueError as err:
            raise SettingError(f"CHIPAO_YEARS={self.years_text!r}: {err}") from None

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def published(self) -> Path:
        """Read-only snapshot for analysts and reports; the live file is never opened by them."""
        return self.home / "published" / "warehouse.duckdb"

    @property
    def staged(self) -> Path:
        """Per file, its validated and pseudonymised rows (Parquet): no raw identifier."""
        return self.home / "staged"

    @property
    def exports(self) -> Path:
        return self.home / "exports"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def latest_year(self) -> int:
        return self.years[-1]


# What a year does when a province's files were all held: the first is the default.
MISSING_PROVINCE = ("publish", "hold")


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    text = (env.get(name) or choices[0]).strip().lower()
    if text not in choices:
        raise SettingError(f"{name}={text!r}: use {' or '.join(choices)}")
    return text


def _number(env: Mapping[str, str], name: str, kind: type, default):
    text = env.get(name) or None
    if text is None:
        return default
    try:
        value = kind(text)
    except ValueError:
        raise SettingError(f"{name}={text!r} is not a {kind.__name__} number") from None
    if value < 0:
        raise SettingError(f"{name}={text!r} must not be negative")
    return value


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    home = Path(env.get("CHIPAO_HOME") or PROJECT_ROOT / ".chipao").resolve()
    return Settings(
        home=home,
        years_text=env.get("CHIPAO_YEARS") or DEFAULT_YEARS,
        key_file=Path(env.get("CHIPAO_KEY_FILE") or home / "pseudonym.key"),
        key=env.get("CHIPAO_KEY") or None,
        quarantine_share_limit=_number(env, "CHIPAO_QUARANTINE_SHARE", float, 0.05),
        missing_province=_choice(env, "CHIPAO_MISSING_PROVINCE", MISSING_PROVINCE),
        # one staging process per core, at most four: the rules across files run in one anyway
        workers=max(1, _number(env, "CHIPAO_WORKERS", int, min(4, os.cpu_count() or 1))),
        duckdb_memory=env.get("CHIPAO_DUCKDB_MEMORY", "4GB"),
        sources_file=Path(env.get("CHIPAO_SOURCES") or PROJECT_ROOT / "sources.yaml"),
    )
