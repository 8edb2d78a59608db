"""Import hftbacktest's raw collector captures: gzip text lines ``<local_receive_ts_ns> <raw JSON>``.

Combined-stream frames (``{"stream": "btcusdt@depth@100ms", "data": {...}}``) become ``recv``
records with the JSON bytes untouched. A line without a stream name is the REST depth snapshot
the collector fetched; it becomes an ``http`` record with URL
``https://api.binance.com/api/v3/depth?symbol=<SYMBOL>`` so a Binance adapter treats it as a
depth snapshot. The symbol is taken from the stream frames (the first one seen, upper-cased); a
snapshot that comes before any stream frame is held back until one names the symbol. Every
record uses connection id ``"hftbacktest"``. Records keep file order (the collector writes in
receive order).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import orjson

from jtrader.errors import RecordingError
from jtrader.recording._format import Direction, Record, RecordingHeader
from jtrader.recording._textfiles import iter_lines, open_lines

__all__ = ["CONN_ID", "HftbacktestSource", "depth_snapshot_url"]

log = logging.getLogger(__name__)

CONN_ID = "hftbacktest"
_PEEK_LINES = 1_000
_STREAM_PREFIX = b'{"stream":"'


def depth_snapshot_url(symbol: str | None) -> str:
    """The Binance REST depth URL a snapshot line is attributed to (no query when the symbol is unknown)."""
    base = "https://api.binance.com/api/v3/depth"
    return f"{base}?symbol={symbol}" if symbol else base


def _stream_symbol(payload: bytes) -> str | None:
    """``{"stream":"btcusdt@trade",...}`` -> ``"BTCUSDT"``; None for frames without a stream name."""
    if payload.startswith(_STREAM_PREFIX):
        end = payload.find(b"@", len(_STREAM_PREFIX))
        if end > 0:
            return payload[len(_STREAM_PREFIX) : end].decode().upper()
        return None
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    stream = data.get("stream") if isinstance(data, dict) else None
    if isinstance(stream, str) and "@" in stream:
        return stream.split("@", 1)[0].upper()
    return None


class HftbacktestSource:
    """Records of an hftbacktest raw capture; iterate for :class:`Record` tuples.

    ``header.venue`` is ``binance`` (the collector's frames are Binance combined streams) unless
    ``venue`` is given; ``header.products`` are the symbols of the streams in the first 1,000
    lines; ``header.created_ns`` is the first line's timestamp. Counters after iteration:
    ``skipped`` (unreadable lines), ``truncated`` (last line cut off).
    """

    format = "hftbacktest"

    def __init__(self, path: str | os.PathLike[str], venue: str | None = None) -> None:
        self.path = Path(path)
        self.skipped = 0
        self.truncated = False
        products: list[str] = []
        created_ns: int | None = None
        with open_lines(self.path) as stream:
            for n, line in enumerate(iter_lines(stream)):
                if n >= _PEEK_LINES:
                    break
                ts_text, _, payload = line.partition(b" ")
                if created_ns is None and ts_text.isdigit():
                    created_ns = int(ts_text)
                symbol = _stream_symbol(payload)
                if symbol and symbol not in products:
                    products.append(symbol)
        if created_ns is None:
            raise RecordingError(f"{self.path}: not a readable hftbacktest capture (no '<ts_ns> <json>' line)")
        self.header = RecordingHeader(
            venue=venue or "binance",
            products=tuple(products),
            created_ns=created_ns,
            jtrader_version="",
            metadata={},
            source_format="hftbacktest",
        )

    def __iter__(self) -> Iterator[Record]:
        self.skipped = 0
        self.truncated = False
        symbol: str | None = None
        pending: list[Record] = []
        recv = Direction.RECV
        with open_lines(self.path) as stream:
            for line in iter_lines(stream):
                ts_text, _, payload = line.rstrip(b"\r\n").partition(b" ")
                if not ts_text.isdigit() or not payload.startswith(b"{"):
                    if line.strip():
                        self.skipped += 1
                        self.truncated = self.truncated or not line.endswith(b"\n")
                        log.warning("%s: skipped an unreadable line: %.80r", self.path, line)
                    continue
                ts = int(ts_text)
                if payload.startswith(_STREAM_PREFIX):
                    if symbol is None:
                        symbol = _stream_symbol(payload)
                        for held in pending:
                            yield held._replace(url=depth_snapshot_url(symbol)) if held.url else held
                        pending.clear()
                    yield Record(ts, recv, CONN_ID, payload, None)
                    continue
                try:
                    data = orjson.loads(payload)
                except orjson.JSONDecodeError:
                    self.skipped += 1
                    self.truncated = self.truncated or not line.endswith(b"\n")
                    log.warning("%s: skipped an unreadable line: %.80r", self.path, line)
                    continue
                if isinstance(data, dict) and "lastUpdateId" in data and "stream" not in data:
                    record = Record(ts, Direction.HTTP, CONN_ID, payload, depth_snapshot_url(symbol))
                    if symbol is None:
                        pending.append(record)
                        continue
                    yield record
                elif pending:  # keep file order while a snapshot waits for its symbol
                    pending.append(Record(ts, recv, CONN_ID, payload, None))
                else:
                    yield Record(ts, recv, CONN_ID, payload, None)
        if pending:
            log.warning("%s: depth snapshot with no stream naming its symbol", self.path)
        yield from pending
