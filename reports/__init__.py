"""Report packs for the centres: workbooks, CSV, Parquet and a one-page HTML summary per area,
with small cells suppressed so that they hold. Pure library: it reads frames, never Dagster."""
