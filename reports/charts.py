"""The pack's charts as PNG bytes (matplotlib, drawn off screen): the same images go into the
workbook's summary sheet and the HTML summary. Suppressed values are not drawn: a hidden rate is
a grey tile or a gap, labelled "<5".

Speed (a thousand packs a run): each kind of chart is one figure per layout (the same years,
bars, tile grid and colour scale), drawn once without what changes from pack to pack; a pack's
image is that background with its bars, lines, tiles and labels drawn over it (matplotlib's
blitting), encoded with Pillow. Axis scales are rounded up to a few steps so layouts repeat.

The map is a tile grid: no maintained open-licence package of Thai boundaries is on PyPI, so
provinces sit on the grid of ``tile_grid_provinces.csv`` (one tile per province, laid out from
the approximate position of each provincial capital). Districts and subdistricts have no such
layout: their tiles are in DOPA code order, which the chart says.
"""

from __future__ import annotations

import io
from functools import cache, lru_cache
from importlib.resources import files

import matplotlib
import numpy as np
import polars as pl
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image, ImageDraw, ImageFont

from reports.pack import HIDDEN, rule_changes

DPI = 80
COLOURS = {"target": "#C0392B", "mpi": "#2E86C1", "m0": "#7D3C98", "none": "#D5D8DC"}
CMAP = "YlOrRd"
# Upper ends of the rate axes and colour scales: the smallest step at or above the data.
STEPS = (0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
LAYOUTS = 128  # figures kept: every layout of a year's packs fits


@cache
def use_thai_font() -> None:
    """Noto Sans Thai from its PyPI package, after DejaVu Sans for Latin: Thai names render
    without any font installed on the machine."""
    font = files("fontpkg_noto_sans_thai").joinpath("files/NotoSansThai[wdth,wght].ttf")
    font_manager.fontManager.addfont(str(font))
    name = font_manager.FontProperties(fname=str(font)).get_name()
    matplotlib.rcParams["font.family"] = ["DejaVu Sans", name]
    matplotlib.rcParams["axes.spines.top"] = False
    matplotlib.rcParams["axes.spines.right"] = False


@cache
def province_tiles() -> pl.DataFrame:
    text = files("reports").joinpath("tile_grid_provinces.csv").read_bytes()
    return pl.read_csv(text, schema_overrides={"province_code": pl.String})


# The tick step of each axis top: four or five ticks, at a step a person reads.
TICKS = {0.02: 0.005, 0.05: 0.01, 0.1: 0.02, 0.2: 0.05, 0.5: 0.1, 1.0: 0.2}


def _step(value: float | None) -> float:
    return next((s for s in STEPS if (value or 0) <= s), 1.0)


def percent_decimals(step: float) -> int:
    """Decimals a percentage tick at ``step`` (a fraction) needs: 0.5 % needs one, 2 % none."""
    for decimals in range(4):
        if abs(round(step * 100, decimals) - step * 100) < 1e-9:
            return decimals
    return 4


def percent_axis(axis, top: float) -> None:
    """Ticks of a rate axis from 0 to ``top`` at a readable step, each with the decimals it
    needs (a 2.5 % step printed as "2 %" would read wrong)."""
    step = TICKS.get(top, top / 4)
    axis.set_major_locator(matplotlib.ticker.MultipleLocator(step))
    axis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, percent_decimals(step)))


def _colorbar(fig: Figure, image, ax, top: float, **kw):
    bar = fig.colorbar(image, ax=ax, **kw)
    percent_axis(bar.ax.yaxis, top)
    bar.ax.tick_params(labelsize=9)
    return bar


def _figure(width: float, height: float) -> Figure:
    use_thai_font()
    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


@lru_cache(16)
def _pil_font(points: float) -> ImageFont.FreeTypeFont:
    font = files("fontpkg_noto_sans_thai").joinpath("files/NotoSansThai[wdth,wght].ttf")
    return ImageFont.truetype(str(font), round(points * DPI / 72))


