"""Resources built from the settings: the one place paths and policies enter the assets."""

from __future__ import annotations

import os
from typing import Any

import dagster as dg

from assets.storage import ExportFolder, LandingZone, PseudonymKey, ValidationPolicy
from assets.warehouse import Warehouse
from pipelines.settings import KEY_VARIABLE, SettingError, Settings


def pseudonym_key(settings: Settings) -> PseudonymKey:
    """The key resource, configured with where the key is, never with the key: a resource's
    values become defaults in the job's config schema, which the UI shows and the run storage
    keeps. Given in the environment, it is passed by name (dg.EnvVar, read when a step runs);
    else it is read from the key file."""
    if settings.key is None:
        return PseudonymKey(key_file=str(settings.key_file))
    if os.environ.get(KEY_VARIABLE) != settings.key:
        # settings built from a mapping with a key the process environment does not hold:
        # Dagster could only be given its text
        raise SettingError(
            f"the pseudonymisation key can reach Dagster only through the environment "
            f"({KEY_VARIABLE}) or a key file (CHIPAO_KEY_FILE), not as a value"
        )
    return PseudonymKey(key=dg.EnvVar(KEY_VARIABLE), key_file=str(settings.key_file))


def build_resources(settings: Settings) -> dict[str, Any]:
    return {
        "warehouse": Warehouse(
            path=str(settings.warehouse),
            published_path=str(settings.published),
            memory_limit=settings.duckdb_memory,
        ),
        "landing": LandingZone(
            root=str(settings.landing),
            staged=str(settings.staged),
            staged_copy=str(settings.staged_copy),
            workers=settings.workers,
            memory_limit=settings.duckdb_memory,
            scheduler=settings.dask_scheduler,
        ),
        "exports": ExportFolder(root=str(settings.exports)),
        "pseudonym_key": pseudonym_key(settings),
        "validation": ValidationPolicy(
            quarantine_share_limit=settings.quarantine_share_limit,
            missing_province=settings.missing_province,
        ),
    }
