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
/* a flex row stretches its items to the tallest one's height: each chart keeps its own */
.charts {{ display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }}
.charts img {{ max-width: 520px; width: auto; height: auto; border: 1px solid #eee; }}
.note {{ font-size: 0.85em; color: #555; }}
.alert {{ background: #FFEB9C; color: #9C0006; border: 1px solid #9C0006; padding: 6px 10px;
  margin: 0.6em 0; font-weight: bold; }}
@media print {{
  @page {{ size: A4 landscape; margin: 10mm; }}
  body {{ margin: 0; max-width: none; font-size: 9pt; }}
  .charts {{ gap: 4px; }}
  .charts img {{ max-width: 49%; max-height: 88mm; border: none; break-inside: avoid; }}
}}
</style></head><body>
<h1>{heading}</h1><div class="en">{subheading}</div>
{alerts}
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
    alerts: list[tuple[str, str]] = (),
) -> str:
    """``font``: relative URL of the font file; ``facts``: (Thai label, English label, value
    as shown); ``charts``: PNG bytes; ``alerts``: (Thai, English) lines a reader must see
    before the figures."""
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
        alerts="".join(
            f'<div class="alert" role="alert"><div>{esc(th)}</div><div lang="en">{esc(en)}</div>'
            "</div>"
            for th, en in alerts
        ),
        charts=images,
        notes="<br>".join(esc(n) for n in notes),
    )


INDEX = """<!DOCTYPE html>
<html lang="th"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; style-src 'unsafe-inline'; font-src file: 'self'">
<title>{title}</title>
<style>
@font-face {{ font-family: "Noto Sans Thai"; src: url("{font}") format("truetype"); }}
body {{ font-family: "Noto Sans Thai", "DejaVu Sans", sans-serif; margin: 1.5em; color: #222;
  max-width: 1100px; }}
h1 {{ font-size: 1.5em; margin-bottom: 0; }} .en {{ color: #555; }}
h2 {{ font-size: 1.2em; margin: 1.2em 0 0.2em; border-bottom: 1px solid #ccc; }}
h3 {{ font-size: 1.05em; margin: 0.8em 0 0.2em; }}
ul {{ margin: 0.2em 0; columns: 2; }} li {{ break-inside: avoid; }}
.code, .zip {{ color: #777; font-size: 0.85em; }}
.missing {{ color: #9C0006; }}
.note {{ font-size: 0.85em; color: #555; }}
</style></head><body>
<h1>{heading}</h1><div class="en">{subheading}</div>
<p class="note">{notes}</p>
{body}
</body></html>
"""


def link(entry: dict) -> str:
    """One centre's line: its names linked to its summary page, its code, its zip."""
    esc = html.escape
    names = f"{esc(entry['name_th'])} <span class='en'>{esc(entry['name_en'])}</span>"
    line = f'<a href="{esc(entry["href"])}">{names}</a>' if entry.get("href") else names
    line += f" <span class='code'>{esc(entry['code'])}</span>"
    if entry.get("zip"):
        line += f' <a class="zip" href="{esc(entry["zip"])}">zip</a>'
    if entry.get("missing"):
        line += f" <div class='missing'>{esc(entry['missing'])}</div>"
    return f"<li>{line}</li>"


def index_page(
    font: str, title: str, heading: str, subheading: str, notes: list[str], sections: list
) -> str:
    """The packs' table of contents: ``sections`` is [(heading, entry, [(heading, entry,
    [entry...]) ...])...]: a region, then its provinces each with its districts; an entry is
    a dict with name_th, name_en, code, href (the summary page), zip and, for a province held
    whole, missing (why)."""
    esc = html.escape
    parts = []
    for region_heading, region, provinces in sections:
        parts.append(f"<h2>{esc(region_heading)}</h2><ul>{link(region)}</ul>")
        for province_heading, province, districts in provinces:
            parts.append(f"<h3>{esc(province_heading)}</h3><ul>{link(province)}</ul>")
            if districts:
                parts.append("<ul>" + "".join(link(d) for d in districts) + "</ul>")
    return INDEX.format(
        title=esc(title),
        font=esc(font),
        heading=esc(heading),
        subheading=esc(subheading),
        notes="<br>".join(esc(n) for n in notes),
        body="\n".join(parts),
    )