Slot = tuple[float, float, str, float]  # x, y (pixels from the bottom left), anchor, points


class Canvas:
    """A figure whose ``moving`` artists change per pack: the rest is drawn once and kept.
    Labels that change per pack (names, codes) are set in ``slots`` with Pillow, whose raqm
    layout shapes Thai at a tenth of matplotlib's cost per label; ``slots(fig)`` gives their
    places once the figure is laid out."""

    def __init__(self, fig: Figure, moving: list, slots=lambda fig: []):
        self.fig, self.moving = fig, moving
        for artist in moving:
            artist.set_visible(False)
        fig.canvas.draw()
        self.background = fig.canvas.copy_from_bbox(fig.bbox)
        self.slots: list[Slot] = slots(fig)
        for artist in moving:
            artist.set_visible(True)

    def png(self, labels: list[str] = ()) -> bytes:
        canvas = self.fig.canvas
        canvas.restore_region(self.background)
        for artist in self.moving:
            if artist.get_visible():
                self.fig.draw_artist(artist)
        width, height = canvas.get_width_height()
        raw = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        image = raw.convert("RGB")
        draw = ImageDraw.Draw(image)
        for (x, y, anchor, points), text in zip(self.slots, labels, strict=False):
            if text:
                draw.text((x, height - y), text, fill="#222222", font=_pil_font(points),
                          anchor=anchor)  # fmt: skip
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", compress_level=1)
        return buffer.getvalue()


def _shown(frame: pl.DataFrame, col: str) -> list[float]:
    shown = pl.when(~pl.col(col + HIDDEN)).then(pl.col(col)).cast(pl.Float64).fill_null(np.nan)
    return frame.select(shown).to_series().to_list()


TREND = (
    ("target_poor_rate", COLOURS["target"], "-", "คนจนเป้าหมาย ทางการ Target poor, official"),
    ("target_poor_rate_same", COLOURS["target"], "--", None),  # labelled per layout
    ("mpi_poor_rate", COLOURS["mpi"], "-", "คนจนหลายมิติ MPI-poor"),
    ("m0", COLOURS["m0"], "-", "MPI M0 (TPMAP)"),
)


@lru_cache(LAYOUTS)
def _trend_canvas(years: tuple[int, ...], top: float) -> tuple[Canvas, list]:
    """The trend's layout. Where the target-poor rule changed between two of ``years``, a
    dotted line marks the change and a dashed line draws the target-poor rate on the last
    year's rule in every year; otherwise that line is not drawn."""
    fig = _figure(6, 3.9)
    ax = fig.add_axes((0.11, 0.32, 0.86, 0.58))
    changes = rule_changes(list(years))
    lines = []
    for col, colour, style, label in TREND:
        if col == "target_poor_rate_same":
            label = (
                f"คนจนเป้าหมาย เกณฑ์ปี {years[-1]} Target poor, {years[-1]} rule"
                if changes
                else "_same"
            )
        line = ax.plot(years, [np.nan] * len(years), marker="o", color=colour, linestyle=style,
                       label=label)[0]  # fmt: skip
        lines.append(line)
    for y0, y1, _, _ in changes:
        ax.axvline((y0 + y1) / 2, color="#888888", linestyle=":", linewidth=1)
        ax.text((y0 + y1) / 2, top * 0.98, " เปลี่ยนเกณฑ์ rule changed", fontsize=8,
                color="#555555", va="top", ha="left")  # fmt: skip
    if years:
        ax.set_xticks(years)
        ax.set_xlim(years[0] - 0.5, years[-1] + 0.5)
    shown = [line for line in lines if not line.get_label().startswith("_")]
    fig.legend(handles=shown, loc="lower center", ncol=2, fontsize=8.5, frameon=False,
               columnspacing=1.0, handlelength=1.6)  # fmt: skip
    ax.set_title("แนวโน้ม Trend", fontsize=12)
    ax.set_ylim(0, top)
    percent_axis(ax.yaxis, top)
    ax.tick_params(labelsize=9)
    return Canvas(fig, lines), lines


