"""Shared fixtures for the measures tests: the published reference data sets."""

from pathlib import Path

import polars as pl
import pytest

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "tests" / "reference" / "measures"


@pytest.fixture(scope="session")
def eusilc() -> pl.DataFrame:
    return pl.read_csv(REFERENCE / "eusilc.csv")


@pytest.fixture(scope="session")
def wbpip() -> pl.DataFrame:
    return pl.read_csv(REFERENCE / "wbpip_synthetic_1.csv")


@pytest.fixture(scope="session")
def ilocos() -> pl.DataFrame:
    return pl.read_csv(REFERENCE / "ilocos.csv")
