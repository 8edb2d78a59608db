"""Output locations: checked before a run starts, written deterministically, listed for the manifest.

``check_out_dir``/``check_out_file`` turn every reason an output cannot be written (a file where a
directory should be, a missing or read-only parent) into one :class:`~jtrader.errors.ConfigError`
line *before* the run, not after an hour of work. The checks try the real thing (create and remove
a probe file in the nearest existing directory): permission bits lie for root and on read-only
mounts.

:class:`OutputDir` writes the files of one run and remembers their names, so the run's
``manifest.json`` can list each one with its sha256. JSON goes through orjson with a fixed layout
(two-space indent, keys in insertion order, a final newline): the same summary gives the same bytes.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

from jtrader.errors import ConfigError

__all__ = ["MANIFEST", "OutputDir", "check_out_dir", "check_out_file", "json_bytes", "sha256_file"]

#: the manifest's file name inside every output directory
MANIFEST = "manifest.json"


def json_bytes(obj: Any) -> bytes:
    """``obj`` as indented JSON with a final newline (the layout of every JSON file jtrader writes)."""
    return orjson.dumps(obj, option=orjson.OPT_INDENT_2) + b"\n"


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex sha256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _probe_writable(directory: Path, what: str, path: Path) -> None:
    try:
        fd, probe = tempfile.mkstemp(prefix=".jtrader-probe-", dir=directory)
    except OSError as exc:
        raise ConfigError(f"{what} {path}: cannot write in {directory}: {exc.strerror or exc}") from None
    os.close(fd)
    os.unlink(probe)


def _nearest_existing(path: Path, what: str, original: Path) -> Path:
    parent = path
    while not parent.exists():
        if parent.parent == parent:  # pragma: no cover - the root always exists
            break
        if parent.is_symlink():
            raise ConfigError(f"{what} {original}: {parent} is a broken symbolic link")
        parent = parent.parent
    if not parent.is_dir():
        raise ConfigError(f"{what} {original}: {parent} is a file, not a directory")
    return parent


def check_out_dir(path: str | os.PathLike[str], what: str = "--out") -> Path:
    """Check that ``path`` is (or can become) a writable directory; return it. Creates nothing."""
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{what} {out}: exists and is a file, not a directory")
    _probe_writable(_nearest_existing(out, what, out), what, out)
    return out


def check_out_file(path: str | os.PathLike[str], what: str = "--out") -> Path:
    """Check that ``path`` can be written as a file (replacing an existing file); return it."""
    out = Path(path)
    if out.is_dir():
        raise ConfigError(f"{what} {out}: is a directory, not a file")
    if out.exists() and not os.access(out, os.W_OK):
        raise ConfigError(f"{what} {out}: the file is read-only")
    _probe_writable(_nearest_existing(out.parent, what, out), what, out)
    return out


class OutputDir:
    """The output directory of one run: creates it, writes files, remembers which ones it wrote."""

    def __init__(self, path: str | os.PathLike[str], what: str = "--out") -> None:
        self.path = check_out_dir(path, what)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"{what} {self.path}: cannot create the directory: {exc}") from exc
        #: names written by this run, in order (the manifest lists them with their sha256)
        self.files: list[str] = []

    def file(self, name: str) -> Path:
        """The path of output ``name`` inside the directory, noted as written by this run."""
        if name not in self.files:
            self.files.append(name)
        return self.path / name

    def write_bytes(self, name: str, data: bytes) -> Path:
        """Write ``data`` to ``name``; return its path."""
        target = self.file(name)
        target.write_bytes(data)
        return target

    def write_json(self, name: str, obj: Any) -> Path:
        """Write ``obj`` as indented JSON (see :func:`json_bytes`)."""
        return self.write_bytes(name, json_bytes(obj))

    def write_jsonl(self, name: str, rows: Iterable[Any]) -> Path:
        """Write one compact JSON object per line."""
        dumps = orjson.dumps
        return self.write_bytes(name, b"".join(dumps(row) + b"\n" for row in rows))

    def hashes(self) -> dict[str, str]:
        """``{name: sha256}`` of every file this run wrote, sorted by name (the manifest excluded)."""
        return {name: sha256_file(self.path / name) for name in sorted(self.files) if name != MANIFEST}
