"""Binance spot market-data adapter (sans-I/O), with the official diff-depth sync rules.

Frames: combined-stream ``{"stream": ..., "data": ...}`` or raw payloads (symbol from ``s``).
``depthUpdate`` -> BookDelta (``first_update_id=U``, ``update_id=u``, ``ts_exchange=E``);
``trade``/``aggTrade`` -> Trade (``m`` true means the buyer made, so the aggressor SELLs;
repeated ids dropped; subscribe one of the two, not both); ``bookTicker`` -> Quote with
``update_id=u``; ``kline`` -> Bar (below); ``serverShutdown`` and ``{"code", "msg"}`` errors ->
VenueNotice; subscribe acks counted. A depth snapshot (REST ``/api/v3/depth`` body via
:meth:`BinanceAdapter.on_http`, a body recorded into the stream, or a partial-depth ``@depth<N>``
frame) -> BookSnapshot with ``update_id = lastUpdateId``. A raw snapshot frame has no symbol: it
is ``default_symbol``, or the only symbol with depth state, or the frame is malformed.
exchangeInfo (:meth:`BinanceAdapter.on_http`) teaches instruments with their order rules
(:mod:`jtrader.venues.binance.exchange_info`).

Klines (one meaning of a bar everywhere): only a final kline (``x`` true) is a Bar, with ``ts`` =
the receive time of that frame and ``start`` = the kline open time ``t``; in-progress klines are
counted (``partial_bars``) and dropped; a final kline whose open time is not newer than the last
final one of its symbol and interval (a repeated final frame) is a duplicate, never a second Bar.
Subscribe one kline interval per symbol: bars carry no interval.

Book sync, per symbol (BN-WS "How to manage a local order book correctly"): diffs are held until
a usable snapshot, then emitted in order; a gap is a BookResync. The rules, and so why the
messages emitted give the right book, are in :mod:`jtrader.venues.binance.sync`.

Timestamps: ``E`` and ``T`` more than a day away from the receive time make a frame malformed.
Bad frames: see :mod:`jtrader.venues.stats`; a lost diff shows up as a gap on the next one.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import orjson

from jtrader.errors import MalformedMessageError
from jtrader.model import BookSnapshot, Instrument, MarketMessage, Trade, VenueNotice
from jtrader.venues._common import PARSE_ERRORS
from jtrader.venues.binance import frames
from jtrader.venues.binance.exchange_info import parse_exchange_info
from jtrader.venues.binance.rest import parse_depth_snapshot, subscribe_frame, unsubscribe_frame
from jtrader.venues.binance.sync import HOLD_LIMIT, DepthSync
from jtrader.venues.checks import BookTickerCheck
from jtrader.venues.instruments import InstrumentRegistry
from jtrader.venues.stats import AdapterStats

__all__ = ["HOLD_LIMIT", "BinanceAdapter", "BookTickerCheck"]

_loads = orjson.loads
_parse_book_ticker = frames.parse_book_ticker


class BinanceAdapter:
    """One adapter for a set of Binance spot connections. Instruments are keyed by ``BTCUSDT``.

    Unknown symbols are learned from an exchangeInfo body (:meth:`on_http`); failing that, when
    ``infer_instruments`` is true, from the first frame naming them (see
    :func:`jtrader.venues._common.default_instrument`).
    """

    venue = "binance"

    def __init__(
        self,
        instruments: dict[str, Instrument] | None = None,
        *,
        default_symbol: str | None = None,
        infer_instruments: bool = True,
    ) -> None:
        self.stats = AdapterStats()
        self.registry = InstrumentRegistry(self.venue, instruments, infer_instruments, self.stats)
        self.default_symbol = default_symbol
        self._depth = DepthSync(self.stats)
        #: symbols whose book is known wrong or incomplete (waiting for a usable snapshot)
        self.resyncing: set[str] = self._depth.resyncing
        #: ``LOT_SIZE.stepSize`` per symbol from exchangeInfo (also ``Instrument.rules.size_step_lots``,
        #: in the instrument's finer lot: see :mod:`jtrader.venues.binance.exchange_info`)
        self.order_steps: dict[str, Decimal] = {}
        self._sync = self._depth.states
        self._last_trade_id: dict[tuple[str, str], int] = {}
        #: (symbol, interval) -> open time (ns) of the last final kline emitted
        self._last_kline: dict[tuple[str, str], int] = {}

    # -- public API ---------------------------------------------------------------------------
    @property
    def instruments(self) -> dict[str, Instrument]:
        """Instruments by symbol (the registry's dict: adding one here teaches the adapter)."""
        return self.registry.instruments

    @instruments.setter
    def instruments(self, value: dict[str, Instrument]) -> None:
        self.registry.instruments = value

    @property
    def infer_instruments(self) -> bool:
        """Whether an unknown symbol gets a fallback grid from its first frame."""
        return self.registry.infer

    @property
    def held_diffs(self) -> int:
        """Depth diffs held right now waiting for a usable snapshot (never applied if the data ends)."""
        return self._depth.held()

    def is_resyncing(self, symbol: str) -> bool:
        """True while ``symbol``'s book awaits a usable snapshot (initially, after a gap or disconnect)."""
        return symbol in self.resyncing

    def subscribe_frames(self, symbols: Iterable[str], streams: Iterable[str], request_id: int = 1) -> list[str]:
        """One ``SUBSCRIBE`` frame for every symbol x stream (:func:`.rest.subscribe_frame`)."""
        return [subscribe_frame(symbols, streams, request_id)]

    def unsubscribe_frames(self, symbols: Iterable[str], streams: Iterable[str], request_id: int = 1) -> list[str]:
        """One ``UNSUBSCRIBE`` frame (see :func:`jtrader.venues.binance.rest.unsubscribe_frame`)."""
        return [unsubscribe_frame(symbols, streams, request_id)]

    def on_connect(self, ts: int, connection: str) -> list[MarketMessage]:
        """Nothing to reset: Binance ids are per symbol, checked by the sync rules."""
        return []

    def on_disconnect(self, ts: int, connection: str) -> list[MarketMessage]:
        """Books fed by ``connection`` are resyncing (a BookResync for each that was synced)."""
        out = self._depth.disconnect(ts, connection)
        self.stats.messages += len(out)
        return out

    def on_http(self, ts: int, url: str, body: bytes | str) -> list[MarketMessage]:
        """exchangeInfo -> instruments learned; ``/depth?symbol=X`` -> snapshot (starts or resyncs X)."""
        path = urlsplit(url)
        skipped = [0]
        new: dict[str, Instrument] = {}
        try:
            if path.path.endswith("/exchangeInfo"):
                self._exchange_info(body)
                return []
            if not path.path.endswith("/depth"):
                self.stats.unknown_channel += 1
                return []
            symbol = parse_qs(path.query)["symbol"][0].upper()
            data = _loads(body)
            snap = self._snapshot(ts, data, symbol, new, skipped)
        except PARSE_ERRORS as exc:
            return self._malformed(exc)
        self._commit(new, skipped)
        out = self._depth.apply_snapshot(ts, snap)
        self.stats.messages += len(out)
        return out

    def on_frame(self, ts: int, frame: bytes | str, connection: str = "") -> list[MarketMessage]:
        """Parse one websocket frame (combined or raw). Never raises on bad input."""
        stats = self.stats
        stats.frames += 1
        new: dict[str, Instrument] = {}
        try:
            msg = _loads(frame)
            if type(msg) is not dict:
                raise MalformedMessageError(f"frame is a JSON {type(msg).__name__}, not an object")
            stream = msg.get("stream")
            data = msg["data"] if stream is not None else msg
            if type(data) is not dict:
                raise MalformedMessageError(f"payload is a JSON {type(data).__name__}, not an object")
            event = data.get("e")
            if event is None and "u" in data and "b" in data and "A" in data:  # bookTicker: the commonest
                quote = _parse_book_ticker(ts, data, self.registry, new)
                if new:
                    self.registry.commit(new)
                stats.messages += 1
                return [quote]
            if event == "depthUpdate":
                skipped = [0]
                delta = frames.parse_diff(ts, data, self.registry, new, skipped)
            elif event in ("trade", "aggTrade"):
                return self._finish(new, self._trade(frames.parse_trade(ts, data, event, self.registry, new), event))
            elif event is None and "lastUpdateId" in data:
                skipped = [0]
                snap = self._snapshot(ts, data, self._snapshot_symbol(stream), new, skipped)
                self._commit(new, skipped)
                out = self._depth.apply_snapshot(ts, snap)
                stats.messages += len(out)
                return out
            elif event == "kline":
                return self._finish(new, self._kline(frames.parse_kline(ts, data, self.registry, new)))
            elif event == "serverShutdown":
                stats.notices += 1
                return self._finish(new, [VenueNotice(ts, "shutdown", "server shutdown: reconnect")])
            elif event is None and "code" in data and "msg" in data:
                stats.notices += 1
                return self._finish(new, [VenueNotice(ts, "error", f"{data['code']}: {data['msg']}")])
            elif event is None and "result" in data and "id" in data:
                stats.control += 1
                return []
            else:
                stats.unknown_channel += 1
                return []
        except PARSE_ERRORS as exc:
            return self._malformed(exc)
        self._commit(new, skipped)
        out = self._depth.apply_diff(delta, connection)
        stats.messages += len(out)
        return out

    # -- parsing helpers (no state change) ---------------------------------------------------------
    def _snapshot_symbol(self, stream: object) -> str:
        if isinstance(stream, str):
            return stream.partition("@")[0].upper()
        if self.default_symbol:
            return self.default_symbol
        if len(self._sync) == 1:
            return next(iter(self._sync))
        raise MalformedMessageError("depth snapshot without a stream name: cannot tell its symbol")

    def _snapshot(
        self, ts: int, data: object, symbol: str, new: dict[str, Instrument], skipped: list[int]
    ) -> BookSnapshot:
        if type(data) is not dict:
            raise MalformedMessageError("depth snapshot is not a JSON object")
        bids, asks = data["bids"], data["asks"]
        if type(bids) is not list or type(asks) is not list:
            raise MalformedMessageError("depth snapshot bids/asks are not lists")
        inst = self.registry.lookup(symbol, (row[0] for row in (*bids, *asks)), new)
        return parse_depth_snapshot(ts, data, inst, skipped)

    # -- state changes ----------------------------------------------------------------------------
    def _exchange_info(self, body: bytes | str) -> None:
        errors: list[str] = []
        for inst in parse_exchange_info(body, errors).values():
            self.registry.learn(inst)
            if inst.rules is not None:
                lot = inst.size_lot
                assert isinstance(lot, Decimal)
                self.order_steps[inst.symbol] = (lot * inst.rules.size_step_lots).normalize()
        if errors:
            self.stats.last_error = errors[-1]

    def _trade(self, parsed: tuple[Trade, int], event: str) -> list[MarketMessage]:
        trade, trade_id = parsed
        key = (trade.symbol, event)
        if trade_id <= self._last_trade_id.get(key, -1):
            self.stats.duplicates += 1
            return []
        self._last_trade_id[key] = trade_id
        return [trade]

    def _kline(self, kline: frames.Kline) -> list[MarketMessage]:
        if not kline.closed:
            self.stats.partial_bars += 1
            return []
        bar = kline.bar
        key = (bar.symbol, kline.interval)
        if bar.start <= self._last_kline.get(key, -1):
            self.stats.duplicates += 1
            return []
        self._last_kline[key] = bar.start
        return [bar]

    def _finish(self, new: dict[str, Instrument], out: list[MarketMessage]) -> list[MarketMessage]:
        self.registry.commit(new)
        self.stats.messages += len(out)
        return out

    def _malformed(self, exc: BaseException) -> list[MarketMessage]:
        self.stats.malformed += 1
        self.stats.last_error = f"{type(exc).__name__}: {exc}"
        return []

    def _commit(self, new: dict[str, Instrument], skipped: list[int] | None = None) -> None:
        if skipped:
            self.stats.off_grid_levels += skipped[0]
        if new:
            self.registry.commit(new)
