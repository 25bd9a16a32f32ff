"""All settings in one place, read from the environment, with defaults that work on a laptop.

Nothing here changes the environment; callers pass a Settings object along.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ingest.location import Location, check_url, is_url, location
from ingest.pseudonymise import KEY_FILE_VARIABLE, KEY_VARIABLE
from ingest.spread import scheduler_problem
from pipelines.errors import UserError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_YEARS = "2565-2567"
# KEY_VARIABLE holds the pseudonymisation key: Dagster is told its name (dg.EnvVar), never
# its value, so that the key shows neither in the UI nor in the run storage. Staging workers on
# a Dask cluster read the same variables (ingest/pseudonymise.py).

# Where `chipao serve` looks for its settings when --env-file is not given, the first that exists
# (the systemd units name the first one as their EnvironmentFile).
ENV_FILES = (Path("/etc/chipao/chipao.env"),)
TLS_MODES = ("starttls", "ssl", "none")
MAIL_PREFIXES = ("CHIPAO_SMTP_", "CHIPAO_ALERT_")


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
class Mail:
    """Where failure alerts are e-mailed (CHIPAO_SMTP_*, CHIPAO_ALERT_*); no host or no
    recipient: no e-mail, the alert goes to the alerts log only."""

    host: str | None
    port: int
    tls: str  # one of TLS_MODES
    user: str | None
    password: str | None = field(repr=False)
    sender: str
    recipients: tuple[str, ...]

    @property
    def enabled(self) -> bool:
        return bool(self.host and self.recipients)


@dataclass(frozen=True)
class Settings:
    home: Path
    years_text: str  # CHIPAO_YEARS as given; parsed when a command needs it (``years``)
    key_file: Path
    # pseudonymisation key given directly (CHIPAO_KEY), else read from key_file; kept out of
    # repr so that a logged Settings does not print it
    key: str | None = field(repr=False)
    quarantine_share_limit: float
    missing_province: str  # publish | hold: a year with a province whose files were all held
    workers: int  # processes that stage files in parallel (or Dask workers of a local cluster)
    duckdb_memory: str  # DuckDB's memory limit, beyond which it spills to CHIPAO_HOME
    # the one YAML file configuring the pulled sources (sources/config.py)
    sources_file: Path = PROJECT_ROOT / "sources.yaml"
    # the CHIPAO_SMTP_* and CHIPAO_ALERT_* variables as given, parsed when an alert is sent
    # (``mail``): a mistake there stops the alerts, not every command
    mail_env: Mapping[str, str] = field(default_factory=dict, repr=False)
    # how often the landing sensor looks for new files (the daemon's tick is about 30 s at best)
    sensor_seconds: int = 300
    # where `chipao serve` puts the Dagster UI; also the address alerts link to
    ui_host: str = "127.0.0.1"
    ui_port: int = 3000
    ui_url: str = "http://127.0.0.1:3000"
    # where staging runs (ingest/spread.py): None in local processes, "local" on a Dask
    # LocalCluster of `workers` processes, or a Dask scheduler's address (tcp://host:8786)
    dask_scheduler: str | None = None
    # the landing folder and the staged parts elsewhere than in the home: a folder, or an
    # object-storage prefix (s3://bucket/prefix) read through fsspec (ingest/location.py)
    landing_at: str | None = None
    staged_at: str | None = None

    @property
    def years(self) -> tuple[int, ...]:
        """The survey years (BE) the tools default to: CHIPAO_YEARS. Parsed here, not when the
        settings are read, so that a bad value stops only the commands that use it."""
        try:
            return parse_years(self.years_text)
        except ValueError as err:
            raise SettingError(f"CHIPAO_YEARS={self.years_text!r}: {err}") from None

    @property
    def landing(self) -> Location:
        """CHIPAO_LANDING, else <home>/landing: a folder or an object-storage prefix."""
        return location(self.landing_at) if self.landing_at else self.home / "landing"

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def published(self) -> Path:
        """Read-only snapshot for analysts and reports; the live file is never opened by them."""
        return self.home / "published" / "warehouse.duckdb"

    @property
    def staged(self) -> Location:
        """Per file, its validated and pseudonymised rows (Parquet): no raw identifier.
        CHIPAO_STAGED, else <home>/staged."""
        return location(self.staged_at) if self.staged_at else self.home / "staged"

    @property
    def staged_copy(self) -> Path:
        """The writer's copy of the year's parts when they are kept on object storage: DuckDB
        reads local files (ingest/location.py)."""
        return self.home / "staged"

    @property
    def exports(self) -> Path:
        return self.home / "exports"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def mail(self) -> Mail:
        return _mail(self.mail_env)

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def alerts_log(self) -> Path:
        """One line per failed run, for monitoring to watch (pipelines/alerts.py)."""
        return self.logs / "alerts.log"

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


def _mail(env: Mapping[str, str]) -> Mail:
    port = _number(env, "CHIPAO_SMTP_PORT", int, 25)
    # the usual meaning of the usual ports, unless told otherwise
    tls = (env.get("CHIPAO_SMTP_TLS") or {465: "ssl", 587: "starttls"}.get(port, "none")).lower()
    if tls not in TLS_MODES:
        raise SettingError(f"CHIPAO_SMTP_TLS={tls!r}: use one of {', '.join(TLS_MODES)}")
    user = env.get("CHIPAO_SMTP_USER") or None
    if user and tls == "none":
        raise SettingError(
            "CHIPAO_SMTP_USER is set but CHIPAO_SMTP_TLS is none: the password would cross the "
            "network in clear; set CHIPAO_SMTP_TLS=starttls or ssl"
        )
    recipients = tuple(
        a.strip() for a in (env.get("CHIPAO_ALERT_TO") or "").replace(";", ",").split(",")
    )
    return Mail(
        host=env.get("CHIPAO_SMTP_HOST") or None,
        port=port,
        tls=tls,
        user=user,
        password=env.get("CHIPAO_SMTP_PASSWORD") or None,
        sender=env.get("CHIPAO_ALERT_FROM") or f"chipao@{socket.getfqdn()}",
        recipients=tuple(a for a in recipients if a),
    )


def _where(env: Mapping[str, str], name: str) -> str | None:
    """A folder or an object-storage URL; a URL of a protocol this install cannot read is
    refused here, not half-way through a run."""
    text = (env.get(name) or "").strip() or None
    if text and is_url(text) and (problem := check_url(text)):
        raise SettingError(f"{name}={text!r}: {problem}")
    return text


def _scheduler(env: Mapping[str, str]) -> str | None:
    text = (env.get("CHIPAO_DASK_SCHEDULER") or "").strip() or None
    if text and (problem := scheduler_problem(text)):
        raise SettingError(f"CHIPAO_DASK_SCHEDULER={text!r}: {problem}")
    return text


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines as systemd's EnvironmentFile reads them: blank lines and # comments
    skipped, one pair of surrounding quotes removed, an optional leading `export`."""
    values = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise SettingError(f"cannot read the settings file {path}: {err.strerror}") from None
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        name, equals, value = line.removeprefix("export ").partition("=")
        name, value = name.strip(), value.strip()
        if not equals or not name.replace("_", "").isalnum():
            raise SettingError(f"{path}, line {number}: expected NAME=value")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[name] = value
    return values


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    home = Path(env.get("CHIPAO_HOME") or PROJECT_ROOT / ".chipao").resolve()
    ui_host = env.get("CHIPAO_UI_HOST") or "127.0.0.1"
    ui_port = _number(env, "CHIPAO_UI_PORT", int, 3000)
    return Settings(
        home=home,
        years_text=env.get("CHIPAO_YEARS") or DEFAULT_YEARS,
        key_file=Path(env.get(KEY_FILE_VARIABLE) or home / "pseudonym.key"),
        key=env.get(KEY_VARIABLE) or None,
        quarantine_share_limit=_number(env, "CHIPAO_QUARANTINE_SHARE", float, 0.05),
        missing_province=_choice(env, "CHIPAO_MISSING_PROVINCE", MISSING_PROVINCE),
        # one staging process per core, at most four: the rules across files run in one anyway
        workers=max(1, _number(env, "CHIPAO_WORKERS", int, min(4, os.cpu_count() or 1))),
        duckdb_memory=env.get("CHIPAO_DUCKDB_MEMORY", "4GB"),
        sources_file=Path(env.get("CHIPAO_SOURCES") or PROJECT_ROOT / "sources.yaml"),
        mail_env={k: v for k, v in env.items() if k.startswith(MAIL_PREFIXES)},
        sensor_seconds=max(1, _number(env, "CHIPAO_SENSOR_SECONDS", int, 300)),
        ui_host=ui_host,
        ui_port=ui_port,
        # the address people open, which a proxy in front may change
        ui_url=(env.get("CHIPAO_UI_URL") or f"http://{ui_host}:{ui_port}").rstrip("/"),
        dask_scheduler=_scheduler(env),
        landing_at=_where(env, "CHIPAO_LANDING"),
        staged_at=_where(env, "CHIPAO_STAGED"),
    )
