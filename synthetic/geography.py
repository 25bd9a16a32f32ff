"""Real DOPA geography from geothai: provinces, districts, subdistricts, and synthetic villages.

The BMN survey covers every province but Bangkok. Households of a district are spread over all
of its subdistricts; villages (หมู่ที่) are numbered 01.. inside each subdistrict.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import geothai
import numpy as np

NOT_SURVEYED = frozenset({"10"})  # Bangkok has no BMN survey

# At national scale a subdistrict has 8-15 villages (about 75,000 villages over 7,255
# subdistricts, some 170 households each). Small samples get fewer villages so that a village
# still holds a handful of households.
VILLAGES_PER_SUBDISTRICT = (8, 15)
MIN_HOUSEHOLDS_PER_VILLAGE = 15


@cache
def surveyed_provinces() -> tuple[str, ...]:
    return tuple(p.code for p in geothai.provinces() if p.code not in NOT_SURVEYED)


@cache
def province_names() -> dict[str, str]:
    return {p.code: p.name_en for p in geothai.provinces()}


@cache
def district_codes(province: str) -> tuple[str, ...]:
    return tuple(sorted(d.code for d in geothai.districts(province)))


@cache
def subdistrict_codes(district: str) -> tuple[str, ...]:
    return tuple(sorted(s.code for s in geothai.subdistricts(district)))


@dataclass(frozen=True)
class HouseholdLayout:
    """Where each household lives; households are ordered by district, then village."""

    district: np.ndarray  # int index into the province's district list
    village_code: np.ndarray  # int64, 8-digit village code
    serial: np.ndarray  # int64, 1.. within the district, in village order


def lay_out_households(
    rng: np.random.Generator, districts: list[str] | tuple[str, ...], counts: np.ndarray
) -> HouseholdLayout:
    """Spread `counts[i]` households over the subdistricts and villages of `districts[i]`."""
    district_parts, village_parts, serial_parts = [], [], []
    low, high = VILLAGES_PER_SUBDISTRICT
    for index, (district, count) in enumerate(zip(districts, counts, strict=True)):
        subs = np.array(subdistrict_codes(district), dtype=np.int64)
        if subs.size == 0:
            raise ValueError(f"geothai lists no subdistrict for district {district}")
        # Subdistricts differ in size: gamma weights give a plausible spread.
        weights = rng.gamma(3.0, size=subs.size)
        per_sub = rng.multinomial(int(count), weights / weights.sum())
        full = rng.integers(low, high + 1, size=subs.size)
        villages = np.clip(per_sub // MIN_HOUSEHOLDS_PER_VILLAGE, 1, full)

        sub_of_hh = np.repeat(np.arange(subs.size), per_sub)
        first_of_sub = np.repeat(np.cumsum(per_sub) - per_sub, per_sub)
        rank_in_sub = np.arange(sub_of_hh.size) - first_of_sub
        n_villages = villages[sub_of_hh]
        # The first households fill villages 1..n so no village number is left empty.
        village_no = (
            np.where(
                rank_in_sub < n_villages,
                rank_in_sub,
                rng.integers(0, n_villages) if sub_of_hh.size else rank_in_sub,
            )
            + 1
        )
        codes = np.sort(subs[sub_of_hh] * 100 + village_no)
        district_parts.append(np.full(codes.size, index, dtype=np.int32))
        village_parts.append(codes)
        serial_parts.append(np.arange(1, codes.size + 1, dtype=np.int64))
    return HouseholdLayout(
        district=np.concatenate(district_parts),
        village_code=np.concatenate(village_parts),
        serial=np.concatenate(serial_parts),
    )
