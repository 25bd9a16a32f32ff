"""Render a local HTML file in headless Chromium (Debian's `chromium`) as a person would see
it: a screenshot, the console errors, and every request the page made to somewhere other than
the disk. Tests that need it skip with a message when chromium is not installed
(`apt-get install chromium`)."""

from __future__ import annotations

import html
import json
import re
import shutil
import struct
import subprocess
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WIDTH, HEIGHT = 1100, 800


# A browser that stays quiet: no first-run pages, updates, sync or background requests.
QUIET = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
)


def need_chromium() -> str:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (apt-get install chromium): page not rendered")
    return CHROMIUM


@dataclass(frozen=True)
class Rendered:
    pixels: np.ndarray  # HEIGHT x WIDTH x channels, uint8
    console_errors: list[str]
    outside_requests: list[str]  # URLs the page asked for that are not file: or data:

    @property
    def inked_share(self) -> float:
        """Share of pixels that are not the page's background (its most common colour)."""
        flat = self.pixels.reshape(-1, self.pixels.shape[-1])
        colours, counts = np.unique(flat, axis=0, return_counts=True)
        return 1 - counts.max() / len(flat)


def render(page: Path, work: Path) -> Rendered:
    work.mkdir(parents=True, exist_ok=True)
    shot, net = work / "shot.png", work / "net.json"
    done = subprocess.run(
        [
            need_chromium(),
            *QUIET,
            f"--user-data-dir={work / 'profile'}",
            # nothing leaves the machine, whatever the page asks for; the net log still shows it
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--v=0",
            f"--log-net-log={net}",
            f"--window-size={WIDTH},{HEIGHT}",
            f"--screenshot={shot}",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shot.is_file(), done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    errors = [line for line in console if "Uncaught" in line or "Error" in line]
    return Rendered(_png_pixels(shot.read_bytes()), errors, _page_requests(net))


def _chromium(work: Path, *args: str, budget_ms: int) -> subprocess.CompletedProcess:
    """Headless Chromium on a live page (a web app that fetches its content after the load):
    ``--virtual-time-budget`` lets it run its scripts and requests before the DOM or the
    screenshot is taken."""
    work.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [
            need_chromium(),
            *QUIET,
            f"--user-data-dir={work / 'profile'}",
            f"--virtual-time-budget={budget_ms}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )


def page_text(url: str, work: Path, budget_ms: int = 30_000, size=(1600, 900)) -> str:
    """The text a person sees on ``url`` once its scripts have run (tags, styles and scripts
    removed, whitespace collapsed), in a window of ``size`` (long lists draw only the rows the
    window shows)."""
    window = f"--window-size={size[0]},{size[1]}"
    done = _chromium(work, window, "--dump-dom", url, budget_ms=budget_ms)
    dom = re.sub(r"<(script|style)\b.*?</\1>", " ", done.stdout, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", dom))).strip()


def screenshot(url: str, shot: Path, work: Path, size=(1600, 900), budget_ms=30_000) -> Rendered:
    """A screenshot of ``url`` at ``size`` once its scripts have run."""
    done = _chromium(
        work, f"--window-size={size[0]},{size[1]}", f"--screenshot={shot}", url,
        budget_ms=budget_ms,
    )  # fmt: skip
    assert shot.is_file(), done.stderr[-2000:]
    return Rendered(_png_pixels(shot.read_bytes()), [], [])


def _page_requests(net_log: Path) -> list[str]:
    """URLs the page requested (the browser's own requests have no file:// isolation key)."""
    log = json.loads(net_log.read_text(encoding="utf-8"))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in log["events"]:
        params = event.get("params") or {}
        if event["type"] != start or "url" not in params:
            continue
        if not str(params.get("network_isolation_key", "")).startswith("file://"):
            continue
        if not params["url"].startswith(("file:", "data:")):
            urls.append(params["url"])
    return sorted(set(urls))


def _png_pixels(data: bytes) -> np.ndarray:
    """Decode an 8-bit RGB or RGBA PNG (what Chromium writes) without an imaging library."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour = header[:4]
    assert depth == 8 and colour in (2, 6), header
    channels = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * channels
    rows = np.zeros((height, stride), dtype=np.int32)
    previous = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = np.frombuffer(raw, np.uint8, stride, y * (stride + 1) + 1).astype(np.int32)
        if kind == 2:  # Up: vectorised
            line = (line + previous) & 0xFF
        elif kind in (1, 3, 4):  # Sub, Average, Paeth: byte by byte, each from its left
            out = line.copy()
            for x in range(stride):
                left = out[x - channels] if x >= channels else 0
                up = previous[x]
                if kind == 1:
                    out[x] = (out[x] + left) & 0xFF
                elif kind == 3:
                    out[x] = (out[x] + (left + up) // 2) & 0xFF
                else:
                    corner = previous[x - channels] if x >= channels else 0
                    p = left + up - corner
                    pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                    pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                    out[x] = (out[x] + pred) & 0xFF
            line = out
        rows[y] = line
        previous = line
    return rows.astype(np.uint8).reshape(height, width, channels)


def graphql_text(base: str, query: str) -> str:
    """The Dagster webserver's whole GraphQL answer as text (tests search it for a secret)."""
    request = urllib.request.Request(
        f"{base}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return answer.read().decode()
