"""Read a delivered file as text cells, every value a string, with its row numbers."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import polars as pl

# Tried in order. UTF-8 (with or without BOM) first; Thai systems of the 2000s wrote Windows-874.
ENCODINGS = ("utf-8-sig", "cp874")
SUFFIXES = (".csv", ".parquet")


class UnreadableFile(Exception):
    """The file as a whole cannot be read; the message says why, for the ledger."""


@dataclass(frozen=True)
class TextTable:
    frame: pl.DataFrame  # all Utf8, plus row_index (1 = first row under the header)
    encoding: str | None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _decode(raw: bytes) -> tuple[str, str]:
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("not UTF-8 or Windows-874 text")


def read_text(path: Path) -> TextTable:
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            frame = pl.read_parquet(path)
            frame = frame.with_columns(pl.all().cast(pl.Utf8))
            encoding = None
        elif suffix == ".csv":
            text, encoding = _decode(path.read_bytes())
            if not text.strip():
                raise UnreadableFile("the file is empty")
            frame = pl.read_csv(io.StringIO(text), infer_schema=False, truncate_ragged_lines=False)
        else:
            raise UnreadableFile(f"unsupported file type {suffix!r}; send CSV or Parquet")
    except UnreadableFile:
        raise
    except Exception as err:  # polars and pyarrow raise many kinds; the ledger needs the text
        raise UnreadableFile(f"{type(err).__name__}: {str(err).splitlines()[0][:200]}") from err
    frame = frame.rename({c: c.strip().lstrip("\ufeff") for c in frame.columns})
    frame = frame.with_row_index("row_index", offset=1)
    return TextTable(frame=frame, encoding=encoding)
