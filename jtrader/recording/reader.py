"""RecordingReader: stream the records of a jtrader recording in constant memory.

Iterating a reader opens the file, decompresses one chunk (zstd frame) at a time and yields its
records; memory is bounded by the largest chunk, never by the file. Damage is handled without
exceptions once the header has been read, and reported in ``reader.damage`` (a
:class:`~jtrader.recording.damage.DamageReport`, one WARNING per problem):

* a chunk cut off at the end of the file (writer killed) or corrupt at the end: iteration stops
  after the last good chunk, ``truncated`` becomes True and ``truncated_at`` holds the byte offset
  of the bad chunk;
* a version 2 file that ends, at a chunk boundary, without its end marker (a writer killed
  between two chunks, an interrupted ``generate``): ``truncated`` at the end of the last chunk;
* a corrupt chunk in the middle: the reader scans forward for the next zstd frame magic number
  (or the end marker) that starts a chunk which decompresses and checks out, skips to it and
  counts the bad chunk in ``corrupt_chunks``; the end marker's record count then tells how many
  records were lost (``lost_records``);
* a record whose time is impossible (outside 2000..2200, or more than a day from the record
  before: see :class:`~jtrader.recording.damage.TimestampGuard`): skipped, ``bad_timestamps``;
* bytes after the end marker: a ``corrupt_chunks`` event, ignored.

A file that cannot be read at all (missing, empty, not a jtrader recording, unreadable header)
raises one :class:`~jtrader.errors.RecordingError` from :func:`open_recording`.
"""

from __future__ import annotations

import logging
import os
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

import orjson
import zstandard

from jtrader.errors import RecordingError
from jtrader.model.timestamps import MAX_TS_NS
from jtrader.recording._format import (
    CHUNK_HEAD,
    DIRECTIONS,
    END_HEAD,
    END_TAG,
    MAGIC,
    MAX_CHUNK_BYTES,
    MAX_END_JSON,
    READABLE_VERSIONS,
    RECORD_HEAD,
    ZSTD_MAGIC,
    Record,
    RecordingHeader,
)
from jtrader.recording.damage import MAX_JUMP_NS, DamageReport, TimestampGuard

__all__ = ["RecordingReader", "open_recording"]

log = logging.getLogger(__name__)

_SCAN_BLOCK = 1 << 20
_tuple_new = tuple.__new__
_HALF_DAY = MAX_JUMP_NS // 2


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


def _read_end(f: BinaryIO) -> dict[str, Any] | None:
    """The end marker at the file position (its JSON), or None if there is none or it is damaged."""
    head = f.read(CHUNK_HEAD.size + END_HEAD.size)
    if len(head) != CHUNK_HEAD.size + END_HEAD.size:
        return None
    clen, length = CHUNK_HEAD.unpack_from(head)
    tag, crc = END_HEAD.unpack_from(head, CHUNK_HEAD.size)
    if clen != 0 or tag != END_TAG or length > MAX_END_JSON:
        return None
    body = f.read(length)
    if len(body) != length or zlib.crc32(body) != crc:
        return None
    try:
        end = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(end, dict) or type(end.get("records")) is not int:
        return None
    return end


class _Batch:
    """One decoded records chunk: its good records, and the ones refused for their time."""

    __slots__ = ("bad", "last", "records")

    def __init__(self, records: list[Record], bad: list[tuple[int, str]], last: int | None) -> None:
        self.records = records
        self.bad = bad
        self.last = last


def _decode_batch(raw: bytes, last: int | None) -> _Batch:
    """Decode one records chunk; ``last`` is the time of the last good record before it (or None).

    Records whose ``ts`` is out of range or jumps more than a day from the last good record are
    left out (``bad``). Raises ValueError (or a subclass) if the chunk's layout is broken.

    The time check is exact and costs one chained comparison per record: a record inside the
    window ``[anchor, anchor + half a day]``, where the anchor is a good record and every good
    record since lies in the window, is within a day of the last good one; any other record takes
    the slow path, which checks it against the last good record and re-anchors the window on it.
    """
    bad: list[tuple[int, str]] = []
    lo, hi = (1, 0) if last is None else (last, min(last + _HALF_DAY, MAX_TS_NS - 1))
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
            if not lo <= ts <= hi:  # rare: check exactly against the last good record
                reason = TimestampGuard(out[-1].ts if out else last).check(ts)
                if reason is not None:
                    if code >= len(directions) or index >= n_conns:
                        raise IndexError(f"direction code {code} or connection index {index} out of range")
                    bad.append((ts, reason))
                    off += payload_len
                    continue
                lo, hi = ts, min(ts + _HALF_DAY, MAX_TS_NS - 1)
            append(_tuple_new(Record, (ts, directions[code], conns[index], raw[off : off + payload_len], url)))
            off += payload_len
    except (struct.error, IndexError, UnicodeDecodeError) as exc:
        raise ValueError(f"broken record layout: {exc}") from exc
    if off != end:
        raise ValueError("last record runs past the end of its chunk")
    return _Batch(out, bad, out[-1].ts if out else last)


