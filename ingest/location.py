"""Where files live: a folder on this machine, or a prefix of an object store (``s3://bucket/x``).

Landing files and staged parts may sit on object storage so that staging can run on machines
that share no disk with the writer. A location is a ``Path`` for a local folder and a
``UPath`` (fsspec) for a URL; both read and list the same way. Credentials and the endpoint of
an object store come from the environment of each process that reads it (for S3,
``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_ENDPOINT_URL_S3``...), never from an
argument: a location is pickled into Dask's task graph, which the scheduler and its dashboard see.

DuckDB reads only local files here (its httpfs extension is not bundled), so the writer keeps a
copy of a year's remote parts on its own disk (``fetch``), and a staging process writes a part
on its disk first and then uploads it (``upload``), the manifest last.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from upath import UPath

Location = Path | UPath
URL = re.compile(r"^(?P<protocol>[a-z][a-z0-9+.-]*)://", re.I)


def is_url(text: str | os.PathLike) -> bool:
    """A URL of a file system other than this machine's (``file://`` is a local folder)."""
    found = URL.match(str(text))
    return found is not None and found["protocol"].lower() not in ("file", "local")


def location(text: str | os.PathLike) -> Location:
    """The folder or prefix ``text`` names: a Path for a local one, a UPath for a URL."""
    if isinstance(text, UPath) and is_remote(text):
        return text
    text = str(text)
    if is_url(text):
        return UPath(text)
    return Path(text.removeprefix("file://"))


def is_remote(path: object) -> bool:
    """True for a location on an object store (a local UPath is a Path too)."""
    return isinstance(path, UPath) and not isinstance(path, Path)


def check_url(text: str) -> str | None:
    """Why a URL cannot be used (an unknown protocol, or a library missing), else None."""
    import fsspec

    protocol = URL.match(text)["protocol"].lower()
    try:
        fsspec.get_filesystem_class(protocol)
    except (ValueError, ImportError) as err:
        return f"{protocol}:// cannot be read here ({' '.join(str(err).split())})"
    return None


def files_below(folder: Location) -> list[Location]:
    """Every file below a remote ``folder``, in name order, from one listing."""
    fs, base = folder.fs, folder.path.rstrip("/")
    # fsspec keeps listings of a process: files another machine wrote since would be missed
    fs.invalidate_cache(base)
    if not fs.isdir(base):
        return []
    names = sorted(fs.find(base, withdirs=False))
    return [folder.joinpath(*name[len(base) + 1 :].split("/")) for name in names]


def names_in(folder: Location) -> list[str]:
    """The names of the files and folders directly in ``folder``, listed afresh."""
    if is_remote(folder):
        folder.fs.invalidate_cache(folder.path)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def size_and_mtime(path: Location) -> tuple[int, int]:
    """(bytes, modification time in ns) of a file, not following a local link."""
    stat = path.stat() if is_remote(path) else path.lstat()
    return stat.st_size, stat.st_mtime_ns


def remove(path: Location) -> None:
    """Remove a file or a folder with what it holds."""
    if is_remote(path):
        path.fs.rm(path.path, recursive=True)
    elif path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink()


def upload(local: Path, folder: Location, names: Iterable[str]) -> None:
    """Copy the files ``names`` of the local folder ``local`` to ``folder``, in that order:
    the one that says a part is whole (its manifest) goes last."""
    for name in names:
        folder.fs.put_file(str(local / name), (folder / name).path)


def fetch(folder: Location, names: Iterable[str], local: Path) -> int:
    """Copy the files ``names`` of a remote ``folder`` into ``local`` unless already there
    (a part's name says its content: the file's hash under the fingerprint's folder); the
    number copied. Each lands under a temporary name first, so a copy is whole or absent."""
    local.mkdir(parents=True, exist_ok=True)
    todo = [n for n in names if not (local / n).is_file()]
    if todo:
        partial = [str(local / f"{n}.partial") for n in todo]
        folder.fs.get([(folder / n).path for n in todo], partial)
        for name, temporary in zip(todo, partial, strict=True):
            Path(temporary).replace(local / name)
    return len(todo)
