"""The sources, configured in one YAML file (``sources.yaml``, or ``CHIPAO_SOURCES``).

Each entry under ``sources:`` is named (the name is the folder in landing/sources/ and the
``source`` of every figure) and has a ``kind``: ``ckan``, ``sdmx``, ``table`` (long-format files
put in landing/sources/<name>/ by hand) or ``tpmap`` (TPMAP's published files shipped with the
project). A portal's API key is never written here: ``api_key_env`` names the environment
variable that holds it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sources.fetch import Limits

KINDS = {
    "ckan": ("portal",),
    "sdmx": ("url", "flow"),
    "table": (),
    "tpmap": ("survey_year_be",),
}


class ConfigError(ValueError):
    """The sources file is wrong; the message is one line."""


@dataclass(frozen=True)
class Source:
    name: str
    kind: str
    spec: Mapping[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return str(self.spec.get("title") or self.name)

    @property
    def limits(self) -> Limits:
        try:
            return Limits.from_config(self.spec.get("limits"))
        except TypeError as err:
            raise ConfigError(f"source {self.name}: limits: {err}") from None

    def headers(self, env: Mapping[str, str] | None = None) -> dict[str, str]:
        """The API key's header, from the environment variable ``api_key_env`` names."""
        variable = self.spec.get("api_key_env")
        if not variable:
            return {}
        env = os.environ if env is None else env
        if not env.get(variable):
            raise ConfigError(f"source {self.name} needs its API key in ${variable}")
        return {"Authorization": env[variable]}


def load(path: Path) -> list[Source]:
    if not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({str(err).splitlines()[0]})") from None
    out = []
    for name, spec in (data.get("sources") or {}).items():
        if not re.fullmatch(r"[a-z0-9_]+", str(name)):
            raise ConfigError(f"{path}: source name {name!r}: use a-z, 0-9 and _ only")
        spec = spec or {}
        kind = spec.get("kind")
        if kind not in KINDS:
            raise ConfigError(f"{path}: source {name}: kind must be one of {', '.join(KINDS)}")
        missing = [k for k in KINDS[kind] if k not in spec]
        if missing:
            raise ConfigError(f"{path}: source {name} ({kind}) needs {', '.join(missing)}")
        if kind == "ckan" and not (spec.get("dataset") or spec.get("search")):
            raise ConfigError(f"{path}: source {name} (ckan) needs dataset or search")
        out.append(Source(str(name), kind, spec))
    return out
