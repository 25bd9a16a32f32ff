"""Chipao's Dagster code location, settings and command line."""
