"""District targets from the TPMAP 2561 aggregates shipped in tpmap_2561/ (see PROVENANCE.md).

Every rate the generator aims at comes from here, one value per district (878 districts of the 76
surveyed provinces). Counts become shares of the district's people so that any sample size can
use them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from synthetic import catalog

DATA_DIR = Path(__file__).resolve().with_name("tpmap_2561")
COMMON_FILE = "amphoe_common.csv"
TARGET_POOR_FILE = "amphoe_target_poor.csv"
SOURCE_NOTE = "TPMAP 2561 district aggregates (NESDC + NECTEC, via NEWKNP/TPMAP commit d7341f8)"


@dataclass(frozen=True)
class DistrictTargets:
    """Per-district targets; every array is aligned with `codes` (sorted district codes)."""

    codes: np.ndarray  # str, 4-digit district code
    province: np.ndarray  # str, 2-digit province code
    households: np.ndarray  # int, households surveyed
    persons: np.ndarray  # int, people surveyed
    mean_size: np.ndarray
    elderly_share: np.ndarray  # 60+
    disabled_share: np.ndarray
    chronic_share: np.ndarray
    registered_share: np.ndarray  # welfare card, registered (verified or not)
    verified_share: np.ndarray
    mpi_poor_share: np.ndarray  # TPMAP union rule, as TPMAP counted it
    registered_poor_share: np.ndarray  # MPI-poor and registered, share of all people
    target_poor_share: np.ndarray  # MPI-poor and verified, share of all people
    deprivation: dict[str, np.ndarray] = field(default_factory=dict)  # indicator code -> rate
    # Standardised log MPI-poor share on the national scale: the generator's proxy for how poor
    # an area is, used to set district income levels.
    poverty_score: np.ndarray = field(default_factory=lambda: np.empty(0))

    def subset(self, mask: np.ndarray) -> DistrictTargets:
        take = {
            name: getattr(self, name)[mask]
            for name in self.__dataclass_fields__
            if name != "deprivation"
        }
        return DistrictTargets(
            **take, deprivation={k: v[mask] for k, v in self.deprivation.items()}
        )

    def for_province(self, province: str) -> DistrictTargets:
        return self.subset(self.province == province)


def _read(name: str) -> pl.DataFrame:
    codes = {"amphur_ID": pl.Utf8, "province_ID": pl.Utf8}
    return pl.read_csv(DATA_DIR / name, schema_overrides=codes)


def _filled_rate(cnt: pl.Series, all_: pl.Series, province: pl.Series) -> np.ndarray:
    """CNT/ALL per district; a district with nobody in scope takes its province's rate."""
    frame = pl.DataFrame({"cnt": cnt, "all": all_, "province": province})
    by_province = frame.group_by("province").agg(
        (pl.col("cnt").sum() / pl.col("all").sum()).alias("province_rate")
    )
    national = cnt.sum() / all_.sum()
    frame = frame.join(by_province, on="province", how="left", maintain_order="left")
    rate = frame.select(
        pl.when(pl.col("all") > 0)
        .then(pl.col("cnt") / pl.col("all"))
        .otherwise(pl.col("province_rate").fill_nan(national).fill_null(national))
    ).to_series()
    return rate.clip(0.0, 1.0).to_numpy().astype(np.float64)


@cache
def district_targets() -> DistrictTargets:
    common = _read(COMMON_FILE)
    poor = _read(TARGET_POOR_FILE).drop("province_ID")
    table = common.join(poor, on="amphur_ID", how="inner").sort("amphur_ID")
    if table.height != common.height:
        raise ValueError("TPMAP tables do not cover the same districts")

    persons = table["HOUSEMEMBER_CNT"].cast(pl.Float64)
    households = table["household.CNT"].cast(pl.Float64)

    def share(column: str) -> np.ndarray:
        return (table[column].cast(pl.Float64) / persons).clip(0.0, 1.0).to_numpy()

    deprivation = {
        ind.code: _filled_rate(
            table[f"indicator{ind.bmn_no}.CNT"],
            table[f"indicator{ind.bmn_no}.ALL"],
            table["province_ID"],
        )
        for ind in catalog.indicators()
    }
    mpi_poor = share("poor.JPT.CNT")
    log_poor = np.log(mpi_poor + 0.01)
    return DistrictTargets(
        codes=table["amphur_ID"].to_numpy().astype(str),
        province=table["province_ID"].to_numpy().astype(str),
        households=table["household.CNT"].to_numpy().astype(np.int64),
        persons=table["HOUSEMEMBER_CNT"].to_numpy().astype(np.int64),
        mean_size=(persons / households).to_numpy(),
        elderly_share=share("ELDERLY_CNT"),
        disabled_share=share("DISABLED_CNT"),
        chronic_share=share("CHRONICPATIENT_CNT"),
        registered_share=share("MOF_REG_CNT"),
        verified_share=share("MOF_VAL_CNT"),
        mpi_poor_share=mpi_poor,
        registered_poor_share=share("poor.JPT.MOFreg.CNT"),
        target_poor_share=share("poor.JPT.MOFval.CNT"),
        deprivation=deprivation,
        poverty_score=(log_poor - log_poor.mean()) / log_poor.std(),
    )


@cache
def tpmap_counts() -> pl.DataFrame:
    """TPMAP 2561's own counts per district, under the names `check.district_counts` gives:
    people, MPI-poor and target-poor people, and each indicator's ALL and CNT (people of the
    households in scope, of the households failing)."""
    common = _read(COMMON_FILE)
    poor = _read(TARGET_POOR_FILE).drop("province_ID")
    table = common.join(poor, on="amphur_ID", how="inner").sort("amphur_ID")
    return table.select(
        pl.col("amphur_ID").alias("district"),
        pl.col("household.CNT").alias("households"),
        pl.col("HOUSEMEMBER_CNT").alias("persons"),
        pl.col("poor.JPT.CNT").alias("mpi_poor"),
        pl.col("poor.JPT.MOFval.CNT").alias("target_poor"),
        *(
            pl.col(f"indicator{ind.bmn_no}.{part.upper()}").alias(f"{part}_{ind.code}")
            for ind in catalog.indicators()
            for part in ("all", "cnt")
        ),
    )
