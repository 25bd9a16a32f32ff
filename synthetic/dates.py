"""Birth dates as yyyymmdd integers (CE) and ages on the survey's reference day.

Plain integer arithmetic (H. Hinnant's civil-date algorithms) instead of numpy datetime64
conversions, which are slow on millions of people.
"""

from __future__ import annotations

import numpy as np

from synthetic import catalog


def days_from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates."""
    y = np.asarray(year, dtype=np.int64) - (np.asarray(month) <= 2)
    m = np.asarray(month, dtype=np.int64)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    doy = (153 * (m + np.where(m > 2, -3, 9)) + 2) // 5 + np.asarray(day, dtype=np.int64) - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def yyyymmdd_from_days(days: np.ndarray) -> np.ndarray:
    z = np.asarray(days, dtype=np.int64) + 719468
    era = np.floor_divide(z, 146097)
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return (year * 10000 + month * 100 + day).astype(np.int32)


def _reference_month_day() -> int:
    month, day = catalog.age_reference_day()
    return month * 100 + day


def birth_dates_for_age(rng: np.random.Generator, age: np.ndarray, year_ce: int) -> np.ndarray:
    """Random birth dates (yyyymmdd) giving exactly `age` completed years on the reference
    day of `year_ce`: from the day after the reference day `age + 1` years before to the
    reference day `age` years before."""
    month, day = catalog.age_reference_day()
    age = np.asarray(age, dtype=np.int64)
    latest = days_from_civil(year_ce - age, month, day)
    earliest = days_from_civil(year_ce - age - 1, month, day) + 1
    span = latest - earliest + 1
    return yyyymmdd_from_days(earliest + (rng.random(age.size) * span).astype(np.int64))


def age_on_reference_day(birth: np.ndarray, year_ce: int) -> np.ndarray:
    birth = np.asarray(birth, dtype=np.int64)
    not_yet = (birth % 10000) > _reference_month_day()
    return (year_ce - birth // 10000 - not_yet).astype(np.int16)
