"""Measure marts: MPI, income poverty and inequality per area, level, year (and age band),
recomputed from the person records at every level with the functions of ``measures``."""

import time
from collections.abc import Callable

import dagster as dg
import polars as pl

import measures as m
import sql
from assets.warehouse import SURVEY_YEARS, WRITER_POOL, Rows, Warehouse, write
from schemas import catalog

LEVELS = {
    "country": "country_code",
    "region": "region_code",
    "province": "province_code",
    "district": "district_code",
    "subdistrict": "subdistrict_code",
    "village": "village_code",
}
CHILD = dict(zip(list(LEVELS)[:-1], list(LEVELS)[1:], strict=True))
# Theil T split into child areas; the country both into regions and into provinces.
DECOMPOSITIONS = [("country", "region"), ("country", "province"), ("region", "province"),
                  ("province", "district"), ("district", "subdistrict"),
                  ("subdistrict", "village")]  # fmt: skip
INCOME = "income_per_capita"


def indicator_weights() -> dict[str, float]:
    """Nested equal weights: each dimension 1/5, shared equally by its indicators."""
    indicators = catalog.indicators()
    dimensions = catalog.dimensions()
    per_dimension = {d.code: sum(i.dimension == d.code for i in indicators) for d in dimensions}
    return {i.column: 1 / len(dimensions) / per_dimension[i.dimension] for i in indicators}


def mpi_rules() -> dict[str, float]:
    """TPMAP's union rule is k = the smallest weight (any deprivation); Alkire-Foster k = 1/3."""
    return {"tpmap_union": min(indicator_weights().values()), "af_k33": 1 / 3}


def _coverage(persons: pl.DataFrame, keys: list[str], level: str) -> pl.DataFrame:
    child = CHILD.get(level)
    counts = [pl.len().alias("persons")]
    counts.append(
        pl.col(LEVELS[child]).n_unique().alias("child_areas")
        if child
        else pl.lit(0, pl.UInt32).alias("child_areas")
    )
    return persons.group_by(keys).agg(counts)


def per_level(
    persons: pl.DataFrame,
    compute: Callable[[pl.DataFrame, list[str]], pl.DataFrame],
    *,
    by_age_band: bool,
) -> pl.DataFrame:
    """Run ``compute`` grouped by each level's area code (and age band, plus 'all')."""
    frames = []
    for level, column in LEVELS.items():
        for keys in [[column], [column, "age_band"]] if by_age_band else [[column]]:
            result = compute(persons, keys).join(_coverage(persons, keys, level), on=keys)
            if "age_band" not in keys:
                result = result.with_columns(pl.lit("all").alias("age_band"))
            frames.append(
                result.rename({column: "area_code"}).with_columns(
                    pl.lit(level).alias("level"),
                    pl.col("persons").cast(pl.Int64),
                    pl.col("child_areas").cast(pl.Int64),
                )
            )
    return pl.concat(frames, how="diagonal_relaxed")


