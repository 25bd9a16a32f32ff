"""The last step of a survey year: publish the analysts' snapshot, once everything passed.

`published/warehouse` depends on every asset of the year, and through them on the blocking checks
(the ingest ledger, the Great Expectations contract and reconciliation checks): Dagster runs it
only when all of them succeeded, so a failed run leaves the last good snapshot in place. It
stores the year's input fingerprint with the snapshot (store/inputs.py), which is how a later
run knows the year needs no recomputing.
"""

from collections.abc import Sequence

import dagster as dg

from assets.storage import LandingZone, PseudonymKey
from assets.survey_year import year_asset
from assets.warehouse import SURVEY_YEARS, Warehouse
from store.inputs import rules_digest, year_inputs

PUBLISHED = dg.AssetKey(["published", "warehouse"])
# Run tags: the fingerprint of the inputs when the run was asked for (set by `chipao run`, the
# schedule and the sensor), so that files changed during the run are recomputed the next time.
INPUTS_TAG = "chipao/inputs"
PARTITION_TAG = "dagster/partition"


def unpublished_years(instance: dg.DagsterInstance, but: str | None = None) -> set[int]:
    """Survey years whose latest run did not publish them (it failed, crashed, was cancelled or
    ran a few assets only): the live warehouse may hold rows of theirs that never passed the
    checks. ``but``: a run id to leave out, the run asking."""
    years = set()
    for year in instance.get_dynamic_partitions(SURVEY_YEARS.name):
        runs = [
            r
            for r in instance.get_runs(dg.RunsFilter(tags={PARTITION_TAG: year}), limit=2)
            if r.run_id != but
        ]
        if not runs:
            continue
        published = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=PUBLISHED, asset_partitions=[year]), limit=1
        ).records
        if not published or published[0].run_id != runs[0].run_id:
            years.add(int(year))
    return years


def build_publish(year_assets: Sequence[dg.AssetsDefinition]) -> dg.AssetsDefinition:
    """The publish asset, downstream of every asset in ``year_assets``."""
    deps = sorted({key for assets in year_assets for key in assets.keys})

    @year_asset(
        "publish",
        key=PUBLISHED,
        deps=deps,
        description="The analysts' read-only snapshot (published/warehouse.duckdb), replaced "
        "atomically once every asset of the year and every blocking check succeeded.",
    )
    def published_warehouse(
        context: dg.AssetExecutionContext,
        warehouse: Warehouse,
        landing: LandingZone,
        pseudonym_key: PseudonymKey,
    ) -> dg.MaterializeResult:
        year_be = int(context.partition_key)
        inputs = year_inputs(landing, year_be, rules_digest(pseudonym_key.secret()))
        fingerprint = context.run.tags.get(INPUTS_TAG, inputs.fingerprint)
        if fingerprint != inputs.fingerprint:
            context.log.warning(
                f"{year_be}: landing files changed during the run; the next run recomputes it"
            )
        restore = unpublished_years(context.instance, but=context.run_id) - {year_be}
        if restore:
            context.log.info(
                f"{year_be}: the snapshot keeps the last published rows of {sorted(restore)}, "
                "whose latest runs did not publish"
            )
        snapshot = warehouse.publish(
            year_be,
            fingerprint=fingerprint,
            files=len(inputs.files),
            size=inputs.bytes,
            run_id=context.run_id,
            restore=restore,
        )
        context.log.info(f"{year_be}: published {snapshot}")
        return dg.MaterializeResult(
            metadata={
                "snapshot": dg.MetadataValue.path(str(snapshot)),
                "fingerprint": fingerprint,
                "files": len(inputs.files),
                "restored_years": sorted(restore),
            }
        )

    return published_warehouse
