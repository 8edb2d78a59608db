"""The jtrader recording format: constants and the value types shared by writer, reader and importers.

Layout of a ``.jtrec`` file (all integers little-endian; see ``docs/recording-format.md``)::

    MAGIC (8 bytes: b"JTREC" 0x00 <version u8> 0x0A)
    chunk*                      the first chunk holds the header (UTF-8 JSON), every later one a batch of records
    end                         version 2: written by a writer that closed normally (absent: truncated)
    chunk := u32 compressed_len, u32 raw_len, zstd frame (compressed_len bytes, content size and checksum inside)
    batch := u16 n_conns, (u16 len, utf-8 conn id) * n_conns, record*
    record := i64 ts_ns, u8 direction, u16 conn index, u16 url_len, u32 payload_len, url bytes, payload bytes
    end := u32 0, u32 json_len, b"JTRECEND", u32 crc32(json), json (UTF-8, keys sorted: "records", ...)

Every chunk is an independent zstd frame, so a file cut off mid-write reads back up to its last
complete chunk, and a corrupt chunk in the middle can be skipped by scanning for the next zstd
magic number (``28 B5 2F FD``). No chunk has a compressed length of 0, so the end marker cannot
be mistaken for one. Version 1 files (no end marker) stay readable.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from jtrader.errors import ConfigError

__all__ = [
    "CHUNK_HEAD",
    "END_HEAD",
    "END_TAG",
    "MAX_END_JSON",
    "READABLE_VERSIONS",
    "DIRECTIONS",
    "EVENTS_VERSION",
    "FORMAT_VERSION",
    "MAGIC",
    "MAX_CHUNK_BYTES",
    "RECORD_HEAD",
    "ZSTD_MAGIC",
    "Direction",
    "magic_for",
    "Record",
    "RecordingHeader",
    "chosen_venue",
]

FORMAT_VERSION = 2
#: the version of files that may hold ``event`` records (a paper session's own order events): version
#: 2 plus one direction code, so that readers older than it refuse the file instead of misreading it
EVENTS_VERSION = 3
#: versions the reader understands (1: no end marker, so a file cut between chunks looks complete)
READABLE_VERSIONS = (1, 2, 3)


def magic_for(version: int) -> bytes:
    """The first 8 bytes of a jtrader recording of format ``version``."""
    return b"JTREC\x00" + bytes([version]) + b"\n"


#: the first 8 bytes of every jtrader recording written now (without event records)
MAGIC = magic_for(FORMAT_VERSION)
#: the 4 bytes that start every zstd frame (0xFD2FB528 little-endian)
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
#: u32 compressed length, u32 uncompressed length
CHUNK_HEAD = struct.Struct("<II")
#: i64 ts_ns, u8 direction, u16 conn index, u16 url length, u32 payload length
RECORD_HEAD = struct.Struct("<qBHHI")
#: a chunk header announcing more than this (compressed or raw) is treated as corrupt
MAX_CHUNK_BYTES = 1 << 30
#: the end marker: after a chunk head of (0, json_len), this tag and a u32 crc32 of the JSON
END_TAG = b"JTRECEND"
END_HEAD = struct.Struct("<8sI")
#: an end marker's JSON is small; more than this is treated as corrupt
MAX_END_JSON = 1 << 20


class Direction(StrEnum):
    """What a record is: a frame received or sent, a connection opened or closed, an HTTP response,
    or (format version 3) an event of the session itself.

    ``connect`` records carry the URL in ``url`` (payload empty or free text); ``http`` records
    carry the request URL in ``url`` and the response body as payload; ``event`` records carry one
    JSON object the session wrote (a paper session's order events and its end summary: see
    ``docs/paper-trading.md``). ``event`` records are output, never market input: replay skips them.
    """

    RECV = "recv"
    SEND = "send"
    CONNECT = "connect"
    DISCONNECT = "disconnect"
    HTTP = "http"
    EVENT = "event"


#: direction code on disk (u8) -> Direction; the code is the index
DIRECTIONS: tuple[Direction, ...] = (
    Direction.RECV,
    Direction.SEND,
    Direction.CONNECT,
    Direction.DISCONNECT,
    Direction.HTTP,
    Direction.EVENT,
)
DIRECTION_CODES: dict[str, int] = {d.value: i for i, d in enumerate(DIRECTIONS)}


class Record(NamedTuple):
    """One recorded event.

    ``ts`` is the local receive (or send) time in int ns since the epoch, ``conn`` the connection
    id (any short string, e.g. ``"coinbase.ws.1"``), ``payload`` the raw frame bytes exactly as
    received, ``url`` the request URL of ``http`` records and the endpoint of ``connect`` records
    (``None`` otherwise).
    """

    ts: int
    direction: Direction
    conn: str
    payload: bytes
    url: str | None = None


@dataclass(frozen=True, slots=True)
class RecordingHeader:
    """What a recording is about.

    ``venue`` is ``"coinbase"``, ``"binance"`` or ``"unknown"``; ``products`` the venue's symbols;
    ``created_ns`` int ns since the epoch (given by the writer's caller, never read from a clock
    here); ``source_format`` is ``"jtrader"``, ``"cryptofeed"`` or ``"hftbacktest"`` for headers
    made by :func:`jtrader.recording.read_records`; ``metadata`` is free-form JSON-able data.
    """

    venue: str
    products: tuple[str, ...]
    created_ns: int
    jtrader_version: str
    metadata: dict[str, Any] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    source_format: str = "jtrader"

    def to_json_dict(self) -> dict[str, Any]:
        """The header as written in the file's first chunk (keys sorted on output)."""
        return {
            "format": "jtrader-recording",
            "format_version": self.format_version,
            "venue": self.venue,
            "products": list(self.products),
            "created_ns": self.created_ns,
            "jtrader_version": self.jtrader_version,
            "metadata": self.metadata,
        }


def chosen_venue(requested: str | None, detected: str, path: object, where: str) -> str:
    """The venue of a recording: ``detected`` (from the file, ``where`` says how), unless unknown.

    ``requested`` (``--venue``) may fill in a venue the file does not name ("unknown" or empty);
    one that contradicts the file raises :class:`ConfigError` naming both: a capture is never
    relabelled (its frames would be parsed by the wrong venue's rules).
    """
    if not requested or requested in ("auto", detected):
        return detected
    if detected in ("", "unknown"):
        return requested
    raise ConfigError(f"--venue {requested} contradicts the recording: {path} is a {detected} capture ({where})")