def mpi_marts(persons: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Headline H, A, M0 per rule, and each indicator's and dimension's part of M0."""
    weights = indicator_weights()
    columns = list(weights)
    headline, components = [], []
    for rule, k in mpi_rules().items():
        frame = per_level(
            persons,
            lambda df, keys, k=k: m.mpi_frame(
                df, columns, weights, k, by=keys, missing="nondeprived"
            ).drop("persons"),
            by_age_band=True,
        ).with_columns(pl.lit(rule).alias("rule"), pl.lit(k).alias("k"))
        headline.append(
            frame.select(
                "level",
                "area_code",
                "age_band",
                "rule",
                "k",
                "persons",
                "child_areas",
                (pl.col("H") * pl.col("population")).round(0).cast(pl.Int64).alias("poor_persons"),
                pl.col("H").alias("h"),
                pl.col("A").alias("a"),
                pl.col("M0").alias("m0"),
            )
        )
        # by area only: per age band too would multiply the rows by 6 for little use
        components.append(_components(frame.filter(pl.col("age_band") == "all"), weights))
    return pl.concat(headline), pl.concat(components)


def _components(frame: pl.DataFrame, weights: dict[str, float]) -> pl.DataFrame:
    keys = ["level", "area_code", "age_band", "rule"]
    parts = {
        "uncensored": "uncensored_headcount",
        "censored": "censored_headcount",
        "contribution": "contribution",
        "contribution_share": "contribution_share",
    }
    by_indicator = pl.concat(
        [
            frame.select(
                *keys,
                pl.lit(i.code).alias("component"),
                pl.lit(i.dimension).alias("dimension"),
                pl.lit(weights[i.column]).alias("weight"),
                *(pl.col(f"{part}_{i.column}").alias(name) for part, name in parts.items()),
                pl.col("M0").alias("m0"),
            )
            for i in catalog.indicators()
        ]
    )
    # a dimension's headcounts are the weighted means of its indicators'; contributions add up
    by_dimension = (
        by_indicator.group_by([*keys, "dimension"])
        .agg(
            pl.col("weight").sum(),
            (
                (pl.col("uncensored_headcount") * pl.col("weight")).sum() / pl.col("weight").sum()
            ).alias("uncensored_headcount"),
            (
                (pl.col("censored_headcount") * pl.col("weight")).sum() / pl.col("weight").sum()
            ).alias("censored_headcount"),
            pl.col("contribution").sum(),
            pl.col("m0").first(),
        )
        .with_columns(
            pl.when(pl.col("m0") > 0)
            .then(pl.col("contribution") / pl.col("m0"))
            .alias("contribution_share")
        )
        .rename({"dimension": "component"})
    )
    return pl.concat(
        [
            by_indicator.drop("dimension").with_columns(
                pl.lit("indicator").alias("component_type")
            ),
            by_dimension.with_columns(pl.lit("dimension").alias("component_type")),
        ],
        how="diagonal_relaxed",
    ).drop("m0")


def income_poverty_mart(persons: pl.DataFrame, year_be: int) -> pl.DataFrame:
    """FGT 0, 1, 2 and Watts against the NSO line of the year and region, and the BMN criterion."""
    lines = {r.code: catalog.poverty_line(year_be, r.code) for r in catalog.regions()}
    with_lines = persons.with_columns(
        pl.col("region_code").replace_strict(lines, return_dtype=pl.Float64).alias("nso"),
        pl.lit(catalog.income_criterion(year_be)).alias("bmn"),
    )

    def fgt(line: str) -> Callable[[pl.DataFrame, list[str]], pl.DataFrame]:
        return lambda df, keys: df.group_by(keys).agg(
            pl.col(line).min().alias("line_min"),
            pl.col(line).max().alias("line_max"),
            (pl.col(INCOME) < pl.col(line)).sum().cast(pl.Int64).alias("poor_persons"),
            *(m.fgt_expr(INCOME, line, alpha).alias(f"fgt{alpha}") for alpha in (0, 1, 2)),
            m.watts_expr(INCOME, line).alias("watts"),
        )

    return pl.concat(
        [
            per_level(with_lines, fgt(line), by_age_band=True).with_columns(
                pl.lit(line).alias("line")
            )
            for line in ("nso", "bmn")
        ]
    )


def inequality_mart(persons: pl.DataFrame) -> pl.DataFrame:
    def measures_of(df: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
        return df.group_by(keys).agg(
            m.zero_count_expr(INCOME).cast(pl.Int64).alias("zero_incomes_excluded"),
            m.mean_expr(INCOME).alias("mean_income"),
            m.median_expr(INCOME).alias("median_income"),
            m.gini_expr(INCOME).alias("gini"),
            m.theil_expr(INCOME).alias("theil"),
            m.mld_expr(INCOME).alias("mld"),
            m.atkinson_expr(INCOME, 0.5).alias("atkinson_05"),
            m.atkinson_expr(INCOME, 1).alias("atkinson_1"),
            m.atkinson_expr(INCOME, 2).alias("atkinson_2"),
            m.palma_expr(INCOME).alias("palma"),
            m.qsr_expr(INCOME).alias("s80_s20"),
        )

    return per_level(persons, measures_of, by_age_band=False).drop("age_band")


def theil_decomposition_mart(persons: pl.DataFrame) -> pl.DataFrame:
    frames = []
    for level, child in DECOMPOSITIONS:
        parent, child_column = LEVELS[level], LEVELS[child]
        split = m.ge_decomposition_frame(persons, INCOME, 1, parent=parent, child=child_column)
        coverage = persons.group_by(parent).agg(
            pl.len().cast(pl.Int64).alias("persons"),
            pl.col(child_column).n_unique().cast(pl.Int64).alias("child_areas"),
        )
        frames.append(
            split.join(coverage, on=parent).select(
                pl.lit(level).alias("level"),
                pl.col(parent).alias("area_code"),
                pl.lit(child).alias("child_level"),
                "child_areas",
                "persons",
                pl.col("total").alias("theil"),
                "within",
                "between",
                pl.when(pl.col("total") > 0)
                .then(pl.col("between") / pl.col("total"))
                .alias("between_share"),
            )
        )
    return pl.concat(frames)


MARTS = (
    "area_mpi",
    "area_mpi_component",
    "area_income_poverty",
    "area_inequality",
    "area_theil_decomposition",
)
NAMED = {"area_mpi", "area_income_poverty", "area_inequality", "area_theil_decomposition"}


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["marts", name],
            deps=[["core", "fact_person"], ["core", "dim_area"]],
            description=f"See README, 'The measure marts': {name}.",
        )
        for name in MARTS
    ],
    partitions_def=SURVEY_YEARS,
    pool=WRITER_POOL,
    group_name="marts",
)
def measure_marts(context: dg.AssetExecutionContext, warehouse: Warehouse):
    year_be = int(context.partition_key)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    with warehouse.connect() as con:
        persons = con.sql(sql.load("measures/persons"), params={"year_be": year_be}).pl()
        timings["read"] = time.perf_counter() - started
        frames: dict[str, pl.DataFrame] = {}
        for name, build in [
            ("area_mpi", lambda: mpi_marts(persons)),
            ("area_income_poverty", lambda: income_poverty_mart(persons, year_be)),
            ("area_inequality", lambda: inequality_mart(persons)),
            ("area_theil_decomposition", lambda: theil_decomposition_mart(persons)),
        ]:
            t0 = time.perf_counter()
            result = build()
            if name == "area_mpi":
                frames["area_mpi"], frames["area_mpi_component"] = result
            else:
                frames[name] = result
            timings[name] = time.perf_counter() - t0
        t0 = time.perf_counter()
        year = [pl.lit(year_be - 543).alias("year"), pl.lit(year_be).alias("year_be")]
        write(
            con,
            year_be,
            {
                f"marts.{name}": Rows(
                    frame.with_columns(year), sql="measures/insert_named" if name in NAMED else None
                )
                for name, frame in frames.items()
            },
        )
        timings["write"] = time.perf_counter() - t0
    context.log.info(
        f"{year_be}: {persons.height:,} persons; "
        + ", ".join(f"{k} {v:.2f}s" for k, v in timings.items())
    )
    for name in MARTS:
        yield dg.MaterializeResult(
            asset_key=["marts", name],
            metadata={"rows": frames[name].height, "seconds": round(timings.get(name, 0), 2)},
        )
