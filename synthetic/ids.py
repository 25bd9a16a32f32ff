"""Citizen IDs and house codes with the structure of the real ones.

Citizen ID: type digit (1-8) + 4-digit district code + 7-digit serial + check digit.
House code: 4-digit district code + 6-digit serial + check digit.
Both are built from (district, serial within district), so they are unique nationally and
stable across survey years for as long as the serial of a person or house is.
"""

from __future__ import annotations

import numpy as np

CITIZEN_SERIAL_DIGITS = 7
HOUSE_SERIAL_DIGITS = 6


def _weighted_digit_sum(numbers: np.ndarray, weights: range) -> np.ndarray:
    """sum(digit_i * weight_i) over len(weights) decimal digits, most significant first."""
    rest = numbers.astype(np.int64)
    total = np.zeros(rest.size, dtype=np.int64)
    for weight in reversed(weights):  # from the least significant digit
        total += (rest % 10) * weight
        rest //= 10
    return total


def citizen_check_digit(first12: np.ndarray) -> np.ndarray:
    """d13 = (11 - (sum d_i * (14 - i), i = 1..12) mod 11) mod 10."""
    return (11 - _weighted_digit_sum(first12, range(13, 1, -1)) % 11) % 10


def citizen_ids(type_digit: np.ndarray, district: np.ndarray, serial: np.ndarray) -> np.ndarray:
    if serial.size and int(serial.max()) >= 10**CITIZEN_SERIAL_DIGITS:
        raise ValueError("more people in one district than a 7-digit serial allows")
    first12 = (
        type_digit.astype(np.int64) * 10**11
        + district.astype(np.int64) * 10**CITIZEN_SERIAL_DIGITS
        + serial.astype(np.int64)
    )
    return first12 * 10 + citizen_check_digit(first12)


def house_codes(district: np.ndarray, serial: np.ndarray) -> np.ndarray:
    if serial.size and int(serial.max()) >= 10**HOUSE_SERIAL_DIGITS:
        raise ValueError("more households in one district than a 6-digit serial allows")
    first10 = district.astype(np.int64) * 10**HOUSE_SERIAL_DIGITS + serial.astype(np.int64)
    check = (11 - _weighted_digit_sum(first10, range(11, 1, -1)) % 11) % 10
    return first10 * 10 + check
