"""Binance spot market-data adapter (sans-I/O), with the official diff-depth sync rules.

Frames: combined-stream ``{"stream": ..., "data": ...}`` or raw payloads (symbol from ``s``).
``depthUpdate`` -> BookDelta (``first_update_id=U``, ``update_id=u``, ``ts_exchange=E``);
``trade``/``aggTrade`` -> Trade (``m`` true means the buyer made, so the aggressor SELLs;
repeated ids dropped; subscribe one of the two, not both); ``bookTicker`` -> Quote with
``update_id=u``; ``kline`` -> Bar only when closed (``x`` true; ``ts`` = receive time);
``serverShutdown`` and ``{"code", "msg"}`` errors -> VenueNotice; subscribe acks counted.
A depth snapshot (REST ``/api/v3/depth`` body via :meth:`BinanceAdapter.on_http`, a body
recorded into the stream, or a partial-depth ``@depth<N>`` frame) -> BookSnapshot with
``update_id = lastUpdateId``. A raw snapshot frame has no symbol: it is ``default_symbol``, or the
only symbol with depth state, or the frame is malformed.

Book sync, per symbol (BN-WS "How to manage a local order book correctly"): diffs are held until
a usable snapshot, then emitted in order; a gap is a BookResync. The rules, and so why the
messages emitted give the right book, are in :mod:`jtrader.venues._binance_sync`.

Bad frames: see :mod:`jtrader.venues._common`; a lost diff shows up as a gap on the next one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import orjson

from jtrader.errors import MalformedMessageError
from jtrader.model import (
    NS_PER_MS,
    Bar,
    BookDelta,
    BookSnapshot,
    Instrument,
    MarketMessage,
    Quote,
    Side,
    Trade,
    VenueNotice,
    check_ts,
)
from jtrader.venues import binance_rest
from jtrader.venues._binance_sync import HOLD_LIMIT, DepthSync
from jtrader.venues._common import (
    PARSE_ERRORS,
    AdapterStats,
    LevelMemo,
    default_instrument,
    max_decimals,
    same_grid,
    volume_lots,
)
from jtrader.venues.checks import BookTickerCheck

__all__ = ["HOLD_LIMIT", "BinanceAdapter", "BookTickerCheck"]

_new = tuple.__new__  # builds a message tuple without the NamedTuple's Python-level __new__


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
        self.instruments: dict[str, Instrument] = dict(instruments or {})
        self.default_symbol = default_symbol
        self.infer_instruments = infer_instruments
        self.stats = AdapterStats()
        self._depth = DepthSync(self.stats)
        #: symbols whose book is known wrong or incomplete (waiting for a usable snapshot)
        self.resyncing: set[str] = self._depth.resyncing
        #: ``LOT_SIZE.stepSize`` per symbol from exchangeInfo: the step orders must respect (the
        #: instruments' lot is the finer reporting precision, see ``binance_rest.symbol_instrument``)
        self.order_steps: dict[str, Decimal] = {}
        self._sync = self._depth.states
        self._last_trade_id: dict[tuple[str, str], int] = {}
        self._memos: dict[str, LevelMemo] = {}

    # -- public API ---------------------------------------------------------------------------
    def is_resyncing(self, symbol: str) -> bool:
        """True while ``symbol``'s book awaits a usable snapshot (initially, after a gap or disconnect)."""
        return symbol in self.resyncing

    def subscribe_frames(self, symbols: Iterable[str], streams: Iterable[str], request_id: int = 1) -> list[str]:
        """One ``SUBSCRIBE`` frame for every symbol x stream (see :func:`binance_rest.subscribe_frame`)."""
        return [binance_rest.subscribe_frame(symbols, streams, request_id)]

    def unsubscribe_frames(self, symbols: Iterable[str], streams: Iterable[str], request_id: int = 1) -> list[str]:
        """One ``UNSUBSCRIBE`` frame (see :func:`binance_rest.unsubscribe_frame`)."""
        return [binance_rest.unsubscribe_frame(symbols, streams, request_id)]

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
        try:
            if path.path.endswith("/exchangeInfo"):
                data = orjson.loads(body)
                errors: list[str] = []
                for inst in binance_rest.parse_exchange_info(data, errors).values():
                    self._learn(inst)
                    obj = next(o for o in data["symbols"] if o.get("symbol") == inst.symbol)
                    self.order_steps[inst.symbol] = binance_rest.symbol_filters(obj)["lot"]
                if errors:
                    self.stats.last_error = errors[-1]
                return []
            if path.path.endswith("/depth"):
                symbol = parse_qs(path.query)["symbol"][0].upper()
                data = orjson.loads(body)
                snap, new = self._snapshot(ts, data, symbol, skipped)
            else:
                self.stats.unknown_channel += 1
                return []
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
            msg = orjson.loads(frame)
            stream = msg.get("stream")
            data = msg["data"] if stream is not None else msg
            event = data.get("e")
            if event is None and "u" in data and "b" in data and "A" in data:  # bookTicker: the commonest
                quote = self._book_ticker(ts, data, new)
                if new:
                    self._commit(new)
                stats.messages += 1
                return [quote]
            if event == "depthUpdate":
                skipped = [0]
                delta = self._diff(ts, data, new, skipped)
            elif event in ("trade", "aggTrade"):
                return self._finish(new, self._trade(ts, data, event, new))
            elif event is None and "lastUpdateId" in data:
                skipped = [0]
                symbol = self._snapshot_symbol(stream)
                snap, new = self._snapshot(ts, data, symbol, skipped)
                self._commit(new, skipped)
                out = self._depth.apply_snapshot(ts, snap)
                stats.messages += len(out)
                return out
            elif event == "kline":
                return self._finish(new, self._kline(ts, data, new))
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

    # -- parsing (no state change) ----------------------------------------------------------------
    def _instrument(self, symbol: object, samples: Iterable[str], new: dict[str, Instrument]) -> Instrument:
        if type(symbol) is not str or not symbol:
            raise MalformedMessageError(f"symbol {symbol!r}")
        inst = self.instruments.get(symbol) or new.get(symbol)
        if inst is None:
            if not self.infer_instruments:
                raise MalformedMessageError(f"unknown symbol {symbol!r}")
            inst = new[symbol] = default_instrument(symbol, self.venue, max_decimals(samples))
        return inst

    @staticmethod
    def _ms(value: object, what: str) -> int:
        if type(value) is not int:
            raise MalformedMessageError(f"{what} {value!r} is not an int of ms")
        return check_ts(value * NS_PER_MS, what)

    def _diff(self, ts: int, data: dict, new: dict[str, Instrument], skipped: list[int]) -> BookDelta:
        first, last = data["U"], data["u"]
        if type(first) is not int or type(last) is not int or not 0 < first <= last:
            raise MalformedMessageError(f"depthUpdate ids U={first!r} u={last!r}")
        bids, asks = data["b"], data["a"]
        inst = self._instrument(data["s"], (row[0] for row in (*bids, *asks)), new)
        return BookDelta(
            ts,
            self._ms(data["E"], "E"),
            inst.symbol,
            binance_rest.depth_levels(inst, bids, skipped),
            binance_rest.depth_levels(inst, asks, skipped),
            last,
            first,
        )

    def _snapshot_symbol(self, stream: object) -> str:
        if isinstance(stream, str):
            return stream.partition("@")[0].upper()
        if self.default_symbol:
            return self.default_symbol
        if len(self._sync) == 1:
            return next(iter(self._sync))
        raise MalformedMessageError("depth snapshot without a stream name: cannot tell its symbol")

    def _snapshot(
        self, ts: int, data: dict, symbol: str, skipped: list[int]
    ) -> tuple[BookSnapshot, dict[str, Instrument]]:
        new: dict[str, Instrument] = {}
        inst = self._instrument(symbol, (row[0] for row in (*data["bids"], *data["asks"])), new)
        return binance_rest.parse_depth_snapshot(ts, data, inst, skipped), new

    def _trade(self, ts: int, data: dict, event: str, new: dict[str, Instrument]) -> list[MarketMessage]:
        symbol = data["s"]
        price = data["p"]
        inst = self._instrument(symbol, (price,), new)
        trade_id = data["t"] if event == "trade" else data["a"]
        maker = data["m"]
        if type(trade_id) is not int or type(maker) is not bool:
            raise MalformedMessageError(f"{event} id {trade_id!r} / m {maker!r}")
        memo = self._memo(inst)
        trade = _new(
            Trade,
            (
                ts,
                self._ms(data["T"], "T"),
                inst.symbol,
                _remember(memo.prices, inst.price_to_ticks, price, memo.limit),
                _remember(memo.sizes, inst.size_to_lots, data["q"], memo.limit),
                Side.SELL if maker else Side.BUY,
                str(trade_id),
            ),
        )
        if trade.price <= 0 or trade.size <= 0:
            raise MalformedMessageError(f"{event} {trade_id} has a zero price or size")
        key = (inst.symbol, event)
        if trade_id <= self._last_trade_id.get(key, -1):
            self.stats.duplicates += 1
            return []
        self._last_trade_id[key] = trade_id
        return [trade]

    def _book_ticker(self, ts: int, data: dict, new: dict[str, Instrument]) -> Quote:
        update_id = data["u"]
        if type(update_id) is not int or update_id < 0:
            raise MalformedMessageError(f"bookTicker u {update_id!r}")
        symbol = data["s"]
        bid, ask = data["b"], data["a"]
        inst = self._instrument(symbol, (bid, ask), new)
        memo = self._memo(inst)
        prices, sizes, limit = memo.prices, memo.sizes, memo.limit
        p2t, s2l = inst.price_to_ticks, inst.size_to_lots
        return _new(
            Quote,
            (
                ts,
                0,
                inst.symbol,
                _remember(prices, p2t, bid, limit),
                _remember(sizes, s2l, data["B"], limit),
                _remember(prices, p2t, ask, limit),
                _remember(sizes, s2l, data["A"], limit),
                update_id,
            ),
        )

    def _memo(self, inst: Instrument) -> LevelMemo:
        """The conversion memo of ``inst`` (a new one when the symbol's instrument changed)."""
        memo = self._memos.get(inst.symbol)
        if memo is None or memo.instrument is not inst:
            memo = self._memos[inst.symbol] = LevelMemo(inst)
        return memo

    def _kline(self, ts: int, data: dict, new: dict[str, Instrument]) -> list[MarketMessage]:
        k = data["k"]
        inst = self._instrument(data["s"], (k["o"], k["h"], k["l"], k["c"]), new)
        p2t = inst.price_to_ticks
        bar = Bar(
            ts,
            inst.symbol,
            p2t(k["o"]),
            p2t(k["h"]),
            p2t(k["l"]),
            p2t(k["c"]),
            volume_lots(inst, k["v"]),
            self._ms(k["t"], "kline t"),
        )
        if not bar.low <= min(bar.open, bar.close) <= max(bar.open, bar.close) <= bar.high:
            raise MalformedMessageError(f"kline {inst.symbol}: open/close outside low..high")
        if k["x"] is not True:
            self.stats.partial_bars += 1
            return []
        return [bar]

    # -- state changes ----------------------------------------------------------------------------
    def _finish(self, new: dict[str, Instrument], out: list[MarketMessage]) -> list[MarketMessage]:
        self._commit(new)
        self.stats.messages += len(out)
        return out

    def _malformed(self, exc: BaseException) -> list[MarketMessage]:
        self.stats.malformed += 1
        self.stats.last_error = f"{type(exc).__name__}: {exc}"
        return []

    def _commit(self, new: dict[str, Instrument], skipped: list[int] | None = None) -> None:
        if skipped:
            self.stats.off_grid_levels += skipped[0]
        for symbol, inst in new.items():
            self.instruments[symbol] = inst
            self.stats.instruments_inferred += 1

    def _learn(self, inst: Instrument) -> None:
        old = self.instruments.get(inst.symbol)
        if old is not None and not same_grid(old, inst):
            self.stats.instrument_conflicts += 1
            return
        self.instruments[inst.symbol] = inst
        self.stats.instruments_learned += 1


def _remember(memo: dict[str, int], convert: Callable[[str], int], text: str, limit: int) -> int:
    """``convert(text)``, looked up in ``memo`` first (see :class:`LevelMemo`): the same result or error.

    Only str keys are stored (``1``, ``1.0`` and ``True`` are equal dict keys) and only after a
    successful conversion; the memo is emptied when it reaches ``limit`` entries.
    """
    if type(text) is not str:
        return convert(text)
    value = memo.get(text)
    if value is None:
        value = convert(text)
        if len(memo) >= limit:
            memo.clear()
        memo[text] = value
    return value
