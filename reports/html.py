"""The one-page HTML summary of a pack: charts inline as PNG, the Thai font a file beside the
packs (Noto Sans Thai from its PyPI package, with its OFL licence), no JavaScript: it opens
offline and its Content-Security-Policy forbids any request to the network."""

from __future__ import annotations

import base64
import html
from importlib.resources import files
from pathlib import Path

PAGE = """<!DOCTYPE html>
<html lang="th"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src file: 'self'">
<title>{title}</title>
<style>
@font-face {{ font-family: "Noto Sans Thai";
  src: url("{font}") format("truetype"); }}
body {{ font-family: "Noto Sans Thai", "DejaVu Sans", sans-serif; margin: 1.5em; color: #222;
  max-width: 1100px; }}
h1 {{ font-size: 1.5em; margin-bottom: 0; }} .en {{ color: #555; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1em; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 2px 10px; text-align: left; }}
td.n {{ text-align: right; }}
.charts {{ display: flex; flex-wrap: wrap; gap: 12px; }}
.charts img {{ max-width: 520px; border: 1px solid #eee; }}
.note {{ font-size: 0.85em; color: #555; }}
</style></head><body>
<h1>{heading}</h1><div class="en">{subheading}</div>
<table>{facts}</table>
<div class="charts">{charts}</div>
<p class="note">{notes}</p>
</body></html>
"""


FONT = "NotoSansThai.ttf"


def install_font(folder: Path) -> Path:
    """Copy the font and its licence into ``folder`` once; the pages link to it."""
    package = files("fontpkg_noto_sans_thai")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / FONT
    if not target.exists():
        target.write_bytes(package.joinpath("files/NotoSansThai[wdth,wght].ttf").read_bytes())
        (folder / "NotoSansThai-LICENSE-OFL.txt").write_bytes(
            package.joinpath("LICENSE").read_bytes()
        )
    return target


def page(
    font: str,
    title: str,
    heading: str,
    subheading: str,
    facts: list[tuple[str, str, str]],
    charts: list[bytes],
    notes: list[str],
) -> str:
    """``font``: relative URL of the font file; ``facts``: (Thai label, English label, value
    as shown); ``charts``: PNG bytes."""
    esc = html.escape
    rows = "".join(
        f"<tr><th>{esc(th)}</th><td class='en'>{esc(en)}</td><td class='n'>{esc(v)}</td></tr>"
        for th, en, v in facts
    )
    images = "".join(
        f'<img alt="chart {n + 1}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'
        for n, png in enumerate(charts)
    )
    return PAGE.format(
        title=esc(title),
        font=esc(font),
        heading=esc(heading),
        subheading=esc(subheading),
        facts=rows,
        charts=images,
        notes="<br>".join(esc(n) for n in notes),
    )
