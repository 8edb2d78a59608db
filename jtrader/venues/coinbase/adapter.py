"""Coinbase Advanced Trade market-data adapter (sans-I/O): websocket frames in, messages out.

Channels handled (``shared/notes/venue-protocols.md`` section 1): ``l2_data`` (snapshot/update,
sides ``bid``/``offer``, absolute ``new_quantity``, ``"0"`` deletes) -> BookSnapshot/BookDelta;
``market_trades`` -> Trade (``snapshot`` prints are history: skipped, only their ids remembered
to drop repeats; ``side`` is the maker's, aggressor is the opposite); ``ticker``/``ticker_batch``
-> Quote; ``candles`` -> BarHistory and Bar (below); ``heartbeats`` -> Heartbeat; ``status`` ->
VenueNotice (and unknown products learned, with their order rules); ``subscriptions`` recorded;
``{"type":"error"}`` -> VenueNotice.

Timestamps: ``ts`` is the caller's receive time (ns); ``ts_exchange`` the envelope ``timestamp``
(server send time), except trades which carry their own ``time``. A venue time that moves more than
a day away from the feed's established offset to the receive time makes the frame malformed
(:class:`~jtrader.venues._common.VenueClock`, :data:`~jtrader.venues._common.MAX_CLOCK_SKEW_NS`).

Sequence numbers: ``sequence_num`` is per connection, shared by every channel, from 0. A repeated
or older number is a duplicate: counted and the frame skipped. A jump is a gap: one SequenceGap
naming the books fed by that connection and one BookResync per book; those books skip updates
until their next ``l2_data`` snapshot (on a live feed: resubscribe ``level2``).

Candles (one meaning of a bar everywhere; :mod:`jtrader.venues.coinbase.candles`): the
subscription snapshot's completed candles become one BarHistory (history, never ``on_bar``); the
open 5-minute bucket is updated in place and emitted as one Bar, with ``ts`` = the receive time of
the frame that proved it complete, when a later bucket starts. An unfinished bucket is never a Bar.

Structure: the channel parsers are pure functions (:mod:`~jtrader.venues.coinbase.channels`,
:mod:`~jtrader.venues.coinbase.l2`, :mod:`~jtrader.venues.coinbase.candles`) that return what a
frame means; this class checks the envelope and sequence, calls them and commits their results.

Bad frames: see :mod:`jtrader.venues.stats`. A frame with a good envelope but bad content still
uses up its sequence number; when it is an ``l2_data`` frame the books it names (or, if none can be
read, every book of that connection) are marked resyncing, since an update was lost.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import orjson
from msgspec import to_builtins

from jtrader.errors import MalformedMessageError
from jtrader.model import BookResync, Instrument, MarketMessage, SequenceGap, VenueNotice, parse_rfc3339_ns
from jtrader.model.messages import make_book_delta
from jtrader.venues._common import MAX_CLOCK_SKEW_NS, PARSE_ERRORS
from jtrader.venues.coinbase import channels
from jtrader.venues.coinbase.candles import CandleAssembler, parse_candle_rows
from jtrader.venues.coinbase.l2 import L2Result, parse_l2, parse_l2_typed
from jtrader.venues.coinbase.levels import BULK_MIN_LEVELS, split_memo, split_typed
from jtrader.venues.coinbase.products import parse_products
from jtrader.venues.coinbase.rest import subscribe_frames, unsubscribe_frames
from jtrader.venues.coinbase.wire import (
    DECODE_ERRORS,
    FRAME_DECODER,
    CandlesFrame,
    HeartbeatsFrame,
    L2Frame,
    SubscriptionsFrame,
    TickerBatchFrame,
    TickerFrame,
    TradesFrame,
    TypedFrame,
)
from jtrader.venues.instruments import InstrumentRegistry
from jtrader.venues.stats import AdapterStats

__all__ = ["CoinbaseAdapter"]

_loads = orjson.loads
_decode = FRAME_DECODER.decode
#: a typed-path channel handler: (receive ts ns, frame struct, connection) -> messages
TypedHandler = Callable[[int, TypedFrame, str], list[MarketMessage]]


class CoinbaseAdapter:
    """One adapter for a set of Coinbase Advanced Trade connections (``connection`` names them).

    ``instruments`` are keyed by product id (``BTC-USD``). Unknown products are learned from a
    products REST body (:meth:`on_http`) or a ``status`` frame; failing that, and when
    ``infer_instruments`` is true, a fallback grid is inferred from the first frame that names the
    product (:func:`jtrader.venues._common.default_instrument`).

    ``typed_decoding`` (default true) reads the frames :mod:`jtrader.venues.coinbase.wire` describes
    through its ``msgspec`` structs; false reads every frame through the general ``orjson`` path
    (the oracle the typed path is tested against: both give the same messages and counters).
    """

    venue = "coinbase"

    def __init__(
        self,
        instruments: dict[str, Instrument] | None = None,
        *,
        infer_instruments: bool = True,
        typed_decoding: bool = True,
    ) -> None:
        self.stats = AdapterStats()
        #: whether frames go through the typed decoder first (see the class docstring)
        self.typed_decoding = typed_decoding
        self.registry = InstrumentRegistry(self.venue, instruments, infer_instruments, self.stats)
        #: products whose book is known wrong or incomplete until their next snapshot
        self.resyncing: set[str] = set()
        #: connection -> cumulative subscriptions from its last ``subscriptions`` frame
        self.subscriptions: dict[str, dict[str, list[str]]] = {}
        self.candles = CandleAssembler(self.stats)
        self._seq: dict[str, int] = {}
        self._books: dict[str, set[str]] = {}
        self._last_trade_id: dict[str, int] = {}
        self._handlers = {
            "l2_data": self._l2,
            "market_trades": self._trades,
            "ticker": self._ticker,
            "ticker_batch": self._ticker,
            "candles": self._candles,
            "heartbeats": self._heartbeats,
            "status": self._status,
            "subscriptions": self._subscriptions,
        }
        #: the typed path's handlers, by frame struct (:mod:`jtrader.venues.coinbase.wire`)
        self._typed: dict[type, TypedHandler] = {
            L2Frame: self._l2_typed,
            TradesFrame: self._typed_via_dicts(self._trades),
            TickerFrame: self._typed_via_dicts(self._ticker),
            TickerBatchFrame: self._typed_via_dicts(self._ticker),
            CandlesFrame: self._typed_via_dicts(self._candles),
            HeartbeatsFrame: self._typed_via_dicts(self._heartbeats),
            SubscriptionsFrame: self._typed_via_dicts(self._subscriptions),
        }

    # -- public API ---------------------------------------------------------------------------
    @property
    def instruments(self) -> dict[str, Instrument]:
        """Instruments by product id (the registry's dict: adding one here teaches the adapter)."""
        return self.registry.instruments

    @instruments.setter
    def instruments(self, value: dict[str, Instrument]) -> None:
        self.registry.instruments = value

    @property
    def infer_instruments(self) -> bool:
        """Whether an unknown product gets a fallback grid from its first frame."""
        return self.registry.infer

    @property
    def held_diffs(self) -> int:
        """Book updates held and not yet applied: always 0 (Coinbase has no snapshot-and-diffs sync)."""
        return 0

    def is_resyncing(self, symbol: str) -> bool:
        """True while ``symbol``'s book awaits a snapshot after a gap, a disconnect or a bad frame."""
        return symbol in self.resyncing

    def subscribe_frames(self, products: Iterable[str], channels: Iterable[str], jwt: str | None = None) -> list[str]:
        """See :func:`jtrader.venues.coinbase.rest.subscribe_frames` (one frame per channel)."""
        return subscribe_frames(products, channels, jwt)

    def unsubscribe_frames(self, products: Iterable[str], channels: Iterable[str], jwt: str | None = None) -> list[str]:
        """See :func:`jtrader.venues.coinbase.rest.unsubscribe_frames`."""
        return unsubscribe_frames(products, channels, jwt)

    def on_connect(self, ts: int, connection: str) -> list[MarketMessage]:
        """A new connection: its ``sequence_num`` must start at 0."""
        self._seq[connection] = -1
        self._books.setdefault(connection, set())
        return []

    def on_disconnect(self, ts: int, connection: str) -> list[MarketMessage]:
        """The connection closed: every book it fed is resyncing (one BookResync each); its open
        candle buckets are dropped unfinished."""
        self._seq.pop(connection, None)
        self.subscriptions.pop(connection, None)
        self.candles.disconnect(connection)
        return self._resync(ts, sorted(self._books.pop(connection, set())), f"disconnected: {connection}")

    def on_http(self, ts: int, url: str, body: bytes | str) -> list[MarketMessage]:
        """Learn instruments (and their order rules) from a products body; other bodies are ignored."""
        if "/products" not in url or "/candles" in url or "/ticker" in url:
            self.stats.unknown_channel += 1
            return []
        errors: list[str] = []
        try:
            learned = parse_products(body, errors)
        except MalformedMessageError as exc:
            self._malformed(exc)
            return []
        for inst in learned.values():
            self.registry.learn(inst)
        if errors:
            self.stats.last_error = errors[-1]
        return []

    def on_frame(self, ts: int, frame: bytes | str, connection: str = "") -> list[MarketMessage]:
        """Parse one websocket frame into messages. Never raises on bad input.

        A frame the typed decoder describes (:mod:`jtrader.venues.coinbase.wire`) is read from its
        structs; any other frame, and any frame whose typed reading fails, takes the general path
        (``orjson`` dicts), which counts and names what is wrong. Both give the same messages and
        counters (``tests/unit/venues/test_typed_decoding.py`` compares them frame by frame).
        """
        stats = self.stats
        stats.frames += 1
        if not self.typed_decoding:
            return self._general(ts, frame, connection)
        try:
            env = _decode(frame)
        except DECODE_ERRORS:
            return self._general(ts, frame, connection)
        seq = env.sequence_num
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
        try:
            msgs = self._typed[type(env)](ts, env, connection)
        except PARSE_ERRORS:  # refused or counted by the general reading (off-grid levels): let it say which
            msg = _loads(frame)
            out = self._dispatch(ts, msg, (msg["channel"], msg["events"], connection), out)
        else:
            if out:
                out += msgs
            else:
                out = msgs
        stats.messages += len(out)
        return out

    def _general(self, ts: int, frame: bytes | str, connection: str) -> list[MarketMessage]:
        """:meth:`on_frame` for a frame the typed decoder refused: ``orjson`` dicts, every check named."""
        stats = self.stats
        try:
            msg = _loads(frame)
            if type(msg) is not dict:
                raise MalformedMessageError(f"frame is a JSON {type(msg).__name__}, not an object")
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
        out = self._dispatch(ts, msg, (channel, events, connection), out)
        stats.messages += len(out)
        return out

    def _dispatch(
        self, ts: int, msg: dict, where: tuple[object, list, str], out: list[MarketMessage]
    ) -> list[MarketMessage]:
        """``out`` (the gap messages, if any) followed by what the general handler of the frame's
        channel makes; ``where`` is (channel, events, connection)."""
        channel, events, connection = where
        handler = self._handlers.get(channel) if type(channel) is str else None
        if handler is None:
            self.stats.unknown_channel += 1
            return out
        try:
            msgs = handler(ts, msg, events, connection)
        except PARSE_ERRORS as exc:
            self._malformed(exc)
            if channel == "l2_data":
                out += self._bad_l2(ts, events, connection)
            return out
        if out:
            out += msgs
            return out
        return msgs

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

    # -- channels: parse (pure), then commit ------------------------------------------------------
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

    def _l2(self, ts: int, msg: dict, events: list, connection: str) -> list[MarketMessage]:
        # the replay hot path: one call per book frame, so locals and no work for the common case
        ts_ex = parse_rfc3339_ns(msg["timestamp"])
        clock = self.registry.clock
        base = clock.offset
        if base is None or not -MAX_CLOCK_SKEW_NS <= ts_ex - ts - base <= MAX_CLOCK_SKEW_NS:
            clock.check(ts, ts_ex, "timestamp")  # sets the offset, or raises with the reason
        books = self._books.get(connection)
        if books is None:
            books = self._books[connection] = set()
        if len(events) == 1:  # the usual frame: one update of a book this connection feeds
            ev = events[0]
            if ev["type"] == "update":
                symbol = ev["product_id"]
                updates = ev["updates"]
                if symbol in books and type(updates) is list and len(updates) < BULK_MIN_LEVELS:
                    registry = self.registry
                    memo = registry.memos.get(symbol)
                    if memo is not None and memo.instrument is registry.instruments.get(symbol):
                        try:
                            bids, asks = split_memo(memo, updates)
                        except PARSE_ERRORS:
                            pass  # the general path raises the right error or counts off-grid levels
                        else:
                            return [make_book_delta((ts, ts_ex, symbol, tuple(bids), tuple(asks), 0, 0))]
        return self._commit_l2(books, parse_l2(ts, ts_ex, events, books, self.registry))

    def _l2_typed(self, ts: int, env: L2Frame, connection: str) -> list[MarketMessage]:
        """:meth:`_l2` of a typed frame (raises on whatever the general reading refuses or counts)."""
        ts_ex = parse_rfc3339_ns(env.timestamp)
        clock = self.registry.clock
        base = clock.offset
        if base is None or not -MAX_CLOCK_SKEW_NS <= ts_ex - ts - base <= MAX_CLOCK_SKEW_NS:
            clock.check(ts, ts_ex, "timestamp")  # sets the offset, or raises with the reason
        books = self._books.get(connection)
        if books is None:
            books = self._books[connection] = set()
        events = env.events
        if len(events) == 1:  # the usual frame: one update of a book this connection feeds
            ev = events[0]
            symbol = ev.product_id
            if ev.type == "update" and symbol in books:
                registry = self.registry
                memo = registry.memos.get(symbol)
                if memo is not None and memo.instrument is registry.instruments.get(symbol):
                    bids, asks = split_typed(memo.instrument, ev.updates, memo)
                    return [make_book_delta((ts, ts_ex, symbol, tuple(bids), tuple(asks), 0, 0))]
        return self._commit_l2(books, parse_l2_typed(ts, ts_ex, events, books, self.registry))

    def _commit_l2(self, books: set[str], result: L2Result) -> list[MarketMessage]:
        """Commit what a whole ``l2_data`` frame that parsed completely means; its messages."""
        if result.new:
            self.registry.commit(result.new)
        for symbol in result.snapshots:
            for other in self._books.values():
                other.discard(symbol)
            books.add(symbol)
            self.resyncing.discard(symbol)
        if result.skipped:
            self.stats.skipped_resyncing += result.skipped
        if result.off_grid:
            self.stats.off_grid_levels += result.off_grid
        return result.messages

    def _typed_via_dicts(self, handler: Callable[[int, dict, list, str], list[MarketMessage]]) -> TypedHandler:
        """A typed handler that hands the frame's events, as plain dicts, to the general ``handler``
        (channels whose speed does not matter: one parser for both paths)."""

        def typed(ts: int, env: TypedFrame, connection: str) -> list[MarketMessage]:
            return handler(ts, {"timestamp": env.timestamp}, to_builtins(env.events), connection)

        return typed

    def _envelope_time(self, ts: int, msg: dict) -> int:
        return self.registry.clock.check(ts, parse_rfc3339_ns(msg["timestamp"]), "timestamp")

    def _trades(self, ts: int, msg: dict, events: list, connection: str) -> list[MarketMessage]:
        self._envelope_time(ts, msg)  # the envelope keeps the feed's clock offset honest too
        result = channels.parse_trades(ts, events, self.registry, self._last_trade_id)
        self.registry.commit(result.new)
        self._last_trade_id = result.last_ids
        self.stats.skipped_snapshot_trades += result.skipped_snapshot
        self.stats.duplicates += result.duplicates
        return result.trades

    def _ticker(self, ts: int, msg: dict, events: list, connection: str) -> list[MarketMessage]:
        new: dict[str, Instrument] = {}
        quotes = channels.parse_ticker(ts, self._envelope_time(ts, msg), events, self.registry, new)
        self.registry.commit(new)
        return quotes

    def _candles(self, ts: int, msg: dict, events: list, connection: str) -> list[MarketMessage]:
        ts_ex = self._envelope_time(ts, msg)
        new: dict[str, Instrument] = {}
        parsed = parse_candle_rows(events, self.registry, new)
        self.registry.commit(new)
        return self.candles.apply(ts, ts_ex, parsed, connection)

    def _heartbeats(self, ts: int, msg: dict, events: list, connection: str) -> list[MarketMessage]:
        return channels.parse_heartbeats(ts, self._envelope_time(ts, msg), events, connection)

    def _status(self, ts: int, msg: dict, events: list, connection: str) -> list[MarketMessage]:
        notices, learned = channels.parse_status(ts, events, self.registry.instruments)
        for inst in learned:
            self.registry.learn(inst)
        self.stats.notices += len(notices)
        return notices

    def _subscriptions(self, ts: int, msg: dict, events: list, connection: str) -> list[MarketMessage]:
        self.subscriptions[connection] = channels.parse_subscriptions(events)
        self.stats.control += 1
        return []
