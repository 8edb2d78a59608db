"""Coinbase Advanced Trade market-data adapter (sans-I/O): websocket frames in, messages out.

Channels handled (``shared/notes/venue-protocols.md`` section 1): ``l2_data`` (snapshot/update,
sides ``bid``/``offer``, absolute ``new_quantity``, ``"0"`` deletes) -> BookSnapshot/BookDelta;
``market_trades`` -> Trade (``snapshot`` prints are history: skipped, only their ids remembered
to drop repeats; ``side`` is the maker's, aggressor is the opposite); ``ticker``/``ticker_batch``
-> Quote; ``candles`` -> Bar; ``heartbeats`` -> Heartbeat; ``status`` -> VenueNotice (and unknown
products learned); ``subscriptions`` recorded; ``{"type":"error"}`` -> VenueNotice.

Timestamps: ``ts`` is the caller's receive time (ns); ``ts_exchange`` the envelope ``timestamp``
(server send time), except trades which carry their own ``time``.

Sequence numbers: ``sequence_num`` is per connection, shared by every channel, from 0. A repeated
or older number is a duplicate: counted and the frame skipped. A jump is a gap: one SequenceGap
naming the books fed by that connection and one BookResync per book; those books skip updates
until their next ``l2_data`` snapshot (on a live feed: resubscribe ``level2``).

Candles: the channel sends the current 5-minute bucket about every second with no "closed" flag,
so every update becomes a Bar with ``ts`` = receive time and ``start`` = bucket open (ns); several
Bars can share a ``start`` and the last one is the final. The snapshot's history is emitted too.

Bad frames: see :mod:`jtrader.venues._common`. A frame with a good envelope but bad content still
uses up its sequence number; when it is an ``l2_data`` frame the books it names (or, if none can be
read, every book of that connection) are marked resyncing, since an update was lost.
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson

from jtrader.errors import MalformedMessageError, OffGridError
from jtrader.model import (
    BookDelta,
    BookResync,
    BookSnapshot,
    Instrument,
    MarketMessage,
    SequenceGap,
    VenueNotice,
    parse_rfc3339_ns,
)
from jtrader.venues import _coinbase_channels as _channels
from jtrader.venues import coinbase_rest
from jtrader.venues._common import (
    PARSE_ERRORS,
    AdapterStats,
    LevelMemo,
    default_instrument,
    max_decimals,
    same_grid,
)

__all__ = ["CoinbaseAdapter"]

_loads = orjson.loads
_new = tuple.__new__
_split_l2_levels = coinbase_rest.split_l2_levels
_split_memo = coinbase_rest._split_memo
_BULK_MIN_LEVELS = coinbase_rest._BULK_MIN_LEVELS


class CoinbaseAdapter:
    """One adapter for a set of Coinbase Advanced Trade connections (``connection`` names them).

    ``instruments`` are keyed by product id (``BTC-USD``). Unknown products are learned from a
    products REST body (:meth:`on_http`) or a ``status`` frame; failing that, and when
    ``infer_instruments`` is true, a fallback grid is inferred from the first frame that names the
    product (:func:`jtrader.venues._common.default_instrument`).
    """

    venue = "coinbase"

    def __init__(self, instruments: dict[str, Instrument] | None = None, *, infer_instruments: bool = True) -> None:
        self.instruments: dict[str, Instrument] = dict(instruments or {})
        self.infer_instruments = infer_instruments
        self.stats = AdapterStats()
        #: products whose book is known wrong or incomplete until their next snapshot
        self.resyncing: set[str] = set()
        #: connection -> cumulative subscriptions from its last ``subscriptions`` frame
        self.subscriptions: dict[str, dict[str, list[str]]] = {}
        self._seq: dict[str, int] = {}
        self._books: dict[str, set[str]] = {}
        self._last_trade_id: dict[str, int] = {}
        #: symbol -> strings already converted on its grid (replay hot path, bounded)
        self._memos: dict[str, LevelMemo] = {}
        self._handlers = {
            "l2_data": self._l2,
            "market_trades": self._trades,
            "ticker": self._ticker,
            "ticker_batch": self._ticker,
            "candles": self._candles,
            "heartbeats": self._heartbeat,
            "status": self._status,
            "subscriptions": self._subscriptions,
        }

    # -- public API ---------------------------------------------------------------------------
    def is_resyncing(self, symbol: str) -> bool:
        """True while ``symbol``'s book awaits a snapshot after a gap, a disconnect or a bad frame."""
        return symbol in self.resyncing

    def subscribe_frames(self, products: Iterable[str], channels: Iterable[str], jwt: str | None = None) -> list[str]:
        """See :func:`jtrader.venues.coinbase_rest.subscribe_frames` (one frame per channel)."""
        return coinbase_rest.subscribe_frames(products, channels, jwt)

    def unsubscribe_frames(self, products: Iterable[str], channels: Iterable[str], jwt: str | None = None) -> list[str]:
        """See :func:`jtrader.venues.coinbase_rest.unsubscribe_frames`."""
        return coinbase_rest.unsubscribe_frames(products, channels, jwt)

    def on_connect(self, ts: int, connection: str) -> list[MarketMessage]:
        """A new connection: its ``sequence_num`` must start at 0."""
        self._seq[connection] = -1
        self._books.setdefault(connection, set())
        return []

    def on_disconnect(self, ts: int, connection: str) -> list[MarketMessage]:
        """The connection closed: every book it fed is resyncing (one BookResync each)."""
        self._seq.pop(connection, None)
        self.subscriptions.pop(connection, None)
        return self._resync(ts, sorted(self._books.pop(connection, set())), f"disconnected: {connection}")

    def on_http(self, ts: int, url: str, body: bytes | str) -> list[MarketMessage]:
        """Learn instruments from a products body; other bodies are ignored (see coinbase_rest)."""
        if "/products" not in url or "/candles" in url or "/ticker" in url:
            self.stats.unknown_channel += 1
            return []
        errors: list[str] = []
        try:
            learned = coinbase_rest.parse_products(body, errors)
        except MalformedMessageError as exc:
            self._malformed(exc)
            return []
        for inst in learned.values():
            self._learn(inst)
        if errors:
            self.stats.last_error = errors[-1]
        return []

    def on_frame(self, ts: int, frame: bytes | str, connection: str = "") -> list[MarketMessage]:
        """Parse one websocket frame into messages. Never raises on bad input."""
        stats = self.stats
        stats.frames += 1
        try:
            msg = _loads(frame)
            channel = msg.get("channel")
            if channel is None:
                return self._channelless(ts, msg)
            seq = msg["sequence_num"]
            events = msg["events"]
            if type(seq) is not int or seq < 0 or type(events) is not list:
                raise MalformedMessageError(f"bad envelope: sequence_num={seq!r}, events={type(events).__name__}")
        except PARSE_ERRORS as exc:
            return self._malformed(exc)
        seqs = self._seq
        last = seqs.get(connection)
        out: list[MarketMessage] = []
        if last is not None:
            if seq <= last:
                stats.duplicates += 1
                return out
            if seq != last + 1:
                out = self._gap(ts, connection, last + 1, seq)
        seqs[connection] = seq
        handler = self._handlers.get(channel)
        if handler is None:
            stats.unknown_channel += 1
        else:
            try:
                if out:
                    out += handler(ts, msg, events, connection)
                else:
                    out = handler(ts, msg, events, connection)
            except PARSE_ERRORS as exc:
                self._malformed(exc)
                if channel == "l2_data":
                    out += self._bad_l2(ts, events, connection)
        stats.messages += len(out)
        return out

    # -- state changes --------------------------------------------------------------------------
    def _malformed(self, exc: BaseException) -> list[MarketMessage]:
        self.stats.malformed += 1
        self.stats.last_error = f"{type(exc).__name__}: {exc}"
        return []

    def _resync(self, ts: int, symbols: list[str], reason: str) -> list[MarketMessage]:
        self.resyncing.update(symbols)
        self.stats.resyncs += len(symbols)
        return [BookResync(ts, symbol, reason) for symbol in symbols]

    def _gap(self, ts: int, connection: str, expected: int, received: int) -> list[MarketMessage]:
        self.stats.gaps += 1
        books = self._books.get(connection, set())
        symbols = sorted(books)
        books.clear()
        reason = f"sequence gap on {connection!r}: expected {expected}, got {received}"
        return [SequenceGap(ts, connection, expected, received, tuple(symbols)), *self._resync(ts, symbols, reason)]

    def _bad_l2(self, ts: int, events: list, connection: str) -> list[MarketMessage]:
        books = self._books.get(connection, set())
        named = {
            ev.get("product_id") for ev in events if isinstance(ev, dict) and isinstance(ev.get("product_id"), str)
        }
        hit = sorted(named) if named else sorted(books)
        self.resyncing.update(hit)
        live = [symbol for symbol in hit if symbol in books]
        books.difference_update(hit)
        return self._resync(ts, live, f"malformed l2_data frame on {connection!r}")

    def _learn(self, inst: Instrument) -> None:
        old = self.instruments.get(inst.symbol)
        if old is not None and not same_grid(old, inst):
            self.stats.instrument_conflicts += 1
            return
        self.instruments[inst.symbol] = inst
        self.stats.instruments_learned += 1

    def _instrument(self, symbol: str, samples: Iterable[str], new: dict[str, Instrument]) -> Instrument:
        """The instrument of ``symbol``; a fallback is put in ``new`` (committed by the caller)."""
        inst = self.instruments.get(symbol) or new.get(symbol)
        if inst is None:
            if not self.infer_instruments or type(symbol) is not str:
                raise MalformedMessageError(f"unknown product {symbol!r}")
            inst = new[symbol] = default_instrument(symbol, self.venue, max_decimals(samples))
        return inst

    def _commit(self, new: dict[str, Instrument]) -> None:
        for symbol, inst in new.items():
            self.instruments[symbol] = inst
            self.stats.instruments_inferred += 1

    # -- channels -------------------------------------------------------------------------------
    def _channelless(self, ts: int, msg: dict) -> list[MarketMessage]:
        if msg.get("type") == "error":
            text = str(msg.get("message", ""))
            if msg.get("reason"):
                text = f"{text}: {msg['reason']}"
            self.stats.notices += 1
            self.stats.messages += 1
            return [VenueNotice(ts, "error", text)]
        self.stats.unknown_channel += 1
        return []

    def _memo(self, inst: Instrument) -> LevelMemo:
        """The level memo of ``inst`` (a new one when the symbol's instrument changed)."""
        memo = self._memos.get(inst.symbol)
        if memo is None or memo.instrument is not inst:
            memo = self._memos[inst.symbol] = LevelMemo(inst)
        return memo

    def _l2(self, ts: int, msg: dict, events: list, connection: str) -> list[MarketMessage]:
        # the replay hot path: one call per book frame, so locals and no work for the common case
        ts_ex = parse_rfc3339_ns(msg["timestamp"])
        books = self._books.get(connection)
        if books is None:
            books = self._books[connection] = set()
        if len(events) == 1:  # the usual frame: one update of a book this connection feeds
            ev = events[0]
            kind = ev["type"]
            symbol = ev["product_id"]
            updates = ev["updates"]
            if kind == "update" and symbol in books:
                memo = self._memos.get(symbol)
                short = len(updates) < _BULK_MIN_LEVELS
                if short and memo is not None and memo.instrument is self.instruments.get(symbol):
                    try:
                        bids, asks = _split_memo(memo, updates)
                    except PARSE_ERRORS:
                        pass  # the general path below raises the right error or counts off-grid levels
                    else:
                        return [_new(BookDelta, (ts, ts_ex, symbol, tuple(bids), tuple(asks), 0, 0))]
        instruments = self.instruments
        new: dict[str, Instrument] = {}
        out: list[MarketMessage] = []
        snapshots: list[str] = []
        skipped = 0
        off_grid = [0]
        for ev in events:
            kind = ev["type"]
            symbol = ev["product_id"]
            updates = ev["updates"]
            if kind == "update":
                if symbol not in books and symbol not in snapshots:
                    skipped += 1
                    continue
            elif kind != "snapshot":
                raise MalformedMessageError(f"l2_data event type {kind!r}")
            inst = instruments.get(symbol)
            if inst is None:
                inst = self._instrument(symbol, (u["price_level"] for u in updates), new)
            try:
                bids, asks = _split_l2_levels(inst, updates, None, self._memo(inst))
            except OffGridError:
                bids, asks = _split_l2_levels(inst, updates, off_grid)
            if kind == "snapshot":
                snapshots.append(symbol)
                out.append(_new(BookSnapshot, (ts, ts_ex, symbol, tuple(bids), tuple(asks), 0)))
            else:
                out.append(_new(BookDelta, (ts, ts_ex, symbol, tuple(bids), tuple(asks), 0, 0)))
        # the whole frame parsed: commit
        if new:
            self._commit(new)
        for symbol in snapshots:
            for other in self._books.values():
                other.discard(symbol)
            books.add(symbol)
            self.resyncing.discard(symbol)
        if skipped:
            self.stats.skipped_resyncing += skipped
        if off_grid[0]:
            self.stats.off_grid_levels += off_grid[0]
        return out

    # -- the other channels (see jtrader.venues._coinbase_channels) -----------------------------
    _trades = _channels.trades
    _ticker = _channels.ticker
    _candles = _channels.candles
    _heartbeat = _channels.heartbeat
    _status = _channels.status
    _subscriptions = _channels.subscriptions
