"""Keyed pseudonyms for citizen IDs and house codes: no raw identifier reaches the warehouse."""

from __future__ import annotations

import hashlib
import os
import secrets
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

KEY_HELP = (
    "No pseudonymisation key is configured. Set CHIPAO_KEY to a secret of at least 32 "
    "characters, or point CHIPAO_KEY_FILE at a file holding one (`chipao init-key` writes "
    "{path}). Keep the key: without the same key, next year's pseudonyms will not match."
)


# The variables that give the key (or the file holding it) to a process: the writer's and every
# staging worker's (pipelines/settings.py reads them from the same names).
KEY_VARIABLE, KEY_FILE_VARIABLE = "CHIPAO_KEY", "CHIPAO_KEY_FILE"


class MissingKeyError(RuntimeError):
    pass


def load_key(key: str | None, key_file: Path) -> bytes:
    if key:
        secret = key.strip()
    elif key_file.is_file():
        secret = key_file.read_text(encoding="utf-8").strip()
    else:
        raise MissingKeyError(KEY_HELP.format(path=key_file))
    if len(secret) < 32:
        raise MissingKeyError(f"The pseudonymisation key is shorter than 32 characters. {KEY_HELP}")
    return secret.encode("utf-8")


def create_key_file(path: Path) -> bool:
    """Write a fresh random key unless one is there; True when a key was written."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(secrets.token_hex(32) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return True


def hmac_pads(key: bytes, purpose: str) -> tuple[bytes, bytes]:
    """HMAC-SHA256's inner and outer pads for ``key`` (RFC 2104), the purpose prefixed to the
    message put after the inner pad: HMAC(key, purpose || 0x00 || value)."""
    block = hashlib.sha256().block_size
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\x00")
    inner = bytes(b ^ 0x36 for b in key) + purpose.encode() + b"\x00"
    return inner, bytes(b ^ 0x5C for b in key)


def key_sql(column: str, purpose: str) -> str:
    """A DuckDB expression for the pseudonym of ``column``, with $<purpose>_ipad and
    $<purpose>_opad as parameters (``key_params``).

    HMAC-SHA256(key, purpose || 0x00 || value), the first 8 bytes as a signed big-endian 64-bit
    integer. The purpose ('person', 'house') makes one key give unrelated pseudonyms for
    different kinds of identifier; 64 bits keep keys compact, and a collision (about 4e-5 for
    40 M people) surfaces as a duplicate in validation, never as a silent merge. DuckDB hashes a
    whole column at once on every core: no Python call per identifier.
    """
    digest = (
        f"sha256(${purpose}_opad || unhex(sha256(${purpose}_ipad || encode({column}::VARCHAR))))"
    )
    unsigned = f"('0x' || left({digest}, 16))::UBIGINT::HUGEINT"
    # two's complement without naming the digest twice (DuckDB would hash twice); NULL stays NULL
    return f"((({unsigned} + {2**63}) % {2**64}) - {2**63})::BIGINT"


def key_params(key: bytes, *purposes: str) -> dict[str, bytes]:
    params = {}
    for purpose in purposes:
        params[f"{purpose}_ipad"], params[f"{purpose}_opad"] = hmac_pads(key, purpose)
    return params


def pseudonyms(values: pl.Series, key: bytes, purpose: str) -> pl.Series:
    """Pseudonyms of a series of identifiers (see ``key_sql``), for tests and notebooks."""
    con = duckdb.connect()
    try:
        con.register("frame", values.cast(pl.Utf8).to_frame("value"))
        result = con.sql(
            f"SELECT {key_sql('value', purpose)} AS key FROM frame",
            params=key_params(key, purpose),
        ).pl()
    finally:
        con.close()
    return result["key"].alias(values.name)


def key_digest(key: bytes) -> str:
    """A short digest that tells whether two processes hold the same key, and nothing of it."""
    return hashlib.sha256(b"chipao-key-check\x00" + key).hexdigest()[:16]


@dataclass(frozen=True)
class KeyRef:
    """What a staging worker is told of the key: its digest, and the writer's key file (the
    same path on this machine or a shared disk). The key itself never travels with a task:
    a worker reads it from its own environment (KEY_VARIABLE or KEY_FILE_VARIABLE, as a
    cluster's secret gives it) or from that file."""

    digest: str
    file: str | None = None


@cache
def worker_key(ref: KeyRef) -> bytes:
    """The key of this worker process, checked against the writer's (once per process)."""
    file = os.environ.get(KEY_FILE_VARIABLE) or ref.file or "pseudonym.key"
    key = load_key(os.environ.get(KEY_VARIABLE), Path(file))
    if key_digest(key) != ref.digest:
        raise MissingKeyError(
            "this worker's pseudonymisation key is not the writer's: give every worker the "
            f"same {KEY_VARIABLE} or {KEY_FILE_VARIABLE} (pseudonyms made with another key "
            "would not match)"
        )
    return key
