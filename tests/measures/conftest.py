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


def printed(name: str) -> dict[str, list[float]]:
    """The values a reference script printed (tests/reference/measures/<name>.out), by label:
    each line is a label of words followed by numbers."""
    values: dict[str, list[float]] = {}
    for line in (REFERENCE / f"{name}.out").read_text().splitlines():
        words = line.split()
        numbers: list[float] = []
        while words:
            try:
                numbers.insert(0, float(words[-1]))
            except ValueError:
                break
            words.pop()
        values[" ".join(words)] = numbers
    return values


@pytest.fixture(scope="session")
def laeken() -> dict[str, list[float]]:
    return printed("laeken_eusilc")


@pytest.fixture(scope="session")
def wbpip_printed() -> dict[str, list[float]]:
    return printed("wbpip_watts")
