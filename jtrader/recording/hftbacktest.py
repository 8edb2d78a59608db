"""Import hftbacktest's raw collector captures: gzip text lines ``<local_receive_ts_ns> <raw JSON>``.

Combined-stream frames (``{"stream": "btcusdt@depth@100ms", "data": {...}}``) become ``recv``
records with the JSON bytes untouched. A line without a stream name is the REST depth snapshot
the collector fetched; it becomes an ``http`` record with URL
``https://api.binance.com/api/v3/depth?symbol=<SYMBOL>`` so a Binance adapter treats it as a
depth snapshot. The symbol is taken from the stream frames (the first one seen, upper-cased); a
snapshot that comes before any stream frame is held back until one names the symbol. Every
record uses connection id ``"hftbacktest"``. Records keep file order (the collector writes in
receive order).

Damage (see :mod:`jtrader.recording.damage`; counted in ``damage``, one WARNING each): unreadable
lines by line number, a gzip stream cut off or corrupt, a last line cut in the middle
(``truncated``), and impossible times: a ``<ts_ns>`` outside 2000..2200 (an overflowing number
included) or more than a day from the line before is skipped as ``bad_timestamps``. The median
time of the first lines stands in for the line before the first, so a corrupt first line cannot
pull the whole file with it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import orjson

from jtrader.errors import RecordingError
from jtrader.model.timestamps import MAX_TS_NS, MIN_TS_NS
from jtrader.recording._format import Direction, Record, RecordingHeader, chosen_venue
from jtrader.recording._textfiles import LineReader
from jtrader.recording.damage import DamageReport, TimestampGuard

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

    ``header.venue`` is ``binance`` (the collector's frames are Binance combined streams; a
    ``venue`` argument naming another venue raises :class:`~jtrader.errors.ConfigError`);
    ``header.products`` are the symbols of the streams in the first 1,000 lines;
    ``header.created_ns`` is the first line's timestamp. After iteration, ``damage`` (a
    :class:`DamageReport`) says what was lost.
    """

    format = "hftbacktest"

    def __init__(self, path: str | os.PathLike[str], venue: str | None = None) -> None:
        self.path = Path(path)
        self.damage = DamageReport(str(self.path))
        products: list[str] = []
        created_ns: int | None = None
        times: list[int] = []
        for n, line in enumerate(LineReader(self.path, DamageReport(str(self.path), quiet=True))):
            if n >= _PEEK_LINES:
                break
            ts_text, _, payload = line.partition(b" ")
            if ts_text.isdigit():
                ts = int(ts_text)
                created_ns = ts if created_ns is None else created_ns
                if MIN_TS_NS <= ts < MAX_TS_NS:
                    times.append(ts)
            symbol = _stream_symbol(payload)
            if symbol and symbol not in products:
                products.append(symbol)
        if created_ns is None:
            raise RecordingError(f"{self.path}: not a readable hftbacktest capture (no '<ts_ns> <json>' line)")
        #: the median time of the first lines: the jump check's anchor (robust to a corrupt first line)
        self.anchor_ns = sorted(times)[len(times) // 2] if times else None
        where = "hftbacktest captures hold Binance combined streams"
        self.header = RecordingHeader(
            venue=chosen_venue(venue, "binance", self.path, where),
            products=tuple(products),
            created_ns=created_ns,
            jtrader_version="",
            metadata={},
            source_format="hftbacktest",
        )

    @property
    def skipped(self) -> int:
        """Unreadable lines of the last read."""
        return self.damage.unreadable_lines

    @property
    def truncated(self) -> bool:
        """The capture stops before its end (see :mod:`jtrader.recording.damage`)."""
        return self.damage.truncated

    def _unreadable(self, line: bytes, number: int, last_line: bool, why: str) -> None:
        if last_line:
            self.damage.note("truncated", f"the last line is cut off ({why})", line=number)
        else:
            self.damage.note("unreadable_lines", f"{why}: {line[:80]!r}", line=number)

    def __iter__(self) -> Iterator[Record]:
        damage = self.damage
        damage.reset()
        guard = TimestampGuard(self.anchor_ns)
        symbol: str | None = None
        pending: list[Record] = []
        recv = Direction.RECV
        reader = LineReader(self.path, damage)
        for number, line in enumerate(reader, start=1):
            ts_text, _, payload = line.rstrip(b"\r").partition(b" ")
            if not ts_text.isdigit() or not payload.startswith(b"{"):
                if line.strip():
                    self._unreadable(line, number, reader.unterminated, "not '<ts_ns> <json>'")
                continue
            ts = int(ts_text)
            reason = guard.check(ts)
            if reason is not None:
                damage.note("bad_timestamps", f"line skipped: {reason}", line=number)
                continue
            if payload.startswith(_STREAM_PREFIX):
                if reader.unterminated and not payload.endswith(b"}"):
                    self._unreadable(line, number, True, "no closing brace")
                    continue
                if symbol is None:
                    symbol = _stream_symbol(payload)
                    for held in pending:
                        yield held._replace(url=depth_snapshot_url(symbol)) if held.url else held
                    pending.clear()
                yield Record(ts, recv, CONN_ID, payload, None)
                continue
            try:
                data = orjson.loads(payload)
            except orjson.JSONDecodeError as exc:
                self._unreadable(line, number, reader.unterminated, f"not JSON ({exc})")
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
