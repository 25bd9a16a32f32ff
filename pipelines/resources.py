"""Resources built from the settings: the one place paths and policies enter the assets."""

from __future__ import annotations

from typing import Any

from assets.storage import ExportFolder, LandingZone, PseudonymKey, ValidationPolicy
from assets.warehouse import Warehouse
from pipelines.settings import Settings


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
            workers=settings.workers,
            memory_limit=settings.duckdb_memory,
        ),
        "exports": ExportFolder(root=str(settings.exports)),
        "pseudonym_key": PseudonymKey(key=settings.key, key_file=str(settings.key_file)),
        "validation": ValidationPolicy(
            quarantine_share_limit=settings.quarantine_share_limit,
            missing_province=settings.missing_province,
        ),
    }
