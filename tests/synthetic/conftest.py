"""Shared synthetic samples; each is generated once per test session."""

from __future__ import annotations

import pytest

from synthetic import generate
from tests.synthetic.synthetic_checks import (
    CALIBRATION_FRACTION,
    CALIBRATION_PROVINCE,
    MIXED_FRACTION,
    MIXED_PROVINCES,
    YEARS,
)


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("tiny")
    return generate("tiny", years=YEARS, seed=2561, out=out)


@pytest.fixture(scope="session")
def calibration_sample(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("calibration")
    return generate(
        CALIBRATION_FRACTION,
        years=(2565, 2567),
        seed=7,
        out=out,
        provinces=[CALIBRATION_PROVINCE],
    )


@pytest.fixture(scope="session")
def mixed_sample(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("mixed")
    return generate(
        MIXED_FRACTION, years=(2565,), seed=11, out=out, provinces=list(MIXED_PROVINCES)
    )
