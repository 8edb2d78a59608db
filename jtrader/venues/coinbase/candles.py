"""Coinbase ``candles``: each completed candle once, in time order; history as history.

The channel (5-minute buckets only, :data:`CANDLE_NS`) sends a ``snapshot`` of past candles when
it is subscribed (about 100 of them, the newest being the bucket in progress), then ``update``
frames about every second with the *current* values of the open bucket, the same ``start`` many
times over, and no "closed" flag. So, per product:

* **snapshot**: the candles whose bucket has ended by the frame's envelope ``timestamp``
  (``start + 5 min <= timestamp``), and every candle older than the newest one, are complete:
  they become **one** :class:`~jtrader.model.BarHistory` (oldest first; bars already delivered
  are left out). Their ``Bar.ts`` is the bucket's close time (``start + 5 min``): history was not
  received live. The newest candle, when its bucket has not ended, is the **open bucket**.
* **update** with the open bucket's ``start``: the open bucket takes the new values (nothing is
  emitted; counted in ``partial_bars``).
* **update** with a *later* ``start``: the open bucket is now known complete and is emitted as a
  :class:`~jtrader.model.Bar` with the values of its last update and ``ts`` = **the receive time
  of the frame that proved it complete**; the later candle becomes the open bucket.
* **update** with an *earlier* ``start`` (or one already delivered): ignored (``stale_bars``).
* **disconnect** of the connection that fed the open bucket: it is dropped unfinished
  (``unfinished_bars``), never emitted; the next subscription's snapshot brings the candles
  completed meanwhile, as history. At the end of the data the open bucket is never emitted either.

Every ``(product, start)`` is therefore delivered at most once, as a history bar or as a bar,
and bars of a product come in strictly increasing ``start``. Rows are parsed and checked in full
(:func:`parse_candle_rows`) before :class:`CandleAssembler` changes any state.
"""

from __future__ import annotations

from dataclasses import dataclass

from jtrader.errors import MalformedMessageError
from jtrader.model import NS_PER_S, Bar, BarHistory, Instrument, MarketMessage, check_ts
from jtrader.venues._common import volume_lots
from jtrader.venues.coinbase.channels import objects
from jtrader.venues.instruments import InstrumentRegistry
from jtrader.venues.stats import AdapterStats

__all__ = ["CANDLE_NS", "CandleAssembler", "CandleRows", "parse_candle_rows"]

#: the bucket of the websocket candles channel: 5 minutes (Coinbase "websocket channels" page)
CANDLE_NS = 300 * NS_PER_S


@dataclass(slots=True)
class CandleRows:
    """One candles frame, parsed: its event type and its candles by product, oldest first.

    Each candle is a :class:`Bar` whose ``ts`` is its bucket's close time (``start + CANDLE_NS``).
    """

    kind: str
    by_symbol: dict[str, list[Bar]]


def _bar(row: dict, inst: Instrument) -> Bar:
    start = row["start"]
    if type(start) is not str or not start.isdigit() or not start.isascii():
        raise MalformedMessageError(f"candle start {start!r} is not unix seconds")
    start_ns = check_ts(int(start) * NS_PER_S, "candle start")
    p2t = inst.price_to_ticks
    bar = Bar(
        start_ns + CANDLE_NS,
        inst.symbol,
        p2t(row["open"]),
        p2t(row["high"]),
        p2t(row["low"]),
        p2t(row["close"]),
        volume_lots(inst, row["volume"]),
        start_ns,
    )
    if not bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high:
        raise MalformedMessageError(f"candle {inst.symbol} {start}: open/close outside low..high")
    return bar


def parse_candle_rows(events: list, registry: InstrumentRegistry, new: dict[str, Instrument]) -> list[CandleRows]:
    """Every event of a ``candles`` frame, checked in full (raises one of ``PARSE_ERRORS``); no state
    change (fallback instruments go into ``new``)."""
    out = []
    for ev in objects(events, "candles events"):
        kind = ev["type"]
        if kind not in ("snapshot", "update"):
            raise MalformedMessageError(f"candles event type {kind!r}")
        by_symbol: dict[str, list[Bar]] = {}
        for row in objects(ev["candles"], "candles"):
            inst = registry.lookup(row["product_id"], (row["open"], row["high"], row["low"], row["close"]), new)
            by_symbol.setdefault(inst.symbol, []).append(_bar(row, inst))
        for bars in by_symbol.values():
            bars.sort(key=lambda bar: bar.start)
        out.append(CandleRows(kind, by_symbol))
    return out


class CandleAssembler:
    """The completed-bar rule of the module docstring, per product; counters go to ``stats``."""

    __slots__ = ("_delivered", "_open", "stats")

    def __init__(self, stats: AdapterStats) -> None:
        self.stats = stats
        #: symbol -> (the open bucket's latest candle, the connection it came from)
        self._open: dict[str, tuple[Bar, str]] = {}
        #: symbol -> start of the newest bucket delivered (as history or as a bar), ns
        self._delivered: dict[str, int] = {}

    def open_buckets(self) -> int:
        """Products with an open (unfinished) bucket right now: never emitted unless a later start comes."""
        return len(self._open)

    def apply(self, ts: int, ts_exchange: int, frames: list[CandleRows], connection: str) -> list[MarketMessage]:
        """The messages of parsed candle events received at ``ts`` (envelope time ``ts_exchange``), ns."""
        out: list[MarketMessage] = []
        for rows in frames:
            for symbol, bars in rows.by_symbol.items():
                if rows.kind == "snapshot":
                    out += self._snapshot(ts, ts_exchange, symbol, bars, connection)
                else:
                    out += self._updates(ts, symbol, bars, connection)
        return out

    def disconnect(self, connection: str) -> None:
        """Drop the open buckets ``connection`` fed: they can no longer be known complete."""
        for symbol in [s for s, (_, conn) in self._open.items() if conn == connection]:
            del self._open[symbol]
            self.stats.unfinished_bars += 1

    def _snapshot(
        self, ts: int, ts_exchange: int, symbol: str, bars: list[Bar], connection: str
    ) -> list[MarketMessage]:
        newest = bars[-1]
        complete = bars if newest.ts <= ts_exchange else bars[:-1]
        delivered = self._delivered.get(symbol)
        history = [bar for bar in complete if delivered is None or bar.start > delivered]
        history = list({bar.start: bar for bar in history}.values())  # one per start: the last given
        self._open.pop(symbol, None)
        if complete is not bars and (delivered is None or newest.start > delivered):
            self._open[symbol] = (newest, connection)
        if not history:
            return []
        self._delivered[symbol] = history[-1].start
        self.stats.bars_history += len(history)
        return [BarHistory(ts, symbol, tuple(history))]

    def _updates(self, ts: int, symbol: str, bars: list[Bar], connection: str) -> list[MarketMessage]:
        out: list[MarketMessage] = []
        stats = self.stats
        for bar in bars:
            delivered = self._delivered.get(symbol)
            if delivered is not None and bar.start <= delivered:
                stats.stale_bars += 1
                continue
            current = self._open.get(symbol)
            if current is not None:
                open_bar = current[0]
                if bar.start < open_bar.start:
                    stats.stale_bars += 1
                    continue
                if bar.start > open_bar.start:
                    out.append(open_bar._replace(ts=ts))
                    self._delivered[symbol] = open_bar.start
            self._open[symbol] = (bar, connection)
            stats.partial_bars += 1
        return out
