"""How an asset of a survey year is made, in one place: partitioned by survey year, in the
single DuckDB writer pool, in its group, with the standard kinds, owners, column schema and
freshness policy (assets/metadata.py). Every asset of the ``refresh_survey_year`` job is
declared with ``year_asset`` or ``year_multi_asset``, its checks with ``year_checks`` and
``year_check_spec``; tests/test_definitions.py checks that none escapes the policy.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import dagster as dg

from assets.metadata import with_standard_metadata
from assets.warehouse import SURVEY_YEARS, WRITER_POOL

Made = Callable[[Callable[..., Any]], dg.AssetsDefinition]


def _year(decorator: Callable[..., Any], group: str, kwargs: dict[str, Any]) -> Made:
    def made(fn: Callable[..., Any]) -> dg.AssetsDefinition:
        asset = decorator(partitions_def=SURVEY_YEARS, pool=WRITER_POOL, group_name=group, **kwargs)
        (annotated,) = with_standard_metadata([asset(fn)])
        return annotated

    return made


def year_asset(group: str, **kwargs: Any) -> Made:
    """``@dg.asset`` of one survey year in ``group``; ``kwargs``: key, deps, description…"""
    return _year(dg.asset, group, kwargs)


def year_multi_asset(group: str, **kwargs: Any) -> Made:
    """``@dg.multi_asset`` of one survey year in ``group``; ``kwargs``: specs, check_specs…"""
    return _year(dg.multi_asset, group, kwargs)


def year_check_spec(
    name: str, asset: dg.AssetKey, description: str, blocking: bool
) -> dg.AssetCheckSpec:
    """A check of one survey year's rows of ``asset``, stored per survey year."""
    with warnings.catch_warnings():  # partitioned checks are a preview in Dagster 1.13
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return dg.AssetCheckSpec(
            name, asset=asset, partitions_def=SURVEY_YEARS, description=description,
            blocking=blocking,
        )  # fmt: skip


def year_checks(**kwargs: Any) -> Callable[[Callable[..., Any]], dg.AssetChecksDefinition]:
    """``@dg.multi_asset_check`` of ``year_check_spec`` specs, in the writer pool (a check reads
    the live warehouse, which only one process may have open while it is written)."""
    return dg.multi_asset_check(pool=WRITER_POOL, **kwargs)