def trend_chart(trend: pl.DataFrame) -> bytes:
    """The rates of ``pack.trend`` by year; the same-rule line only across a rule change."""
    years = tuple(trend["year_be"].to_list()) if not trend.is_empty() else ()
    changed = bool(rule_changes(list(years)))
    values = [
        _shown(trend, col) if changed or col != "target_poor_rate_same" else [np.nan] * len(years)
        for col, _, _, _ in TREND
    ] if years else []  # fmt: skip
    top = _step(max((v for vs in values for v in vs if v == v), default=0.0))
    canvas, lines = _trend_canvas(years, top)
    for line, ys in zip(lines, values, strict=True):
        line.set_data(years, ys)
    return canvas.png()


@lru_cache(LAYOUTS)
def _indicator_canvas(codes: tuple[str, ...], bands: tuple[str, ...]):
    fig = _figure(6, 5.2)
    ax = fig.add_axes((0.1, 0.08, 0.7, 0.82))
    blank = np.full((len(codes), len(bands)), np.nan)
    cmap = matplotlib.colormaps[CMAP].with_extremes(bad="white")
    image = ax.imshow(np.ma.masked_invalid(blank), cmap=cmap, vmin=0, vmax=1, aspect="auto")
    grey = ax.imshow(
        np.ma.masked_all(blank.shape),
        cmap=matplotlib.colors.ListedColormap([COLOURS["none"]]),
        vmin=0,
        vmax=1,
        aspect="auto",
    )
    ax.set_xticks(range(len(bands)), bands, fontsize=9)
    ax.set_yticks(range(len(codes)), codes, fontsize=9)
    ax.set_title("ไม่ผ่านเกณฑ์ตามช่วงวัย Deprived by age band\n(สีเทา: ปกปิด grey: suppressed)",
                 fontsize=10)  # fmt: skip
    ax.tick_params(length=0)
    _colorbar(fig, image, ax, 1.0, shrink=0.8)
    return Canvas(fig, [image, grey]), image, grey


def _grid(frame: pl.DataFrame, values: str, bands: list[str]) -> np.ndarray:
    wide = frame.pivot(on="age_band", index="indicator_code", values=values,
                       aggregate_function="first")  # fmt: skip
    return wide.select(bands).to_numpy()


def indicator_chart(indicators: pl.DataFrame) -> bytes:
    """Deprived rate of each indicator by age band, a heat map; hidden cells grey."""
    bands = indicators["age_band"].unique(maintain_order=True).to_list()
    codes = indicators["indicator_code"].unique(maintain_order=True).to_list()
    shown = indicators.with_columns(
        rate=pl.when(~pl.col("deprived_rate" + HIDDEN)).then(pl.col("deprived_rate"))
    )
    grid = _grid(shown, "rate", bands).astype(float)
    hidden = _grid(shown, "deprived_rate" + HIDDEN, bands).astype(bool)
    canvas, image, grey = _indicator_canvas(tuple(codes), tuple(bands))
    image.set_data(np.ma.masked_invalid(grid))
    grey.set_data(np.ma.masked_where(~hidden, hidden.astype(float)))
    return canvas.png()


def _ranking_height(n: int) -> float:
    return 1.1 + 0.24 * max(n, 3)


