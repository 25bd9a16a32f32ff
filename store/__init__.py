"""The warehouse library, pure (no Dagster): the one write path and the DDL (tables.py), the
reads the marts share, with the area hierarchy and the poverty lines (areas.py), and what a
survey year is computed from (inputs.py). The Dagster assets call it; tests call it directly."""
