"""RecordingReader: stream the records of a jtrader recording in constant memory.

Iterating a reader opens the file, decompresses one chunk (zstd frame) at a time and yields its
records; memory is bounded by the largest chunk, never by the file. Damage is handled without
exceptions once the header has been read:

* a chunk cut off at the end of the file (writer killed) or corrupt at the end: iteration stops
  after the last good chunk, ``reader.truncated`` becomes True and ``reader.truncated_at`` holds
  the byte offset of the bad chunk; a warning is logged;
* a corrupt chunk in the middle: the reader scans forward for the next zstd frame magic number
  that starts a chunk which decompresses and checks out, skips to it and counts the bad chunk in
  ``reader.corrupt_chunks``.

A file that cannot be read at all (missing, empty, not a jtrader recording, unreadable header)
raises one :class:`~jtrader.errors.RecordingError` from :func:`open_recording`.
"""

from __future__ import annotations

import logging
import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import orjson
import zstandard

from jtrader.errors import RecordingError
from jtrader.recording._format import (
    CHUNK_HEAD,
    DIRECTIONS,
    FORMAT_VERSION,
    MAGIC,
    MAX_CHUNK_BYTES,
    RECORD_HEAD,
    ZSTD_MAGIC,
    Record,
    RecordingHeader,
)

__all__ = ["RecordingReader", "open_recording"]

log = logging.getLogger(__name__)

_SCAN_BLOCK = 1 << 20
_tuple_new = tuple.__new__


def _read_chunk(f: BinaryIO, dctx: zstandard.ZstdDecompressor) -> bytes | None:
    """Read and decompress the chunk at the file position; None if it is short or corrupt."""
    head = f.read(CHUNK_HEAD.size)
    if len(head) != CHUNK_HEAD.size:
        return None
    clen, rlen = CHUNK_HEAD.unpack(head)
    if clen > MAX_CHUNK_BYTES or rlen > MAX_CHUNK_BYTES:
        return None
    body = f.read(clen)
    if len(body) != clen or body[:4] != ZSTD_MAGIC:
        return None
    try:
        raw = dctx.decompress(body, max_output_size=rlen)
    except zstandard.ZstdError:
        return None
    return raw if len(raw) == rlen else None


def _decode_batch(raw: bytes) -> list[Record]:
    """Decode one records chunk; raises ValueError (or a subclass) if its layout is broken."""
    try:
        n_conns = int.from_bytes(raw[0:2], "little")
        off = 2
        conns = []
        for _ in range(n_conns):
            length = int.from_bytes(raw[off : off + 2], "little")
            off += 2
            conns.append(raw[off : off + length].decode())
            off += length
        end = len(raw)
        unpack = RECORD_HEAD.unpack_from
        head_size = RECORD_HEAD.size
        directions = DIRECTIONS
        out: list[Record] = []
        append = out.append
        while off < end:
            ts, code, index, url_len, payload_len = unpack(raw, off)
            off += head_size
            if url_len:
                url: str | None = raw[off : off + url_len].decode()
                off += url_len
            else:
                url = None
            append(_tuple_new(Record, (ts, directions[code], conns[index], raw[off : off + payload_len], url)))
            off += payload_len
    except (struct.error, IndexError, UnicodeDecodeError) as exc:
        raise ValueError(f"broken record layout: {exc}") from exc
    if off != end:
        raise ValueError("last record runs past the end of its chunk")
    return out


