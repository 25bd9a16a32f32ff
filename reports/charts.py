"""The pack's charts as PNG bytes (matplotlib, drawn off screen): the same images go into the
workbook's summary sheet and the HTML summary. Suppressed values are not drawn: a hidden rate is
a grey tile or a gap, labelled "<5".

The map is a tile grid: no maintained open-licence package of Thai boundaries is on PyPI, so
provinces sit on the grid of ``tile_grid_provinces.csv`` (one tile per province, laid out from
the approximate position of each provincial capital). Districts and subdistricts have no such
layout: their tiles are in DOPA code order, which the chart says.
"""

from __future__ import annotations

import io
from functools import cache
from importlib.resources import files

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import polars as pl  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from reports.pack import HIDDEN  # noqa: E402

DPI = 80
COLOURS = {"target": "#C0392B", "mpi": "#2E86C1", "m0": "#7D3C98", "none": "#D5D8DC"}
CMAP = "YlOrRd"


@cache
def _fonts() -> None:
    """Noto Sans Thai from its PyPI package, after DejaVu Sans for Latin: Thai names render
    without any font installed on the machine."""
    font = files("fontpkg_noto_sans_thai").joinpath("files/NotoSansThai[wdth,wght].ttf")
    font_manager.fontManager.addfont(str(font))
    name = font_manager.FontProperties(fname=str(font)).get_name()
    plt.rcParams["font.family"] = ["DejaVu Sans", name]
    plt.rcParams["axes.spines.top"] = False
    plt.rcParams["axes.spines.right"] = False


@cache
def province_tiles() -> pl.DataFrame:
    text = files("reports").joinpath("tile_grid_provinces.csv").read_bytes()
    return pl.read_csv(text, schema_overrides={"province_code": pl.String})


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    plt.close(fig)
    return buffer.getvalue()


def _shown(frame: pl.DataFrame, col: str) -> list[float | None]:
    return frame.select(pl.when(~pl.col(col + HIDDEN)).then(pl.col(col))).to_series().to_list()


def trend_chart(trend: pl.DataFrame) -> bytes:
    _fonts()
    fig, ax = plt.subplots(figsize=(6, 3.4))
    fig.subplots_adjust(left=0.1, right=0.97, top=0.88, bottom=0.12)
    if not trend.is_empty():
        years = trend["year_be"].to_list()
        for col, colour, label in (
            ("target_poor_rate", COLOURS["target"], "คนจนเป้าหมาย Target-poor rate"),
            ("mpi_poor_rate", COLOURS["mpi"], "คนจนหลายมิติ MPI-poor rate"),
            ("m0", COLOURS["m0"], "MPI M0 (TPMAP)"),
        ):
            ax.plot(years, _shown(trend, col), marker="o", color=colour, label=label)
        ax.set_xticks(years)
        ax.legend(fontsize=8, loc="best")
    ax.set_title("แนวโน้ม Trend", fontsize=11)
    ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=0))
    ax.set_ylim(bottom=0)
    return _png(fig)


def indicator_chart(indicators: pl.DataFrame) -> bytes:
    """Deprived rate of each indicator by age band, a heat map; hidden cells grey."""
    _fonts()
    bands = indicators["age_band"].unique(maintain_order=True).to_list()
    codes = indicators["indicator_code"].unique(maintain_order=True).to_list()
    shown = indicators.with_columns(
        rate=pl.when(~pl.col("deprived_rate" + HIDDEN)).then(pl.col("deprived_rate"))
    )
    grid = (
        shown.pivot(
            on="age_band", index="indicator_code", values="rate", aggregate_function="first"
        )
        .select(bands)
        .to_numpy()
        .astype(float)
    )
    hidden = (
        shown.pivot(
            on="age_band",
            index="indicator_code",
            values="deprived_rate" + HIDDEN,
            aggregate_function="first",
        )
        .select(bands)
        .to_numpy()
        .astype(bool)
    )
    fig, ax = plt.subplots(figsize=(6, 5.2))
    fig.subplots_adjust(left=0.1, right=0.88, top=0.9, bottom=0.08)
    cmap = matplotlib.colormaps[CMAP].with_extremes(bad="white")
    image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=0, vmax=1, aspect="auto")
    ax.imshow(
        np.ma.masked_where(~hidden, hidden),
        cmap=matplotlib.colors.ListedColormap([COLOURS["none"]]),
        aspect="auto",
    )
    ax.set_xticks(range(len(bands)), bands, fontsize=8)
    ax.set_yticks(range(len(codes)), codes, fontsize=8)
    ax.set_title("ไม่ผ่านเกณฑ์ตามช่วงวัย Deprived by age band (grey: suppressed)", fontsize=10)
    ax.tick_params(length=0)
    fig.colorbar(image, ax=ax, format=matplotlib.ticker.PercentFormatter(1.0, 0), shrink=0.8)
    return _png(fig)


