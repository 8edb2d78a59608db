"""Import cryptofeed raw-data captures (JSON lines, optionally zstd/gzip-compressed).

Each line is one record: a ``{"t": "header", "exchange": ..., "config": ..., "recorded": <s>}``
line first, then ``{"t": "http"|"connect"|"send"|"recv"|"disconnect", "conn": ..., "ts": <s>,
"data"|"addr"|"url": ...}``.

Timestamps: ``ts`` is float seconds in the JSON text. It is converted to int ns **from the
number's text** (``Decimal(text) * 10**9``, rounded half-to-even), not through a binary float,
so ``1786309548.6290078`` becomes exactly ``1786309548629007800``.

Order: cryptofeed writes ``http`` records when the request started but with the response time,
so a few records are out of order. Records are re-ordered by ``ts`` (stable: equal times keep
file order) through a bounded buffer of ``reorder_window`` records (default
:data:`REORDER_WINDOW`): memory is bounded by that window, and a record displaced further
than the window is passed through out of order and counted in ``out_of_order`` (with a
warning). The real captures need a window of a few hundred records at most.
"""

from __future__ import annotations

import heapq
import logging
import os
import re
from collections.abc import Iterator
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import orjson

from jtrader.errors import RecordingError
from jtrader.recording._format import Direction, Record, RecordingHeader
from jtrader.recording._textfiles import iter_lines, open_lines

__all__ = ["REORDER_WINDOW", "CryptofeedSource", "seconds_text_to_ns"]

log = logging.getLogger(__name__)

#: records held back to restore ``ts`` order (about 1 KB each for typical frames)
REORDER_WINDOW = 50_000
_NS = Decimal(1_000_000_000)
_VENUES = {"COINBASE": "coinbase", "BINANCE": "binance"}
_DIRECTIONS = {
    "recv": Direction.RECV,
    "send": Direction.SEND,
    "connect": Direction.CONNECT,
    "disconnect": Direction.DISCONNECT,
    "http": Direction.HTTP,
}
_TS_RE = re.compile(rb'"ts"\s*:\s*(-?[0-9][0-9.eE+-]*)')
_RECORDED_RE = re.compile(rb'"recorded"\s*:\s*(-?[0-9][0-9.eE+-]*)')


def seconds_text_to_ns(text: str | bytes) -> int:
    """``"1786309548.6290078"`` (seconds, decimal text) -> ``1786309548629007800`` ns, exactly.

    Rounds half-to-even below 1 ns. Raises ``ValueError`` for text that is not a finite number.
    """
    if isinstance(text, bytes):
        text = text.decode("ascii")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"not a number of seconds: {text!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not a finite number of seconds: {text!r}")
    return int((value * _NS).to_integral_value(ROUND_HALF_EVEN))


def _number_ns(line: bytes, pattern: re.Pattern[bytes], value: Any) -> int:
    match = pattern.search(line)
    if match is not None:
        return seconds_text_to_ns(match.group(1))
    if isinstance(value, int | float) and not isinstance(value, bool):
        return seconds_text_to_ns(repr(value))
    raise ValueError(f"timestamp {value!r} is not a number")


def _to_bytes(data: Any) -> bytes:
    if data is None:
        return b""
    if isinstance(data, str):
        return data.encode()
    return orjson.dumps(data)


def _venue_symbol(venue: str, symbol: str) -> str:
    """cryptofeed's normalized ``NKN-USDT`` -> the venue's own ``NKNUSDT`` on Binance."""
    return symbol.replace("-", "") if venue == "binance" else symbol


class CryptofeedSource:
    """Records of a cryptofeed capture, in ``ts`` order; iterate for :class:`Record` tuples.

    ``header.venue`` comes from the header's ``exchange`` (``COINBASE`` -> ``coinbase``, ``BINANCE``
    -> ``binance``, anything else lower-cased) unless ``venue`` is given; ``header.products``
    from its ``config`` (venue symbols); ``header.created_ns`` from ``recorded``.
    Counters after iteration: ``skipped`` (unreadable lines), ``out_of_order``, ``truncated``.
    """

    format = "cryptofeed"

    def __init__(
        self, path: str | os.PathLike[str], venue: str | None = None, reorder_window: int = REORDER_WINDOW
    ) -> None:
        self.path = Path(path)
        self.reorder_window = max(reorder_window, 0)
        self.skipped = 0
        self.out_of_order = 0
        self.truncated = False
        with open_lines(self.path) as stream:
            first = next(iter_lines(stream), b"")
        try:
            data = orjson.loads(first)
            if not isinstance(data, dict) or data.get("t") != "header":
                raise ValueError("first line is not a cryptofeed header")
            exchange = str(data.get("exchange", "unknown"))
            detected = _VENUES.get(exchange.upper(), exchange.lower())
            chosen = venue or detected
            products: list[str] = []
            config = data.get("config") or {}
            for symbols in config.values() if isinstance(config, dict) else ():
                for symbol in symbols if isinstance(symbols, list) else ():
                    name = _venue_symbol(chosen, str(symbol))
                    if name not in products:
                        products.append(name)
            recorded = data.get("recorded")
            created_ns = _number_ns(first, _RECORDED_RE, recorded) if recorded is not None else 0
        except (orjson.JSONDecodeError, ValueError) as exc:
            raise RecordingError(f"{self.path}: not a readable cryptofeed capture ({exc})") from exc
        self.header = RecordingHeader(
            venue=chosen,
            products=tuple(products),
            created_ns=created_ns,
            jtrader_version="",
            metadata={"cryptofeed_header": data},
            source_format="cryptofeed",
        )

    def _parse(self, line: bytes) -> Record | None:
        try:
            data = orjson.loads(line)
            direction = _DIRECTIONS[data["t"]]
            ts = _number_ns(line, _TS_RE, data["ts"])
            conn = str(data.get("conn", ""))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            if not line.endswith(b"\n"):
                self.truncated = True
            self.skipped += 1
            log.warning("%s: skipped an unreadable line (%s): %.80r", self.path, exc, line)
            return None
        if direction is Direction.CONNECT:
            return Record(ts, direction, conn, b"", data.get("addr") or data.get("url"))
        if direction is Direction.HTTP:
            return Record(ts, direction, conn, _to_bytes(data.get("data")), data.get("url") or data.get("addr"))
        return Record(ts, direction, conn, _to_bytes(data.get("data")), None)

    def __iter__(self) -> Iterator[Record]:
        self.skipped = 0
        self.out_of_order = 0
        self.truncated = False
        heap: list[tuple[int, int, Record]] = []
        last_ts: int | None = None
        seq = 0
        with open_lines(self.path) as stream:
            lines = iter_lines(stream)
            next(lines, None)  # the header
            for line in lines:
                if not line.strip():
                    continue
                record = self._parse(line)
                if record is None:
                    continue
                heapq.heappush(heap, (record.ts, seq, record))
                seq += 1
                if len(heap) > self.reorder_window:
                    out = heapq.heappop(heap)[2]
                    if last_ts is not None and out.ts < last_ts:
                        self.out_of_order += 1
                        log.warning("%s: record at %d ns is further out of order than the window", self.path, out.ts)
                    last_ts = out.ts
                    yield out
        while heap:
            out = heapq.heappop(heap)[2]
            if last_ts is not None and out.ts < last_ts:
                self.out_of_order += 1
            last_ts = out.ts
            yield out
