"""Hand-built BMN files for tests: households and members written in the input layout."""

from __future__ import annotations

import csv
from pathlib import Path

from schemas.catalog import sources

HOUSEHOLD_DEFAULTS = {
    "survey_year": "2566", "village_code": "50010101", "members_declared": "1",
    "income_main": "120000", "income_secondary": "0", "income_other": "0",
    "income_own_produce": "0", "food_safe": "1", "medicine_safe": "1", "housing_secure": "1",
    "drinking_water_lpd": "10", "domestic_water_lpd": "100", "home_hygienic": "1",
}  # fmt: skip
MEMBER_DEFAULTS = {
    "survey_year": "2566", "member_no": "1", "sex": "1", "birth_date": "01/01/2526",
    "relation": "1", "birth_weight_g": "", "exercise": "1", "schooling": "0",
    "grade9_completed": "", "continued_grade10": "", "literate": "1", "occupation": "1",
    "income_year": "120000", "able_to_work": "1", "self_care": "1", "disabled": "0",
    "chronic_illness": "0", "cared_for": "", "welfare_card": "0",
}  # fmt: skip


def citizen_id(serial: int, prefix: str = "1500") -> str:
    """A valid 13-digit citizen ID (docs/domain.md §6 check digit)."""
    body = f"{prefix}{serial:08d}"[:12]
    total = sum(int(d) * (13 - i) for i, d in enumerate(body))
    return body + str((11 - total % 11) % 10)


def house_code(serial: int, district: str = "5001") -> str:
    return f"{district}{serial:07d}"


def household(serial: int, **fields: object) -> dict[str, str]:
    row = {**HOUSEHOLD_DEFAULTS, "house_code": house_code(serial)}
    row.update({k: str(v) for k, v in fields.items()})
    return row


def member(house: int, serial: int, **fields: object) -> dict[str, str]:
    row = {**MEMBER_DEFAULTS, "house_code": house_code(house), "citizen_id": citizen_id(serial)}
    row.update({k: str(v) for k, v in fields.items()})
    return row


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str], encoding="utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_landing(
    root: Path, year_be: int, households: list[dict], members: list[dict], name: str = "50"
) -> None:
    """Write a household and a member file; an empty list writes no file of that kind."""
    folder = root / "bmn" / str(year_be)
    if households:
        names = sources()["bmn_household"].names
        write_csv(folder / "households" / f"{name}_households.csv", households, names)
    if members:
        names = sources()["bmn_member"].names
        write_csv(folder / "members" / f"{name}_members.csv", members, names)
