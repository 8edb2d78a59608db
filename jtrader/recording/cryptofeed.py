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

Damage (see :mod:`jtrader.recording.damage`; counted in ``damage``, one WARNING each): unreadable
lines by line number, a compressed stream cut off or corrupt (:mod:`jtrader.recording._textfiles`),
a last line cut in the middle (``truncated``), and impossible times: a ``ts`` outside 2000..2200
or more than a day from the record before (the header's ``recorded`` stands in for the record
before the first) is skipped as ``bad_timestamps``, so a garbled line never moves the clock.

``venue``: the header's ``exchange`` names it; a ``venue`` argument that contradicts it raises
:class:`~jtrader.errors.ConfigError` (a capture is never relabelled).
"""

from __future__ import annotations

import heapq
import os
import re
from collections.abc import Iterator
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import orjson

from jtrader.errors import RecordingError
from jtrader.recording._format import Direction, Record, RecordingHeader, chosen_venue
from jtrader.recording._textfiles import LineReader, first_line
from jtrader.recording.damage import DamageReport, TimestampGuard

__all__ = ["REORDER_WINDOW", "CryptofeedSource", "seconds_text_to_ns"]

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
    -> ``binance``, anything else lower-cased; ``venue`` may only fill in a missing one);
    ``header.products`` from its ``config`` (venue symbols); ``header.created_ns`` from
    ``recorded``. After iteration, ``damage`` (a :class:`DamageReport`) says what was lost.
    """

    format = "cryptofeed"

    def __init__(
        self, path: str | os.PathLike[str], venue: str | None = None, reorder_window: int = REORDER_WINDOW
    ) -> None:
        self.path = Path(path)
        self.reorder_window = max(reorder_window, 0)
        self.damage = DamageReport(str(self.path))
        first = first_line(self.path)
        try:
            data = orjson.loads(first)
            if not isinstance(data, dict) or data.get("t") != "header":
                raise ValueError("first line is not a cryptofeed header")
            exchange = str(data.get("exchange", "unknown"))
            detected = _VENUES.get(exchange.upper(), exchange.lower())
            products: list[str] = []
            recorded = data.get("recorded")
            created_ns = _number_ns(first, _RECORDED_RE, recorded) if recorded is not None else 0
        except (orjson.JSONDecodeError, ValueError) as exc:
            raise RecordingError(f"{self.path}: not a readable cryptofeed capture ({exc})") from exc
        chosen = chosen_venue(venue, detected, self.path, f"its header says exchange {exchange!r}")
        config = data.get("config") or {}
        for symbols in config.values() if isinstance(config, dict) else ():
            for symbol in symbols if isinstance(symbols, list) else ():
                name = _venue_symbol(chosen, str(symbol))
                if name not in products:
                    products.append(name)
        self.header = RecordingHeader(
            venue=chosen,
            products=tuple(products),
            created_ns=created_ns,
            jtrader_version="",
            metadata={"cryptofeed_header": data},
            source_format="cryptofeed",
        )

    @property
    def skipped(self) -> int:
        """Unreadable lines of the last read."""
        return self.damage.unreadable_lines

    @property
    def truncated(self) -> bool:
        """The capture stops before its end (see :mod:`jtrader.recording.damage`)."""
        return self.damage.truncated

    @property
    def out_of_order(self) -> int:
        """Records displaced further than the reorder window in the last read."""
        return self.damage.out_of_order

    def _parse(self, line: bytes, number: int, last_line: bool) -> Record | None:
        try:
            data = orjson.loads(line)
            direction = _DIRECTIONS[data["t"]]
            ts = _number_ns(line, _TS_RE, data["ts"])
            conn = str(data.get("conn", ""))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            if last_line:
                self.damage.note("truncated", f"the last line is cut off ({exc})", line=number)
            else:
                self.damage.note("unreadable_lines", f"{exc}: {line[:80]!r}", line=number)
            return None
        if direction is Direction.CONNECT:
            return Record(ts, direction, conn, b"", data.get("addr") or data.get("url"))
        if direction is Direction.HTTP:
            return Record(ts, direction, conn, _to_bytes(data.get("data")), data.get("url") or data.get("addr"))
        return Record(ts, direction, conn, _to_bytes(data.get("data")), None)

    def __iter__(self) -> Iterator[Record]:
        damage = self.damage
        damage.reset()
        guard = TimestampGuard(self.header.created_ns)
        heap: list[tuple[int, int, Record]] = []
        last_ts: int | None = None
        seq = 0
        reader = LineReader(self.path, damage)
        for number, line in enumerate(reader, start=1):
            if number == 1 or not line.strip():
                continue  # the header, blank lines
            record = self._parse(line, number, reader.unterminated)
            if record is None:
                continue
            reason = guard.check(record.ts)
            if reason is not None:
                damage.note("bad_timestamps", f"record skipped: {reason}", line=number)
                continue
            heapq.heappush(heap, (record.ts, seq, record))
            seq += 1
            if len(heap) > self.reorder_window:
                out = heapq.heappop(heap)[2]
                if last_ts is not None and out.ts < last_ts:
                    damage.note("out_of_order", f"record at {out.ts} ns is further out of order than the window")
                last_ts = out.ts
                yield out
        while heap:
            out = heapq.heappop(heap)[2]
            if last_ts is not None and out.ts < last_ts:
                damage.note("out_of_order", f"record at {out.ts} ns is further out of order than the window")
            last_ts = out.ts
            yield out