def ranking_chart(ranking: pl.DataFrame, top: int = 20) -> bytes:
    """Target-poor rate of the child areas, highest first (at most ``top``)."""
    _fonts()
    shown = ranking.filter(pl.col("rank").is_not_null()).head(top)
    fig, ax = plt.subplots(figsize=(6, 0.9 + 0.22 * max(shown.height, 3)))
    fig.subplots_adjust(
        left=0.45,
        right=0.97,
        top=1 - 0.45 / (0.9 + 0.22 * max(shown.height, 3)),
        bottom=0.35 / (0.9 + 0.22 * max(shown.height, 3)),
    )
    names = [f"{th} {en}" for th, en in zip(shown["name_th"], shown["name_en"], strict=True)]
    ax.barh(range(shown.height), shown["target_poor_rate"].to_list(), color=COLOURS["target"])
    ax.set_yticks(range(shown.height), names, fontsize=7)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=1))
    unranked = ranking["rank"].null_count()
    note = f"; {unranked} not ranked (suppressed)" if unranked else ""
    ax.set_title("อันดับ Ranking: target-poor rate" + note, fontsize=10)
    return _png(fig)


def map_chart(ranking: pl.DataFrame, child_level: str) -> bytes:
    """Tile-grid map of areas (a ranking sheet's rows) coloured by target-poor rate. Provinces
    are placed on the grid of the data file (those not given stay blank); other levels go in
    code order."""
    _fonts()
    values = ranking.select(
        "area_code",
        "name_en",
        rate=pl.when(~pl.col("target_poor_rate" + HIDDEN)).then(pl.col("target_poor_rate")),
        hidden=pl.col("target_poor_rate" + HIDDEN),
    )
    if child_level == "province":
        tiles = province_tiles().rename({"province_code": "area_code"})
        title = "แผนที่ Map: provinces (tile grid)"
    else:
        n = max(values.height, 1)
        cols = max(1, round(n**0.5 * 1.3))
        tiles = (
            values.select("area_code")
            .sort("area_code")
            .with_row_index("i")
            .select(
                "area_code",
                row=(pl.col("i") // cols).cast(pl.Int64),
                col=(pl.col("i") % cols).cast(pl.Int64),
            )
        )
        title = f"แผนที่ Map: {child_level}s, code order"
    frame = tiles.join(values, on="area_code", how="left")
    top = max(float(frame["rate"].max() or 0.0), 1e-9)
    rows, cols = int(frame["row"].max()) + 1, int(frame["col"].max()) + 1
    rate = np.full((rows, cols), np.nan)
    hidden = np.zeros((rows, cols), dtype=bool)
    r, c = frame["row"].to_numpy(), frame["col"].to_numpy()
    rate[r, c] = frame["rate"].fill_null(np.nan).to_numpy()
    hidden[r, c] = frame["hidden"].fill_null(False).to_numpy()
    height = min(7.0, 0.42 * rows + 1)
    fig, ax = plt.subplots(figsize=(min(6.0, 0.5 * cols + 1.5), height))
    fig.subplots_adjust(left=0.02, right=0.85, top=1 - 0.35 / height, bottom=0.02)
    cmap = matplotlib.colormaps[CMAP].with_extremes(bad="white")
    image = ax.imshow(np.ma.masked_invalid(rate), cmap=cmap, vmin=0, vmax=top)
    ax.imshow(
        np.ma.masked_where(~hidden, hidden),
        cmap=matplotlib.colors.ListedColormap([COLOURS["none"]]),
    )
    for code, row, col in zip(frame["area_code"], r, c, strict=True):  # one label per tile
        ax.text(col, row, code, ha="center", va="center", fontsize=6)
    ax.set_xticks(np.arange(-0.5, cols), minor=True)
    ax.set_yticks(np.arange(-0.5, rows), minor=True)
    ax.axis("off")
    ax.set_title(title, fontsize=9)
    fig.colorbar(image, ax=ax, shrink=0.5, format=matplotlib.ticker.PercentFormatter(1.0, 1))
    return _png(fig)
