"""Dagster assets of Chipao, one module per layer: thin, they read, call and write."""
