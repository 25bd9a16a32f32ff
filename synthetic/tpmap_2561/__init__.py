"""TPMAP 2561 district aggregates (data files; see PROVENANCE.md). A package so that the CSV
files ship with the wheel under the project's package-data rules."""
