"""Ingest: read, normalise, validate, pseudonymise and stage delivered files. No Dagster here.

Each delivered file becomes its own staged part on disk (Parquet, pseudonymised), in memory
bounded by the file; the rules that span files then run in DuckDB over the year's parts.
"""
