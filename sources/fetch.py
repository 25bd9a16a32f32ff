"""Moving bytes from a portal into the landing area, safely.

One ``httpx`` client per pull: timeouts on every request, retries with exponential backoff
(``tenacity``) on what may pass (5xx, 429, timeouts, a dropped connection, a truncated body),
a size limit checked before and while reading, and a content-type check on what came back. A
download is streamed to a hidden ``.partial`` file beside its target, hashed on the way, synced
and renamed over the target only when complete: landing never holds half a file. A resource
whose ETag or modification date is unchanged is not downloaded again (304), and one that
downloads to the same sha256 leaves the landed file as it was.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Collection, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)


class FetchError(RuntimeError):
    """A source could not be fetched; the message is one line for the user."""


class _Transient(RuntimeError):
    """Worth another try: the server failed, or the body came short."""


@dataclass(frozen=True)
class Limits:
    timeout: float = 60.0  # seconds, for connecting and between bytes
    max_bytes: int = 200 * 1024 * 1024
    attempts: int = 4
    backoff_initial: float = 1.0  # seconds before the second try, doubling up to backoff_max
    backoff_max: float = 30.0

    @classmethod
    def from_config(cls, spec: Mapping[str, Any] | None) -> Limits:
        spec = dict(spec or {})
        if "max_mb" in spec:
            spec["max_bytes"] = int(float(spec.pop("max_mb")) * 1024 * 1024)
        return cls(**spec)


@dataclass(frozen=True)
class Landed:
    """What one download left in landing (or found unchanged there)."""

    path: Path
    url: str  # as asked for
    final_url: str  # after redirects
    sha256: str
    bytes: int
    content_type: str | None
    etag: str | None
    last_modified: str | None
    fetched_at: str  # ISO 8601, UTC
    status: str  # new | updated | unchanged


# What each format may come back as. Portals often serve CSV as text/plain or as the Excel type,
# and anything as octet-stream; the bytes are sniffed as well (``_sniff``).
CONTENT_TYPES = {
    "csv": {"text/csv", "application/csv", "text/plain", "application/vnd.ms-excel",
            "application/octet-stream"},
    "xlsx": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             "application/octet-stream", "application/zip"},
    "sdmx-ml": {"application/xml", "text/xml", "application/vnd.sdmx.structurespecificdata+xml",
                "application/vnd.sdmx.genericdata+xml"},
    "sdmx-json": {"application/json", "application/vnd.sdmx.data+json"},
}  # fmt: skip


def _sniff(fmt: str, head: bytes) -> str | None:
    """Why these first bytes cannot be a file of ``fmt`` (None: they can)."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:15].lower()
    if fmt == "xlsx" and not head.startswith(b"PK\x03\x04"):
        return "not an XLSX workbook (no zip signature)"
    if fmt == "csv" and start.startswith((b"<!doctype", b"<html", b"<?xml")):
        return "a web page, not CSV"
    if fmt == "sdmx-ml" and not start.startswith(b"<"):
        return "not XML"
    if fmt == "sdmx-json" and not start.startswith(b"{"):
        return "not JSON"
    return None


def _transient(error: BaseException) -> bool:
    return isinstance(error, _Transient | httpx.TimeoutException | httpx.TransportError)


def _reason(error: BaseException) -> str:
    if isinstance(error, httpx.TimeoutException):
        return "timed out"
    if isinstance(error, httpx.RemoteProtocolError):
        return f"connection dropped mid-response ({error})"
    return str(error)