class RecordingReader:
    """A jtrader recording opened for reading; iterate it for :class:`Record` tuples in file order.

    ``header`` is read when the reader is made. Each iteration re-reads the file from the first
    record chunk and resets ``damage`` (see the module docstring), ``records_read`` and the end
    marker fields: ``ended`` (the end marker was read), ``expected_records`` (its record count).
    ``truncated``, ``truncated_at`` and ``corrupt_chunks`` read the damage report; ``data_end``
    is the byte offset right after the last complete chunk read (where
    :meth:`~jtrader.recording.RecordingWriter.append_to` continues a file).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.damage = DamageReport(str(self.path))
        self.records_read = 0
        self.ended = False
        self.expected_records: int | None = None
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
            if magic[6] not in READABLE_VERSIONS:
                raise RecordingError(f"{self.path}: recording format version {magic[6]} is not supported")
            self.version = magic[6]
            raw = _read_chunk(f, zstandard.ZstdDecompressor())
            if raw is None:
                raise RecordingError(f"{self.path}: the recording header is missing or corrupt")
            self.header = _parse_header(raw, self.path)
            self._data_start = f.tell()
            self.data_end = self._data_start

    @property
    def truncated(self) -> bool:
        """The data stops before its end (see the module docstring)."""
        return self.damage.truncated

    @property
    def truncated_at(self) -> int | None:
        """Byte offset where the readable data stops, when truncated."""
        return self.damage.truncated_at

    @property
    def corrupt_chunks(self) -> int:
        """Damaged spans skipped in the last read."""
        return self.damage.corrupt_chunks

    def __iter__(self) -> Iterator[Record]:
        damage = self.damage
        damage.reset()
        self.records_read = 0
        self.ended = False
        self.expected_records = None
        self.data_end = self._data_start
        dctx = zstandard.ZstdDecompressor()
        last: int | None = None  # the first record in range anchors the jump check (chunks are checksummed)
        with open(self.path, "rb") as f:
            f.seek(self._data_start)
            while True:
                pos = f.tell()
                head = f.read(CHUNK_HEAD.size)
                if not head:
                    if self.version >= 2:
                        damage.note("truncated", "no end marker: the writer stopped before closing the file", pos)
                    break
                f.seek(pos)
                if head[:4] == b"\x00\x00\x00\x00" and self.version >= 2:
                    if self._end(f, pos):
                        break
                    batch = None
                else:
                    raw = _read_chunk(f, dctx)
                    batch = None
                    if raw is not None:
                        try:
                            batch = _decode_batch(raw, last)
                        except ValueError as exc:
                            log.debug("%s: chunk at byte %d is broken (%s)", self.path, pos, exc)
                if batch is None:
                    resume = self._resync(f, pos + 1, dctx)
                    if resume is None:
                        damage.note("truncated", f"the chunk at byte {pos} is cut off or corrupt", pos)
                        break
                    damage.note("corrupt_chunks", f"bytes {pos}..{resume} do not hold a good chunk: skipped", pos)
                    f.seek(resume)
                    continue
                for ts, reason in batch.bad:
                    damage.note("bad_timestamps", f"record at {ts} ns skipped: {reason}", pos)
                last = batch.last
                self.data_end = f.tell()
                self.records_read += len(batch.records)
                yield from batch.records
        expected = self.expected_records
        if expected is not None and self.records_read + damage.bad_timestamps < expected:
            lost = expected - self.records_read - damage.bad_timestamps
            damage.note("lost_records", f"the end marker counts {expected} records; {lost} were not read", count=lost)
        if damage.problems:
            log.warning(
                "%s: read %d records; %s", self.path, self.records_read, "; ".join(damage.describe()) or "damaged"
            )

    def _end(self, f: BinaryIO, pos: int) -> bool:
        """Read the end marker at ``pos``; True if it is good (the iteration is over)."""
        end = _read_end(f)
        if end is None:
            return False
        self.ended = True
        self.expected_records = end["records"]
        inherited = end.get("source_damage")
        if isinstance(inherited, dict):
            self.damage.inherited = inherited
        after = f.tell()
        extra = len(f.read(_SCAN_BLOCK))
        if extra:
            more = " or more" if extra == _SCAN_BLOCK else ""
            self.damage.note("corrupt_chunks", f"{extra}{more} bytes after the end marker ignored", after)
        return True

    def _resync(self, f: BinaryIO, start: int, dctx: zstandard.ZstdDecompressor) -> int | None:
        """Byte offset of the first good chunk (or end marker) at or after ``start``, or None."""
        block_pos = start
        tail = len(END_TAG) - 1
        while True:
            f.seek(block_pos)
            block = f.read(_SCAN_BLOCK)
            candidates = []
            i = block.find(ZSTD_MAGIC)
            while i >= 0:  # the zstd magic sits after the 8-byte chunk head
                candidates.append((block_pos + i - CHUNK_HEAD.size, False))
                i = block.find(ZSTD_MAGIC, i + 1)
            i = block.find(END_TAG)
            while i >= 0:  # the end tag sits after the 8-byte chunk head
                candidates.append((block_pos + i - CHUNK_HEAD.size, True))
                i = block.find(END_TAG, i + 1)
            for candidate, is_end in sorted(candidates):
                if candidate < start:
                    continue
                f.seek(candidate)
                if is_end:
                    if self.version >= 2 and _read_end(f) is not None:
                        return candidate
                    continue
                raw = _read_chunk(f, dctx)
                if raw is not None:
                    try:
                        _decode_batch(raw, None)
                    except ValueError:
                        pass
                    else:
                        return candidate
            if len(block) < _SCAN_BLOCK:
                return None
            block_pos += len(block) - tail

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
