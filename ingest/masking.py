"""Identifiers masked by value, wherever they were typed: in any column, message or log line.

Masking by column (ingest/staging.py `mask`) misses a citizen ID pasted into the wrong column,
or a house code typed as a village code. Every run of 11 or more digits is therefore replaced,
whatever its column: it covers the 13-digit citizen ID (valid check digit or not: a mistyped
ID still points at a person), the 11-digit house code, and an ID grouped as on the card
(1-2345-67890-12-3, or with spaces). No value of the contract has 11 digits or more (the
longest code, the village code, has 8; amounts have upper bounds far below 10^10), so nothing
a person needs to fix a cell is hidden.
"""

from __future__ import annotations

import re

import polars as pl

# 11 or more digits, each pair at most one dash or space apart
IDENTIFIER = r"\d(?:[- ]?\d){10,}"
MASK = "*" * 13
_IDENTIFIER = re.compile(IDENTIFIER)


def mask_expr(expr: pl.Expr) -> pl.Expr:
    """The text with every identifier-like run of digits replaced by asterisks (one scan)."""
    return expr.str.replace_all(IDENTIFIER, MASK)


def mask_text(text: str | None) -> str | None:
    """The same for one line of text: a file error, a log message."""
    return None if text is None else _IDENTIFIER.sub(MASK, text)
