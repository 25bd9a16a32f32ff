"""TPMAP's published district counts as a source.

The real TPMAP 2561 files ship with the project (``synthetic/tpmap_2561/``, provenance in its
PROVENANCE.md): importing copies them into ``landing/sources/<source>/`` with provenance, like a
pull, and reading turns them into figures per district. TPMAP year Y reports on BMN survey year
Y - 1: the 2561 files are BMN 2561, shown by TPMAP as 2562. Columns are those of
synthetic/tpmap_2561/PROVENANCE.md; indicator counts use the BMN numbering, mapped to the
indicator catalog through ``bmn_no``.
"""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

import polars as pl

from schemas import catalog
from sources.fetch import Landed
from sources.landing import read_manifest, record

FILES = ("amphoe_common.csv", "amphoe_target_poor.csv")
ORIGIN = "https://github.com/NEWKNP/TPMAP (commit d7341f8, collection/61/)"
LICENCE = 'the repository marks its data "for study only"'

# column -> measure of schemas/catalog/figures.yaml
COUNTS = {
    "amphoe_common.csv": {"household.CNT": "households", "HOUSEMEMBER_CNT": "persons"},
    "amphoe_target_poor.csv": {
        "poor.household.CNT": "poor_households",
        "poor.JPT.CNT": "mpi_poor_persons",
        "poor.JPT.MOFval.CNT": "target_poor_persons",
    },
}


def packaged(survey_year_be: int) -> Path:
    return Path(str(files("synthetic").joinpath(f"tpmap_{survey_year_be}")))


def import_files(folder: Path, source: str, survey_year_be: int) -> list[Landed]:
    """Copy the packaged files into ``folder`` (atomically), recording their provenance; a
    file already there with the same sha256 is left alone."""
    folder.mkdir(parents=True, exist_ok=True)
    have = read_manifest(folder)["files"]
    origin = packaged(survey_year_be)
    landed = []
    for name in FILES:
        data = (origin / name).read_bytes()
        sha = hashlib.sha256(data).hexdigest()
        target = folder / name
        unchanged = target.exists() and have.get(name, {}).get("sha256") == sha
        if not unchanged:
            partial = target.with_name(f".{name}.partial")
            shutil.copyfile(origin / name, partial)
            partial.replace(target)
        entry = Landed(
            path=target,
            url=f"{ORIGIN}/{name}",
            final_url=f"synthetic/tpmap_{survey_year_be}/{name}",  # the project's copy
            sha256=sha,
            bytes=len(data),
            content_type="text/csv",
            etag=None,
            last_modified=None,
            fetched_at=have.get(name, {}).get("fetched_at")
            if unchanged
            else datetime.now(UTC).isoformat(timespec="seconds"),
            status="unchanged" if unchanged else "new",
        )
        record(folder, source, "tpmap", entry, licence=LICENCE, survey_year_be=survey_year_be,
               tpmap_year=survey_year_be + 1)  # fmt: skip
        landed.append(entry)
    return landed


def read_counts(folder: Path, survey_year_be: int) -> pl.DataFrame:
    """Figures per district (FIGURE_COLUMNS of sources.figures), from the landed files."""
    frames = []
    deprived = {f"indicator{i.bmn_no}.CNT": i.code for i in catalog.indicators()}
    in_scope = {f"indicator{i.bmn_no}.ALL": i.code for i in catalog.indicators()}
    for name, counts in COUNTS.items():
        table = pl.read_csv(folder / name, infer_schema_length=0).with_row_index(
            "row_index", offset=1
        )
        spec = {**counts}
        if name == "amphoe_common.csv":
            spec |= {c: ("persons_deprived", code) for c, code in deprived.items()}
            spec |= {c: ("persons_in_scope", code) for c, code in in_scope.items()}
        long = table.unpivot(
            index=["row_index", "amphur_ID"], on=list(spec), variable_name="column"
        )
        measure = {c: m if isinstance(m, str) else m[0] for c, m in spec.items()}
        indicator = {c: None if isinstance(m, str) else m[1] for c, m in spec.items()}
        frames.append(
            long.select(
                pl.lit(survey_year_be, pl.Int32).alias("year_be"),
                pl.lit("district").alias("level"),
                pl.col("amphur_ID").alias("area_code"),
                pl.col("column").replace_strict(measure).alias("measure"),
                pl.col("column")
                .replace_strict(indicator, default=None, return_dtype=pl.String)
                .alias("indicator_code"),
                pl.col("value").cast(pl.Float64),
                pl.lit("persons").alias("unit"),
                pl.lit("BE").alias("year_stated"),
                pl.col("row_index").cast(pl.Int64),
                pl.lit(name).alias("file"),
            )
        )
    frame = pl.concat(frames)
    households = pl.col("measure").is_in(["households", "poor_households"])
    return frame.with_columns(unit=pl.when(households).then(pl.lit("households")).otherwise("unit"))
