"""RecordingWriter: append records to a crash-safe, zstd-compressed jtrader recording.

Records are buffered and written as one independent zstd frame ("chunk") every ``max_records``
records, every ``max_bytes`` bytes of buffered data, when the recorded time ``ts`` has moved more
than ``max_age_ns`` past the chunk's first record, and on :meth:`RecordingWriter.flush` and
:meth:`RecordingWriter.close`. Each chunk is written with a single ``write`` and the file is
flushed to the operating system, so a process killed with SIGKILL loses only the records still
in its buffer; a reader gets back every complete chunk (see ``jtrader.recording.reader``).

Only :meth:`RecordingWriter.close` writes the **end marker** (the record count, and the damage
of the file a copy was converted from). A writer killed, or leaving a ``with`` block by an
exception (Ctrl-C in ``generate``, an error), flushes what it has but writes no end marker: the
reader then reports the file ``truncated``, which it is.

No clock is read here: ``created_ns`` is a parameter, so the same records give the same bytes.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO

import orjson
import zstandard

from jtrader._version import __version__
from jtrader.errors import RecordingError
from jtrader.model.timestamps import MAX_TS_NS, MIN_TS_NS
from jtrader.recording._format import (
    CHUNK_HEAD,
    DIRECTION_CODES,
    END_HEAD,
    END_TAG,
    EVENTS_VERSION,
    FORMAT_VERSION,
    RECORD_HEAD,
    Direction,
    Record,
    RecordingHeader,
    magic_for,
)

__all__ = ["RecordingWriter"]

_MAX_U16 = 0xFFFF
_MAX_U32 = 0xFFFFFFFF
_EVENT_CODE = DIRECTION_CODES[Direction.EVENT]


class RecordingWriter:
    """Write a jtrader recording to ``path`` (created or truncated).

    ``venue`` and ``products`` describe the session, ``created_ns`` is the creation time in int ns
    since the epoch (the CLI passes the wall clock; tests and generators pass a fixed value so the
    output is byte-identical), ``metadata`` any JSON-able dict. Use as a context manager::

        with RecordingWriter("s.jtrec", "coinbase", ["BTC-USD"], created_ns=t0) as w:
            w.write(ts_ns, Direction.RECV, "coinbase.ws.1", frame_bytes)

    ``level`` is the zstd level (3 is fast and compresses JSON about 8-10x). ``format_version``
    is 2, or 3 for a file that may hold ``event`` records (refused in a version 2 file).

    :meth:`append_to` reopens an existing recording to add records after its last complete chunk
    (a resumed paper session).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        venue: str,
        products: list[str] | tuple[str, ...],
        metadata: dict[str, Any] | None = None,
        *,
        created_ns: int,
        max_records: int = 10_000,
        max_bytes: int = 1 << 20,
        max_age_ns: int | None = 5_000_000_000,
        level: int = 3,
        format_version: int = FORMAT_VERSION,
        _append: tuple[int, int] | None = None,
    ) -> None:
        if format_version not in (FORMAT_VERSION, EVENTS_VERSION):
            raise RecordingError(f"a writer writes format version 2 or 3, not {format_version!r}")
        if type(created_ns) is not int:
            raise RecordingError(f"created_ns must be an int of ns, got {created_ns!r}")
        if max_records < 1 or max_bytes < 1:
            raise RecordingError("max_records and max_bytes must be positive")
        self.path = Path(path)
        self.header = RecordingHeader(
            venue=str(venue),
            products=tuple(str(p) for p in products),
            created_ns=created_ns,
            jtrader_version=__version__,
            metadata=dict(metadata or {}),
            format_version=format_version,
        )
        try:
            header_bytes = orjson.dumps(self.header.to_json_dict(), option=orjson.OPT_SORT_KEYS)
        except TypeError as exc:
            raise RecordingError(f"recording metadata is not JSON-serialisable: {exc}") from exc
        self._max_records = max_records
        self._max_bytes = max_bytes
        self._max_age_ns = max_age_ns
        self._cctx = zstandard.ZstdCompressor(level=level, write_checksum=True, write_content_size=True)
        self._buf = bytearray()
        self._conns: dict[str, int] = {}
        self._n = 0
        self._first_ts = 0
        self.records_written = 0
        self.chunks_written = 0
        #: what the file this recording was converted from lost (kept in the end marker); see
        #: :meth:`jtrader.recording.damage.DamageReport.as_dict`
        self.source_damage: dict[str, Any] | None = None
        self._closed = False
        self._events = format_version >= EVENTS_VERSION
        if _append is not None:
            at, records_before = _append
            self._file = _open_for_append(self.path, magic_for(format_version), at)
            self.records_written = records_before
            return
        try:
            self._file: BinaryIO = open(self.path, "wb")  # noqa: SIM115 - closed by close()
        except OSError as exc:
            raise RecordingError(f"cannot create recording {self.path}: {exc}") from exc
        self._file.write(magic_for(format_version))
        self._write_chunk(header_bytes)

    @classmethod
    def append_to(
        cls,
        path: str | os.PathLike[str],
        header: RecordingHeader,
        *,
        at: int,
        records_before: int,
        **chunking: Any,
    ) -> RecordingWriter:
        """Reopen the recording ``path`` (whose header is ``header``) to append records.

        The file is cut at byte ``at``, the end of its last complete chunk
        (:attr:`~jtrader.recording.RecordingReader.data_end` after reading it): an incomplete
        chunk a killed writer left, or the end marker of a closed file, goes. New chunks follow;
        :meth:`close` writes the end marker counting ``records_before`` + the records appended.
        ``chunking`` takes the constructor's ``max_records``, ``max_bytes``, ``max_age_ns``, ``level``.
        """
        return cls(
            path,
            header.venue,
            list(header.products),
            header.metadata,
            created_ns=header.created_ns,
            format_version=header.format_version,
            _append=(at, records_before),
            **chunking,
        )

    def write(
        self,
        ts: int,
        direction: Direction | str,
        conn: str,
        payload: bytes,
        url: str | None = None,
    ) -> None:
        """Append one record: ``ts`` int ns, ``direction`` a :class:`Direction` (or its value), ``payload`` bytes."""
        if self._closed:
            raise RecordingError(f"recording {self.path} is closed")
        code = DIRECTION_CODES.get(direction)
        if code is None or (code == _EVENT_CODE and not self._events):
            what = "an event record needs format version 3" if code is not None else "unknown record direction"
            raise RecordingError(f"{what}: {direction!r}")
        if type(ts) is not int or not MIN_TS_NS <= ts < MAX_TS_NS:
            raise RecordingError(f"record ts must be an int of ns between 2000 and 2200, got {ts!r}")
        index = self._conns.get(conn)
        if index is None:
            if len(conn.encode()) > _MAX_U16 or len(self._conns) >= _MAX_U16:
                raise RecordingError(f"connection id too long or too many connections: {conn[:80]!r}")
            index = self._conns[conn] = len(self._conns)
        url_bytes = url.encode() if url else b""
        if len(url_bytes) > _MAX_U16 or len(payload) > _MAX_U32:
            raise RecordingError(f"record too large (url {len(url_bytes)} B, payload {len(payload)} B)")
        if self._n == 0:
            self._first_ts = ts
        buf = self._buf
        buf += RECORD_HEAD.pack(ts, code, index, len(url_bytes), len(payload))
        if url_bytes:
            buf += url_bytes
        buf += payload
        self._n += 1
        self.records_written += 1
        if (
            self._n >= self._max_records
            or len(buf) >= self._max_bytes
            or (self._max_age_ns is not None and ts - self._first_ts >= self._max_age_ns)
        ):
            self.flush()

    def write_record(self, record: Record) -> None:
        """Append a :class:`Record` (as yielded by a reader)."""
        self.write(record.ts, record.direction, record.conn, record.payload, record.url)

    def flush(self) -> None:
        """Write the buffered records as one chunk and flush the file to the OS (no-op when empty)."""
        if self._n == 0 or self._closed:
            return
        table = bytearray(len(self._conns).to_bytes(2, "little"))
        for conn in self._conns:  # insertion order == index order
            encoded = conn.encode()
            table += len(encoded).to_bytes(2, "little")
            table += encoded
        self._write_chunk(bytes(table + self._buf))
        self._buf = bytearray()
        self._conns = {}
        self._n = 0

    def _write_chunk(self, raw: bytes) -> None:
        compressed = self._cctx.compress(raw)
        self._file.write(CHUNK_HEAD.pack(len(compressed), len(raw)) + compressed)
        self._file.flush()
        self.chunks_written += 1

    def close(self) -> None:
        """Flush, write the end marker (the file is complete) and close the file. Idempotent."""
        if self._closed:
            return
        try:
            self.flush()
            end: dict[str, Any] = {"records": self.records_written}
            if self.source_damage:
                end["source_damage"] = self.source_damage
            try:
                body = orjson.dumps(end, option=orjson.OPT_SORT_KEYS)
            except TypeError as exc:
                raise RecordingError(f"source damage is not JSON-serialisable: {exc}") from exc
            self._file.write(CHUNK_HEAD.pack(0, len(body)) + END_HEAD.pack(END_TAG, zlib.crc32(body)) + body)
            self._file.flush()
        finally:
            self._closed = True
            self._file.close()

    def abort(self) -> None:
        """Flush the buffered records and close the file *without* the end marker. Idempotent.

        The file reads back with every record written, marked ``truncated``: use this when the
        session did not end as planned (an exception, an interrupt).
        """
        if self._closed:
            return
        try:
            self.flush()
        finally:
            self._closed = True
            self._file.close()

    @property
    def buffered_records(self) -> int:
        """Records written since the last chunk (lost if the process dies before the next flush)."""
        return self._n

    @property
    def buffered_bytes(self) -> int:
        """Bytes of records written since the last chunk, before compression."""
        return len(self._buf)

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _open_for_append(path: Path, magic: bytes, at: int) -> BinaryIO:
    """``path`` opened for appending at byte ``at`` (the rest cut off), after checking its magic."""
    try:
        f: BinaryIO = open(path, "r+b")  # noqa: SIM115 - closed by the writer
    except OSError as exc:
        raise RecordingError(f"cannot reopen recording {path}: {exc}") from exc
    if f.read(len(magic)) != magic or not len(magic) < at <= os.fstat(f.fileno()).st_size:
        f.close()
        raise RecordingError(f"cannot append to {path}: not a format-{magic[6]} recording with data up to byte {at}")
    f.truncate(at)
    f.seek(at)
    return f