class Fetcher:
    """An HTTP client for one pull; use as a context manager."""

    def __init__(
        self,
        limits: Limits | None = None,
        headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ):
        self.limits = limits or Limits()
        self._client = httpx.Client(
            timeout=self.limits.timeout,
            follow_redirects=True,
            max_redirects=5,
            headers={"User-Agent": "chipao-pull", **(headers or {})},
            transport=transport,
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc) -> None:
        self._client.close()

    def _retrying(self, what: str, attempt):
        retrying = Retrying(
            stop=stop_after_attempt(self.limits.attempts),
            wait=wait_exponential_jitter(
                initial=self.limits.backoff_initial, max=self.limits.backoff_max
            ),
            retry=retry_if_exception(_transient),
        )
        try:
            return retrying(attempt)
        except RetryError as err:
            last = err.last_attempt.exception()
            raise FetchError(
                f"{what}: {_reason(last)} (after {self.limits.attempts} attempts)"
            ) from None
        except httpx.HTTPError as err:  # not worth retrying: a bad URL, too many redirects
            raise FetchError(f"{what}: {err}") from None

    def get_json(self, url: str, params: Mapping[str, Any] | None = None) -> Any:
        def attempt():
            response = self._client.get(url, params=params)
            _raise_for_status(response)
            try:
                return response.json()
            except ValueError:
                raise FetchError(
                    f"{url}: the answer is not JSON ({response.headers.get('content-type')})"
                ) from None

        return self._retrying(url, attempt)

    def download(
        self,
        url: str,
        target: Path,
        fmt: str,
        *,
        previous: Mapping[str, Any] | None = None,
        accept: str | None = None,
    ) -> Landed:
        """Fetch ``url`` into ``target`` unless unchanged since ``previous`` (its provenance)."""
        target.parent.mkdir(parents=True, exist_ok=True)
        headers = {"Accept": accept} if accept else {}
        have = previous if previous and target.exists() else None
        if have and have.get("etag"):
            headers["If-None-Match"] = have["etag"]
        if have and have.get("last_modified"):
            headers["If-Modified-Since"] = have["last_modified"]
        partial = target.with_name(f".{target.name}.partial")
        try:
            return self._retrying(
                url, lambda: self._stream(url, target, partial, fmt, headers, have)
            )
        finally:
            partial.unlink(missing_ok=True)

    def _stream(self, url, target, partial, fmt, headers, have) -> Landed:
        fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
        with self._client.stream("GET", url, headers=headers) as response:
            if response.status_code == 304 and have:
                return _landed(target, url, str(response.url), have, response, fetched_at,
                               "unchanged", sha=have["sha256"], size=have["bytes"])  # fmt: skip
            _raise_for_status(response)
            content_type = _media_type(response)
            if content_type not in CONTENT_TYPES[fmt]:
                raise FetchError(
                    f"{url}: served as {content_type or 'no content type'}, expected {fmt} "
                    f"({', '.join(sorted(CONTENT_TYPES[fmt]))})"
                )
            declared = response.headers.get("content-length")
            limit = self.limits.max_bytes
            if declared is not None and int(declared) > limit:
                raise FetchError(f"{url}: {int(declared):,} bytes, over the limit of {limit:,}")
            digest, size = hashlib.sha256(), 0
            with partial.open("wb") as out:
                for chunk in response.iter_bytes():
                    if size == 0 and (why := _sniff(fmt, chunk)):
                        raise FetchError(f"{url}: {why}")
                    size += len(chunk)
                    if size > limit:
                        raise FetchError(f"{url}: more than the limit of {limit:,} bytes")
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if declared is not None and size != int(declared):
                raise _Transient(f"truncated: {size:,} of {int(declared):,} bytes")
        sha = digest.hexdigest()
        if have and have.get("sha256") == sha:
            return _landed(target, url, str(response.url), have, response, fetched_at,
                           "unchanged", sha=sha, size=size)  # fmt: skip
        status = "updated" if target.exists() else "new"
        os.replace(partial, target)
        return _landed(target, url, str(response.url), None, response, fetched_at, status,
                       sha=sha, size=size)  # fmt: skip


def _media_type(response: httpx.Response) -> str | None:
    value = response.headers.get("content-type")
    return value.split(";")[0].strip().lower() if value else None


def _raise_for_status(response: httpx.Response) -> None:
    code = response.status_code
    if code >= 500 or code == 429:
        raise _Transient(f"HTTP {code} from {response.url}")
    if code >= 400:
        raise FetchError(f"{response.url}: HTTP {code}")


def _landed(target, url, final_url, have, response, fetched_at, status, *, sha, size) -> Landed:
    headers = response.headers
    return Landed(
        path=target,
        url=url,
        final_url=final_url,
        sha256=sha,
        bytes=size,
        content_type=_media_type(response) or (have or {}).get("content_type"),
        etag=headers.get("etag") or (have or {}).get("etag"),
        last_modified=headers.get("last-modified") or (have or {}).get("last_modified"),
        fetched_at=fetched_at,
        status=status,
    )


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    finally:
        with suppress(FileNotFoundError):
            partial.unlink()


def leftovers(root: Path, names: Collection[str] = ()) -> list[Path]:
    """Half-written files under ``root`` (there should never be any after a pull)."""
    return sorted(p for p in root.rglob(".*.partial") if not names or p.name in names)
