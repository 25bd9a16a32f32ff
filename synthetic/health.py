"""Disability and chronic illness: district shares spread over ages as they are in life.

A person is disabled (or chronically ill) when a fixed uniform lies below scale x weight(age);
the district's scale is set on the first-year roster so the district's share comes out right,
and the weight rises with age, so status is stable and grows more common as people age.
"""

from __future__ import annotations

import numpy as np


def disability_weight(age: np.ndarray) -> np.ndarray:
    return np.select(
        [age < 15, age < 40, age < 60, age < 70, age < 80], [0.25, 0.5, 1.0, 2.0, 3.0], 4.5
    )


def chronic_weight(age: np.ndarray) -> np.ndarray:
    return np.select([age < 15, age < 40, age < 60, age < 70], [0.1, 0.3, 1.0, 2.5], 3.5)


def share_scale(share: np.ndarray, district: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Per-district scale making mean(scale x weight) equal the district's share."""
    n = share.size
    total = np.bincount(district, weights=weight, minlength=n)
    people = np.bincount(district, minlength=n)
    mean_weight = np.divide(total, people, out=np.ones(n), where=people > 0)
    return share / mean_weight
