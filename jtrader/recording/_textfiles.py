"""Open line-oriented capture files that may be zstd- or gzip-compressed, and sniff their format."""

from __future__ import annotations

import gzip
import io
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

import zstandard

from jtrader.errors import RecordingError
from jtrader.recording._format import MAGIC, ZSTD_MAGIC

__all__ = ["detect_format", "open_lines"]

_GZIP_MAGIC = b"\x1f\x8b"
_SNIFF_BYTES = 4096


def _open_raw(path: Path) -> BinaryIO:
    try:
        return open(path, "rb")
    except FileNotFoundError as exc:
        raise RecordingError(f"recording {path} does not exist") from exc
    except OSError as exc:
        raise RecordingError(f"cannot open recording {path}: {exc}") from exc


@contextmanager
def open_lines(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """A binary stream of the decompressed file (zstd, gzip or plain, by magic bytes); iterate it for lines.

    A compressed stream cut off at the end yields what could be decompressed (the last line may be
    partial); callers detect that by the missing newline.
    """
    path = Path(path)
    raw = _open_raw(path)
    with raw:
        head = raw.read(4)
        raw.seek(0)
        if head == ZSTD_MAGIC:
            reader: BinaryIO = io.BufferedReader(
                zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True, closefd=False),  # type: ignore[arg-type]
                1 << 16,
            )
        elif head[:2] == _GZIP_MAGIC:
            reader = gzip.GzipFile(fileobj=raw, mode="rb")
        else:
            reader = raw
        try:
            yield reader
        finally:
            if reader is not raw:
                reader.close()


def iter_lines(stream: BinaryIO) -> Iterator[bytes]:
    """Lines of ``stream``; a truncated gzip/zstd tail ends the iteration instead of raising."""
    try:
        yield from stream
    except (EOFError, zlib.error, gzip.BadGzipFile, zstandard.ZstdError):
        return


def detect_format(path: str | os.PathLike[str]) -> str:
    """``"jtrader"``, ``"cryptofeed"`` or ``"hftbacktest"`` from the file's first bytes; RecordingError otherwise."""
    path = Path(path)
    with _open_raw(path) as raw:
        head = raw.read(len(MAGIC))
    if not head:
        raise RecordingError(f"recording {path} is empty")
    if head[:5] == MAGIC[:5]:
        return "jtrader"
    try:
        with open_lines(path) as stream:
            first = stream.read(_SNIFF_BYTES).lstrip()
    except (EOFError, OSError, zlib.error, zstandard.ZstdError) as exc:
        raise RecordingError(f"{path}: cannot decompress the start of the file ({exc})") from exc
    if first.startswith(b"{") and b'"t"' in first.split(b"\n", 1)[0]:
        return "cryptofeed"
    digits, _, rest = first.partition(b" ")
    if digits.isdigit() and rest.startswith(b"{"):
        return "hftbacktest"
    raise RecordingError(
        f"{path} is not a recording jtrader can read (expected a jtrader .jtrec, a cryptofeed JSONL "
        "capture or an hftbacktest '<ts_ns> <json>' capture)"
    )