@lru_cache(LAYOUTS)
def _ranking_canvas(n: int, top: float):
    """Bars at a fixed height each (the figure grows with the areas, the bars never stretch),
    the title in two lines across the whole figure, so that it is never cut."""
    height = _ranking_height(n)
    fig = _figure(6, height)
    ax = fig.add_axes((0.45, 0.35 / height, 0.52, 1 - 0.95 / height))
    bars = list(ax.barh(range(n), [0.0] * n, color=COLOURS["target"]))
    ax.set_yticks([])
    ax.set_ylim(max(n, 1) - 0.5, -0.5)
    ax.set_xlim(0, top)
    percent_axis(ax.xaxis, top)
    ax.tick_params(labelsize=9)

    def slots(fig):  # two title lines across the figure, then a name left of each bar
        width, full = fig.bbox.width, fig.bbox.height
        names = ax.get_yaxis_transform().transform([(-0.01, i) for i in range(n)])
        return [(width / 2, full - 6, "mt", 10), (width / 2, full - 24, "mt", 9)] + [
            (nx, ny, "rm", 8) for nx, ny in names
        ]

    return Canvas(fig, bars, slots), bars


def ranking_chart(ranking: pl.DataFrame, top: int = 20) -> bytes:
    """Target-poor rate of the child areas, highest first (at most ``top``)."""
    shown = ranking.filter(pl.col("rank").is_not_null()).head(top)
    rates = shown["target_poor_rate"].fill_null(0.0).to_list()
    canvas, bars = _ranking_canvas(shown.height, _step(max(rates, default=0.0)))
    for bar, rate in zip(bars, rates, strict=True):
        bar.set_width(rate)
    unranked = ranking["rank"].null_count()
    note = f"{unranked} พื้นที่ไม่จัดอันดับ (ปกปิด) · {unranked} not ranked (suppressed)"
    names = [f"{th} {en}" for th, en in zip(shown["name_th"], shown["name_en"], strict=True)]
    title = "อันดับคนจนเป้าหมาย Ranking by target-poor rate"
    return canvas.png([title, note if unranked else "", *names])


@lru_cache(LAYOUTS)
def _map_canvas(rows: int, cols: int, top: float, title: str):
    height = min(7.0, 0.42 * rows + 1)
    fig = _figure(min(6.0, 0.5 * cols + 1.5), height)
    ax = fig.add_axes((0.02, 0.02, 0.8, 0.96 - 0.35 / height))
    cmap = matplotlib.colormaps[CMAP].with_extremes(bad="white")
    blank = np.full((rows, cols), np.nan)
    image = ax.imshow(np.ma.masked_invalid(blank), cmap=cmap, vmin=0, vmax=top)
    grey = ax.imshow(
        np.ma.masked_all(blank.shape),
        cmap=matplotlib.colors.ListedColormap([COLOURS["none"]]),
        vmin=0,
        vmax=1,
    )
    ax.axis("off")
    ax.set_title(title, fontsize=10)
    _colorbar(fig, image, ax, top, shrink=0.5)

    def slots(fig):  # a code on each tile, row by row
        centres = ax.transData.transform([(c, r) for r in range(rows) for c in range(cols)])
        return [(x, y, "mm", 6) for x, y in centres]

    return Canvas(fig, [image, grey], slots), image, grey


def map_chart(ranking: pl.DataFrame, child_level: str) -> bytes:
    """Tile-grid map of areas (a ranking sheet's rows) coloured by target-poor rate. Provinces
    are placed on the grid of the data file (those not given stay blank); other levels go in
    code order."""
    values = ranking.select(
        "area_code",
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
    rows, cols = int(frame["row"].max() or 0) + 1, int(frame["col"].max() or 0) + 1
    rate = np.full((rows, cols), np.nan)
    hidden = np.zeros((rows, cols), dtype=bool)
    r, c = frame["row"].to_numpy(), frame["col"].to_numpy()
    rate[r, c] = frame["rate"].fill_null(np.nan).to_numpy()
    hidden[r, c] = frame["hidden"].fill_null(False).to_numpy()
    canvas, image, grey = _map_canvas(rows, cols, _step(np.nanmax(rate, initial=0)), title)
    image.set_data(np.ma.masked_invalid(rate))
    grey.set_data(np.ma.masked_where(~hidden, hidden.astype(float)))
    codes = np.full(rows * cols, "", dtype=object)
    codes[r * cols + c] = frame["area_code"].to_numpy()
    return canvas.png(codes.tolist())
