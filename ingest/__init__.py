"""Ingest: reading, validating and pseudonymising the delivered survey files, without Dagster."""
