"""The jobs of the sources: pulling (network, on request only) and loading from landing."""

import dagster as dg

from assets.sources import GROUP, PULL_GROUP

PULLED = dg.AssetSelection.groups(PULL_GROUP)
# the area names of the figures come from the reference tables, refreshed with them
LOADED = dg.AssetSelection.groups(GROUP) | dg.AssetSelection.groups("reference")

# No schedule or sensor runs this one: the nightly run must not need the network.
pull_sources_job = dg.define_asset_job(
    "pull_sources",
    selection=PULLED | LOADED,
    description="Fetch every configured source into landing/sources/ (network), then load the "
    "published figures from landing.",
)
load_sources_job = dg.define_asset_job(
    "load_sources",
    selection=LOADED,
    description="Load the published figures from landing/sources/ (no network).",
)
SOURCE_JOBS = [pull_sources_job, load_sources_job]
