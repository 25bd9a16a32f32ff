"""Contracts of Chipao: the field catalog, the indicator and area catalogs, the Pandera models.

Pure: nothing here knows Dagster, so analysts can use it from a notebook.
"""
