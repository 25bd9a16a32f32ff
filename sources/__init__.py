"""Pulling published sources into the landing area, and reading them back as figures.

A pure library: no Dagster. ``fetch`` moves bytes (retries, limits, atomic landing),
``ckan`` and ``sdmx`` speak to portals, ``areas`` turns Thai names into DOPA codes,
``figures`` reads long-format area tables, ``tpmap`` imports TPMAP's published counts and
``plausibility`` sets published figures beside the survey's. The sources are configured in one
YAML file (``config``).
"""