class RecordingReader:
    """A jtrader recording opened for reading; iterate it for :class:`Record` tuples in file order.

    ``header`` is read when the reader is made. Each iteration re-reads the file from the first
    record chunk and resets ``truncated``, ``truncated_at`` (byte offset, or None),
    ``corrupt_chunks`` and ``records_read``.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.truncated = False
        self.truncated_at: int | None = None
        self.corrupt_chunks = 0
        self.records_read = 0
        try:
            f = open(self.path, "rb")  # noqa: SIM115 - closed just below
        except FileNotFoundError as exc:
            raise RecordingError(f"recording {self.path} does not exist") from exc
        except OSError as exc:
            raise RecordingError(f"cannot open recording {self.path}: {exc}") from exc
        with f:
            magic = f.read(len(MAGIC))
            if not magic:
                raise RecordingError(f"recording {self.path} is empty")
            if magic[:6] != MAGIC[:6] or len(magic) != len(MAGIC) or magic[7:8] != MAGIC[7:8]:
                raise RecordingError(f"{self.path} is not a jtrader recording (bad magic bytes {magic[:8]!r})")
            if magic[6] != FORMAT_VERSION:
                raise RecordingError(f"{self.path}: recording format version {magic[6]} is not supported")
            raw = _read_chunk(f, zstandard.ZstdDecompressor())
            if raw is None:
                raise RecordingError(f"{self.path}: the recording header is missing or corrupt")
            self.header = _parse_header(raw, self.path)
            self._data_start = f.tell()

    def __iter__(self) -> Iterator[Record]:
        self.truncated = False
        self.truncated_at = None
        self.corrupt_chunks = 0
        self.records_read = 0
        dctx = zstandard.ZstdDecompressor()
        with open(self.path, "rb") as f:
            f.seek(self._data_start)
            while True:
                pos = f.tell()
                if not f.read(1):
                    return
                f.seek(pos)
                raw = _read_chunk(f, dctx)
                batch: list[Record] | None = None
                if raw is not None:
                    try:
                        batch = _decode_batch(raw)
                    except ValueError as exc:
                        log.warning("%s: chunk at byte %d is broken (%s)", self.path, pos, exc)
                if batch is None:
                    resume = self._resync(f, pos + 1, dctx)
                    if resume is None:
                        self.truncated = True
                        self.truncated_at = pos
                        log.warning(
                            "%s: recording is truncated or corrupt from byte %d; read %d records",
                            self.path,
                            pos,
                            self.records_read,
                        )
                        return
                    self.corrupt_chunks += 1
                    log.warning("%s: skipped corrupt bytes %d..%d", self.path, pos, resume)
                    f.seek(resume)
                    continue
                self.records_read += len(batch)
                yield from batch

    def _resync(self, f: BinaryIO, start: int, dctx: zstandard.ZstdDecompressor) -> int | None:
        """Byte offset of the first good chunk at or after ``start``, or None if there is none."""
        block_pos = start + CHUNK_HEAD.size  # the zstd magic sits after the 8-byte chunk head
        while True:
            f.seek(block_pos)
            block = f.read(_SCAN_BLOCK)
            i = block.find(ZSTD_MAGIC)
            while i >= 0:
                candidate = block_pos + i - CHUNK_HEAD.size
                f.seek(candidate)
                raw = _read_chunk(f, dctx)
                if raw is not None:
                    try:
                        _decode_batch(raw)
                    except ValueError:
                        pass
                    else:
                        return candidate
                i = block.find(ZSTD_MAGIC, i + 1)
            if len(block) < _SCAN_BLOCK:
                return None
            block_pos += len(block) - (len(ZSTD_MAGIC) - 1)

    def __repr__(self) -> str:
        return f"RecordingReader({str(self.path)!r}, venue={self.header.venue!r})"


def _parse_header(raw: bytes, path: Path) -> RecordingHeader:
    try:
        data = orjson.loads(raw)
        if not isinstance(data, dict) or data.get("format") != "jtrader-recording":
            raise ValueError("not a jtrader header")
        return RecordingHeader(
            venue=str(data["venue"]),
            products=tuple(str(p) for p in data["products"]),
            created_ns=int(data["created_ns"]),
            jtrader_version=str(data["jtrader_version"]),
            metadata=dict(data.get("metadata") or {}),
            format_version=int(data["format_version"]),
        )
    except (orjson.JSONDecodeError, ValueError, KeyError, TypeError) as exc:
        raise RecordingError(f"{path}: the recording header is unreadable ({exc})") from exc


def open_recording(path: str | os.PathLike[str]) -> RecordingReader:
    """Open a jtrader recording: read and check its header; iterate the result for records."""
    return RecordingReader(path)
