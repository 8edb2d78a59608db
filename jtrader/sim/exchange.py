"""The simulated exchange: commands and market messages in, order events out. No clock of its own.

Time is whatever the caller says: market messages carry their ``ts`` (local receive time, ns)
and :meth:`SimulatedExchange.advance` moves the exchange to a given time. Commands travel on one
connection (:mod:`jtrader.sim._entry`); each event produced at exchange time ``t`` is delivered
at ``t + response latency``. Same inputs in the same order give the same events, byte for byte.
The exchange keeps the command queue, the :class:`~jtrader.sim.ledger.Outbox` and the
:class:`~jtrader.sim.ledger.Ledger` (account, fees, open orders), and owns one
:class:`~jtrader.sim.matcher.Matcher` per instrument. Every fill assumption is in ``docs/fills.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from jtrader.book import OrderBook
from jtrader.errors import DataError, OrderError, TimestampError, UnknownInstrumentError
from jtrader.model import (
    Bar,
    BarHistory,
    BookDelta,
    BookResync,
    BookSnapshot,
    CancelAll,
    CancelOrder,
    Heartbeat,
    Instrument,
    OrderEvent,
    Quote,
    ReplaceOrder,
    SequenceGap,
    SubmitOrder,
    Trade,
    VenueNotice,
)
from jtrader.model.timestamps import MAX_TS_NS, MIN_TS_NS
from jtrader.sim._entry import OrderEntry
from jtrader.sim.account import Balance
from jtrader.sim.fees import FeeModel
from jtrader.sim.latency import ConstantLatency, LatencyModel
from jtrader.sim.ledger import Ledger, Outbox
from jtrader.sim.matcher import Matcher, build_matchers
from jtrader.sim.orders import OpenOrder
from jtrader.sim.queue import QueueModel, RiskAverseQueue

__all__ = ["SimulatedExchange"]


class SimulatedExchange:
    """A deterministic spot exchange for backtests, replays and paper trading.

    ``instruments``: the tradable :class:`Instrument` objects (an iterable, or a mapping by
    symbol); their ``rules`` (venue filters) are enforced on arrival. ``balances``: starting
    balances in atoms per currency (``{"USD": 10**22}``). ``fees``, ``latency``, ``queue``: the
    fee, latency and queue-position models (defaults: no fees, zero latency,
    :class:`RiskAverseQueue`). ``bar_fill``: ``"next_open"`` (market orders in candle backtests
    fill at the next bar's open) or ``"close"`` (at the last close). ``stp_mode``: self-trade
    prevention (``NONE``, ``EXPIRE_TAKER``, ``EXPIRE_MAKER``, ``EXPIRE_BOTH``, ``DECREMENT``) for
    every instrument; None: each instrument's ``rules.stp_mode`` (``NONE`` without rules).
    ``stop_trigger``: ``"trade"`` (stops on a book trigger on prints, as venues do) or ``"book"``
    (also when the best bid/ask reaches them). ``volume_cap``: percent of a bar's volume our
    candle fills may take (str/int/Decimal/Fraction in (0, 100]); None: no cap.

    One :class:`OrderBook` per instrument, fed by :meth:`on_market`; readers (engine, strategy)
    use :meth:`book` and must not modify it. Invalid configuration raises ``ConfigError``.
    """

    def __init__(
        self,
        instruments: Iterable[Instrument] | Mapping[str, Instrument],
        balances: Mapping[str, int] | None = None,
        *,
        fees: FeeModel | None = None,
        latency: LatencyModel | None = None,
        queue: QueueModel | None = None,
        bar_fill: str = "next_open",
        stp_mode: str | None = None,
        stop_trigger: str = "trade",
        volume_cap: Any = None,
    ) -> None:
        latency = latency if latency is not None else ConstantLatency()
        self._out = Outbox(latency)
        #: the outbox's events: the per-message paths look at the first one directly
        self._events = self._out.events
        self._ledger = Ledger(balances, fees if fees is not None else FeeModel(), self._out)
        self._matchers = build_matchers(
            instruments,
            self._ledger,
            queue if queue is not None else RiskAverseQueue(),
            bar_fill=bar_fill,
            stp_mode=stp_mode,
            stop_trigger=stop_trigger,
            volume_cap=volume_cap,
        )
        self._ledger.matchers = self._matchers
        #: the command queue and what happens on arrival (one connection: commands arrive in send order)
        self._entry = OrderEntry(self._ledger, self._matchers, latency)
        #: its commands in flight: the per-message paths look at the first one directly
        self._pending = self._entry.pending
        #: exchange time: the latest market message or advance() time seen (ns)
        self._now = MIN_TS_NS
        #: market messages for symbols the exchange does not know (ignored)
        self.ignored_messages = 0
        #: bars of instruments that have a book (they never match, price or trigger anything)
        self.bars_on_book = 0
        #: what on_market does with each message type, after its checks
        self._handlers: dict[type, Any] = {
            Bar: self._on_bar,
            BookDelta: self._on_depth,
            BookSnapshot: self._on_depth,
            Trade: self._on_trade,
            Quote: self._on_quote,
            BookResync: self._on_resync,
            SequenceGap: self._on_gap,
            Heartbeat: _ignore,
            VenueNotice: _ignore,
            BarHistory: _ignore,
        }

    # -- commands ---------------------------------------------------------------------------
    def submit(self, cmd: SubmitOrder) -> None:
        """Send a new order at ``cmd.ts`` (ns); it reaches the engine after the entry latency.

        Raises :class:`OrderError` if ``cmd`` is not a SubmitOrder and :class:`TimestampError`
        if its ``ts`` is not an int of ns in 2000..2200 or is before the exchange time. Every
        other problem is an ``OrderRejected`` event with a reason code.
        """
        if type(cmd) is not SubmitOrder:
            raise OrderError(f"submit() takes a SubmitOrder, got {type(cmd).__name__}")
        self._entry.send(cmd, self._now, False)

    def replace(self, cmd: ReplaceOrder) -> None:
        """Send a cancel-replace at ``cmd.ts`` (ns); it reaches the engine after the entry latency.

        On arrival the open order ``cmd.order_id`` is canceled (``OrderCanceled(reason="replaced")``)
        and ``cmd.new`` arrives in its place at the same instant, with a new queue position. When
        the order is no longer open, the cancel fails (``CancelRejected(UNKNOWN_ORDER)``) and
        ``cmd.new`` is rejected with ``REPLACE_CANCEL_FAILED``; nothing else changes (Binance
        ``cancelReplace`` with ``STOP_ON_FAILURE``). Raises :class:`OrderError` when ``cmd`` is not a
        ReplaceOrder of a SubmitOrder, :class:`TimestampError` as :meth:`submit` does.
        """
        if type(cmd) is not ReplaceOrder or type(cmd.new) is not SubmitOrder:
            raise OrderError(f"replace() takes a ReplaceOrder of a SubmitOrder, got {cmd!r}")
        self._entry.send(cmd, self._now, False)

    def cancel(self, cmd: CancelOrder | CancelAll) -> None:
        """Send a cancel at ``cmd.ts`` (ns); it reaches the engine after the cancel latency.

        A cancel of an order that is not open when the cancel arrives gives
        ``CancelRejected(UNKNOWN_ORDER)``; ``CancelAll`` cancels every open order (of its
        symbol), one ``OrderCanceled`` each, and nothing when none is open.
        """
        if type(cmd) is not CancelOrder and type(cmd) is not CancelAll:
            raise OrderError(f"cancel() takes a CancelOrder or CancelAll, got {type(cmd).__name__}")
        self._entry.send(cmd, self._now, True)

    # -- time -------------------------------------------------------------------------------
    def advance(self, now: int) -> list[OrderEvent]:
        """Process commands that arrived by ``now`` (ns), then return the events delivered by ``now``.

        Events come ordered by (delivery ts, production order) and leave the outbox.
        """
        if type(now) is not int:
            raise TimestampError(f"advance() needs an int of ns, got {now!r}")
        self._now = max(self._now, now)
        pending = self._pending
        if pending and pending[0][0] <= now:
            self._entry.run(now)
        return self._out.take_due(now) if self._events else []

    def next_wakeup(self) -> int | None:
        """The earliest pending command arrival or event delivery time (ns), None when idle."""
        pending, events = self._pending, self._events
        if pending:
            return min(pending[0][0], events[0].ts) if events else pending[0][0]
        return events[0].ts if events else None

    def at_rest(self) -> bool:
        """True when no command or event is in flight and no order is open, waiting for a bar or for
        its stop trigger, on any instrument: a bar can then change nothing but the last price.

        A candle backtest uses it to skip the bars of a strategy that declared its signals
        (:meth:`jtrader.trading.Strategy.bar_signals`) between two signals while nothing can fill.
        """
        if self._pending or self._events:
            return False
        return not any(m.resting or m.stops or m.waiting for m in self._matchers.values())

    # -- market data ------------------------------------------------------------------------
    def _late(self, kind: type, ts: object) -> TimestampError:
        """The error for a message whose ``ts`` is not an int of ns at or after the exchange time."""
        return TimestampError(
            f"{kind.__name__}.ts {ts!r} is not an int of ns at or after the exchange time {self._now}"
        )

    def on_market(self, msg: Any) -> None:
        """Feed one market message (any ``jtrader.model.messages`` type) at ``msg.ts``.

        First the commands that arrived by ``msg.ts`` execute against the market *before*
        ``msg``; then ``msg`` is applied (book, consumption, last price); then resting and stop
        orders of its instrument are matched against the new state. The events stay in the
        outbox for :meth:`advance`. Messages for unknown symbols are counted in
        :attr:`ignored_messages`; ``BarHistory``, heartbeats and notices change nothing.
        Raises :class:`TimestampError` when ``msg.ts`` is not an int, goes back in time or is
        past 2200, :class:`DataError` for a non-message.
        """
        kind = type(msg)
        handler = self._handlers.get(kind)
        if handler is None:
            raise DataError(f"not a market message: {kind.__name__}")
        ts = msg.ts
        if type(ts) is not int or ts < self._now or ts >= MAX_TS_NS:
            raise self._late(kind, ts)
        self._now = ts
        pending = self._pending
        if pending and pending[0][0] <= ts:
            self._entry.run(ts)
        handler(msg)

    # What on_market does with each type after its checks. Bars and depth repeat the lines of the
    # fused on_bar/on_book (benchmarked per message); trades and quotes take the fused path and
    # put the events it delivered back in front of the outbox, for advance().
    def _on_bar(self, msg: Bar) -> None:
        matcher = self._matchers.get(msg.symbol)
        if matcher is None:
            self.ignored_messages += 1
        elif matcher.has_book:
            self.bars_on_book += 1
        else:
            if matcher.resting or matcher.stops or matcher.waiting:
                matcher.bars.match(msg, msg.ts)
            matcher.last_price = msg.close
            matcher.last_bar = msg

    def _on_depth(self, msg: BookSnapshot | BookDelta) -> None:
        matcher = self._matchers.get(msg.symbol)
        if matcher is None:
            self.ignored_messages += 1
            return
        if type(msg) is BookDelta:
            if not matcher.liq.on_delta(msg):
                return
        else:
            matcher.liq.on_snapshot(msg)  # type: ignore[arg-type]
        if matcher.resting:  # matcher.after_book(ts), inlined on the per-message path
            matcher.resting_orders.on_book(msg.ts)
        if matcher.stops and matcher.book_stops:
            matcher.check_stops(msg.ts)

    def _on_trade(self, msg: Trade) -> None:
        events = self.on_trade(msg)
        if events:
            self._events.extendleft(reversed(events))

    def _on_quote(self, msg: Quote) -> None:
        events = self.on_quote(msg)
        if events:
            self._events.extendleft(reversed(events))

    def _on_resync(self, msg: BookResync) -> None:
        matcher = self._matchers.get(msg.symbol)
        if matcher is None:
            self.ignored_messages += 1
        else:
            matcher.liq.resync()

    def _on_gap(self, msg: SequenceGap) -> None:
        for symbol in msg.symbols:
            matcher = self._matchers.get(symbol)
            if matcher is not None:
                matcher.liq.resync()

    # The fused paths: on_market(msg) then advance(msg.ts) in one call, one per message type.
    # Same checks, same order of work, same events (matching sends no command, so nothing new is
    # pending after the message is applied). A message with no command due, no order of its
    # symbol open and no event due costs its state update and a few comparisons: the exchange
    # applies it to the instrument's Liquidity and calls the Matcher only when it has orders.

    def on_book(self, msg: BookSnapshot | BookDelta) -> list[OrderEvent] | tuple[()]:
        """``on_market(msg)`` then ``advance(msg.ts)`` in one call: the replay hot path of depth data.

        Raises :class:`DataError` when ``msg`` is not a BookSnapshot or BookDelta and
        :class:`TimestampError` as :meth:`on_market` does.
        """
        kind = type(msg)
        if kind is not BookDelta and kind is not BookSnapshot:
            raise DataError(f"on_book() takes a BookSnapshot or BookDelta, got {kind.__name__}")
        ts = msg.ts
        if type(ts) is not int or ts < self._now or ts >= MAX_TS_NS:
            raise self._late(kind, ts)
        self._now = ts
        pending = self._pending
        if pending and pending[0][0] <= ts:
            self._entry.run(ts)
        matcher = self._matchers.get(msg.symbol)
        if matcher is None:
            self.ignored_messages += 1
        elif kind is BookDelta:
            if matcher.liq.on_delta(msg):  # type: ignore[arg-type]
                if matcher.resting:  # matcher.after_book(ts), inlined on the per-message path
                    matcher.resting_orders.on_book(ts)
                if matcher.stops and matcher.book_stops:
                    matcher.check_stops(ts)
        else:
            matcher.liq.on_snapshot(msg)  # type: ignore[arg-type]
            if matcher.resting or (matcher.stops and matcher.book_stops):
                matcher.after_book(ts)
        events = self._events
        if events and events[0].ts <= ts:
            return self._out.take_due(ts)
        return ()

    def on_quote(self, msg: Quote) -> list[OrderEvent] | tuple[()]:
        """``on_market(msg)`` then ``advance(msg.ts)`` in one call for a :class:`Quote`.

        An instrument without depth data gets a one-level book from each quote. On a depth book,
        a quote newer than the depth (a higher venue update id, Binance bookTicker) marks the
        levels better than its bid/ask as gone; otherwise it changes nothing. Raises
        :class:`DataError` when ``msg`` is not a Quote and :class:`TimestampError` as
        :meth:`on_market` does.
        """
        if type(msg) is not Quote:
            raise DataError(f"on_quote() takes a Quote, got {type(msg).__name__}")
        ts = msg.ts
        if type(ts) is not int or ts < self._now or ts >= MAX_TS_NS:
            raise self._late(Quote, ts)
        self._now = ts
        pending = self._pending
        if pending and pending[0][0] <= ts:
            self._entry.run(ts)
        matcher = self._matchers.get(msg.symbol)
        if matcher is None:
            self.ignored_messages += 1
        else:
            liq = matcher.liq
            if not liq.l2 or liq.from_quotes:
                liq.on_quote(msg)
                if matcher.resting or (matcher.stops and matcher.book_stops):
                    matcher.after_book(ts)
            elif msg.update_id > liq.book.update_id > 0:  # liq.newer_quote(msg), inlined
                liq.ticker = msg
        events = self._events
        if events and events[0].ts <= ts:
            return self._out.take_due(ts)
        return ()

    def on_trade(self, msg: Trade) -> list[OrderEvent] | tuple[()]:
        """``on_market(msg)`` then ``advance(msg.ts)`` in one call for a :class:`Trade`.

        Raises :class:`DataError` when ``msg`` is not a Trade and :class:`TimestampError` as
        :meth:`on_market` does.
        """
        if type(msg) is not Trade:
            raise DataError(f"on_trade() takes a Trade, got {type(msg).__name__}")
        ts = msg.ts
        if type(ts) is not int or ts < self._now or ts >= MAX_TS_NS:
            raise self._late(Trade, ts)
        self._now = ts
        pending = self._pending
        if pending and pending[0][0] <= ts:
            self._entry.run(ts)
        matcher = self._matchers.get(msg.symbol)
        if matcher is None:
            self.ignored_messages += 1
        else:
            matcher.last_price = msg.price
            if matcher.resting or matcher.stops:
                matcher.on_trade(msg)
            elif matcher.has_book:
                matcher.liq.on_print(msg.price, msg.size, msg.aggressor)
        events = self._events
        if events and events[0].ts <= ts:
            return self._out.take_due(ts)
        return ()

    def on_bar(self, msg: Bar) -> list[OrderEvent] | tuple[()]:
        """``on_market(msg)`` then ``advance(msg.ts)`` in one call: the candle hot path.

        A bar of an instrument that has a book is counted in :attr:`bars_on_book` and changes
        nothing. An idle bar (no command due, no order of the symbol open or waiting, no event
        due) costs a few comparisons and returns an empty tuple. Raises :class:`DataError` when
        ``msg`` is not a :class:`Bar` and :class:`TimestampError` as :meth:`on_market` does.
        """
        if type(msg) is not Bar:
            raise DataError(f"on_bar() takes a Bar, got {type(msg).__name__}")
        ts = msg.ts
        if type(ts) is not int or ts < self._now or ts >= MAX_TS_NS:
            raise self._late(Bar, ts)
        self._now = ts
        pending = self._pending
        if pending and pending[0][0] <= ts:
            self._entry.run(ts)
        matcher = self._matchers.get(msg.symbol)
        if matcher is None:
            self.ignored_messages += 1
        elif matcher.has_book:
            self.bars_on_book += 1
        else:
            if matcher.resting or matcher.stops or matcher.waiting:
                matcher.bars.match(msg, ts)  # matching sends no command: nothing new is pending
            matcher.last_price = msg.close
            matcher.last_bar = msg
        events = self._events
        if events and events[0].ts <= ts:
            return self._out.take_due(ts)
        return ()

    # -- reads ------------------------------------------------------------------------------
    def _matcher(self, symbol: str) -> Matcher:
        matcher = self._matchers.get(symbol)
        if matcher is None:
            raise UnknownInstrumentError(f"unknown instrument {symbol!r}")
        return matcher

    def book(self, symbol: str) -> OrderBook:
        """The exchange's book of ``symbol`` (read-only for callers). Raises UnknownInstrumentError."""
        return self._matcher(symbol).book

    def instrument(self, symbol: str) -> Instrument:
        """The instrument ``symbol``. Raises :class:`UnknownInstrumentError`."""
        return self._matcher(symbol).inst

    @property
    def instruments(self) -> dict[str, Instrument]:
        """A copy of the instruments by symbol."""
        return {symbol: matcher.inst for symbol, matcher in self._matchers.items()}

    def open_orders(self, symbol: str | None = None) -> list[OpenOrder]:
        """Snapshots of the open orders (of ``symbol``), in acceptance order."""
        return [o.view() for o in self._ledger.orders.values() if symbol is None or o.symbol == symbol]

    def balance(self, currency: str) -> Balance:
        """A snapshot of ``currency``'s balance in atoms (zero for a currency never seen)."""
        return self._ledger.account.balance(currency)

    def free_balance(self, currency: str) -> int:
        """Atoms of ``currency`` not locked by open orders (``balance(currency).free`` without the snapshot)."""
        return self._ledger.account.free(currency)

    def last_price(self, symbol: str) -> int | None:
        """Last trade price of ``symbol`` in ticks (without a book: the last bar's close); None before any."""
        return self._matcher(symbol).last_price

    @property
    def dropped_deltas(self) -> int:
        """Book deltas dropped while a book awaited its resync snapshot (all instruments)."""
        return sum(m.liq.dropped_deltas for m in self._matchers.values())

    @property
    def fills_over_volume(self) -> int:
        """Candle fills that took a bar's fills past the bar's traded volume (all instruments)."""
        return sum(m.bars.fills_over_volume for m in self._matchers.values())


def _ignore(msg: object) -> None:
    """Heartbeats, venue notices and bar history change nothing on the exchange."""
