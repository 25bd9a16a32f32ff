"""Charts for the analysts' notebooks (matplotlib): a trend, a ranking, a province tile map and a
stacked decomposition, rates on percentage axes, Thai names drawn with Noto Sans Thai from its
PyPI package (no system font needed).

Each function returns a closed Figure: the notebook's last expression shows it once (the
inline backend would show an open one a second time). The report packs draw their own,
optimised for a thousand packs (reports/charts.py); these favour reading over speed.
"""

from __future__ import annotations

import matplotlib
import polars as pl
from matplotlib import pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from reports.charts import province_tiles, use_thai_font

CMAP = "YlOrRd"


def percent(ax, axis: str = "y", decimals: int = 1) -> None:
    """Fractions on ``axis`` printed as percentages (0.125 -> 12.5 %)."""
    formatter = PercentFormatter(xmax=1, decimals=decimals)
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def _done(fig: Figure) -> Figure:
    fig.tight_layout()
    plt.close(fig)
    return fig


def trend(frame: pl.DataFrame, x: str, series: dict[str, str], title: str) -> Figure:
    """One line per column of ``series`` ({column: label}) over ``x`` (survey years)."""
    use_thai_font()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    years = frame[x].to_list()
    for column, label in series.items():
        ax.plot(years, frame[column].to_list(), marker="o", label=label)
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_ylim(bottom=0)
    percent(ax)
    ax.set_title(title)
    ax.legend(frameon=False)
    return _done(fig)


def ranking(frame: pl.DataFrame, label: str, value: str, title: str, top: int = 15) -> Figure:
    """Horizontal bars of ``value`` (a rate), the highest on top, at most ``top`` of them."""
    use_thai_font()
    rows = frame.drop_nulls(value).sort(value, descending=True).head(top)
    fig, ax = plt.subplots(figsize=(7, 0.8 + 0.32 * max(rows.height, 1)))
    labels, values = rows[label].cast(pl.String).to_list(), rows[value].to_list()
    bars = ax.barh(labels[::-1], values[::-1], color="#2E86C1")
    ax.bar_label(bars, labels=[f"{v:.1%}" for v in values[::-1]], padding=3, fontsize=8)
    percent(ax, "x")
    ax.set_xlim(0, max(values, default=0) * 1.2 or 1)
    ax.set_title(title)
    return _done(fig)


def tile_map(frame: pl.DataFrame, value: str, title: str, code: str = "area_code") -> Figure:
    """Provinces on the report packs' tile grid (one tile per province, placed by its capital),
    coloured by ``value`` (a rate); provinces without a value are grey."""
    use_thai_font()
    tiles = province_tiles().join(
        frame.select(pl.col(code).alias("province_code"), value), on="province_code", how="left"
    )
    fig, ax = plt.subplots(figsize=(5, 7))
    shown = tiles.drop_nulls(value)
    top = max(shown[value].max() or 0, 1e-9)
    norm = matplotlib.colors.Normalize(0, top)
    cmap = matplotlib.colormaps[CMAP]
    for tile in tiles.iter_rows(named=True):
        rate = tile[value]
        colour = "#D5D8DC" if rate is None else cmap(norm(rate))
        ax.add_patch(plt.Rectangle((tile["col"], -tile["row"]), 0.95, 0.95, color=colour))
        ax.text(tile["col"] + 0.47, -tile["row"] + 0.47, tile["province_code"], fontsize=6,
                ha="center", va="center")  # fmt: skip
    ax.set_xlim(tiles["col"].min() - 0.5, tiles["col"].max() + 1.5)
    ax.set_ylim(-tiles["row"].max() - 0.5, -tiles["row"].min() + 1.5)
    ax.set_aspect("equal")
    ax.axis("off")
    bar = fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=cmap), ax=ax, shrink=0.5)
    bar.ax.yaxis.set_major_formatter(PercentFormatter(xmax=1, decimals=1))
    ax.set_title(title)
    return _done(fig)


def stacked(frame: pl.DataFrame, x: str, parts: dict[str, str], title: str, share=False) -> Figure:
    """Bars of ``x`` split into ``parts`` ({column: label}); ``share``: a percentage axis."""
    use_thai_font()
    fig, ax = plt.subplots(figsize=(7, 3.6))
    labels = frame[x].cast(pl.String).to_list()
    bottom = [0.0] * frame.height
    for column, label in parts.items():
        values = [v or 0.0 for v in frame[column].to_list()]
        ax.bar(labels, values, bottom=bottom, label=label)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    if share:
        percent(ax)
    ax.set_title(title)
    ax.legend(frameon=False)
    return _done(fig)


def contributions(frame: pl.DataFrame, label: str, value: str, title: str) -> Figure:
    """Horizontal bars that may be negative (the parts of a change), the most negative on top."""
    use_thai_font()
    rows = frame.drop_nulls(value).sort(value)
    fig, ax = plt.subplots(figsize=(7, 0.8 + 0.32 * max(rows.height, 1)))
    values = rows[value].to_list()
    colours = ["#1E8449" if v < 0 else "#C0392B" for v in values]
    ax.barh(rows[label].cast(pl.String).to_list()[::-1], values[::-1], color=colours[::-1])
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_title(title)
    return _done(fig)


def percentages(
    frame: pl.DataFrame, *columns: str, points: tuple[str, ...] = (), decimals: int = 1
) -> pl.DataFrame:
    """The frame for reading: rates as percentages ('12.3 %'), differences of rates as points
    ('-1.2 pts'); by default every column named *_rate or *_share. The frame keeps its shape;
    compute on the unformatted one."""
    columns = columns or tuple(c for c in frame.columns if c.endswith(("_rate", "_share")))

    def text(column: str, suffix: str, signed: bool) -> pl.Expr:
        number = (pl.col(column) * 100).round(decimals)
        sign = pl.when(signed & (number > 0)).then(pl.lit("+")).otherwise(pl.lit(""))
        return pl.concat_str(sign, number.cast(pl.String), pl.lit(suffix)).alias(column)

    return frame.with_columns(
        *(text(c, " %", False) for c in columns), *(text(c, " pts", True) for c in points)
    )
