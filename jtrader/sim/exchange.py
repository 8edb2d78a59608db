"""The simulated exchange: commands and market messages in, order events out. No clock of its own.

Time is whatever the caller says: market messages carry their ``ts`` (local receive time, ns)
and :meth:`SimulatedExchange.advance` moves the exchange to a given time. A command sent at
``cmd.ts`` reaches the matching engine at ``cmd.ts + entry latency`` (cancels: cancel
latency), but never before the command sent ahead of it: orders, cancels and replaces travel
on one connection and the venue processes them in the order they were sent. Each event the
engine produces at exchange time ``t`` is delivered at ``t + response latency``. Same inputs
in the same order give the same events, byte for byte.
Every fill assumption is listed in ``docs/fills.md``; the code that makes it says so in its
docstring (``_arrival``, ``_resting``, ``_bars``, ``fees``, ``queue``, ``latency``).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from typing import Any

from jtrader.book import OrderBook
from jtrader.errors import DataError, OrderError, TimestampError, UnknownInstrumentError
from jtrader.model import (
    Bar,
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
    check_ts,
)
from jtrader.model.timestamps import MAX_TS_NS
from jtrader.sim._core import _SymbolState
from jtrader.sim._market import _MarketMixin
from jtrader.sim.account import Balance
from jtrader.sim.fees import FeeModel
from jtrader.sim.latency import LatencyModel
from jtrader.sim.orders import OpenOrder
from jtrader.sim.queue import QueueModel

__all__ = ["SimulatedExchange"]


class SimulatedExchange(_MarketMixin):
    """A deterministic spot exchange for backtests, replays and paper trading.

    ``instruments``: the tradable :class:`Instrument` objects (an iterable, or a mapping by
    symbol). ``balances``: starting balances in atoms per currency (``{"USD": 10**22}``).
    ``fees``, ``latency``, ``queue``: the fee, latency and queue-position models (defaults:
    no fees, zero latency, :class:`RiskAverseQueue`). ``bar_fill``: ``"next_open"`` (market
    orders in candle backtests fill at the next bar's open) or ``"close"`` (at the last close).

    The exchange owns one :class:`OrderBook` per instrument, fed by :meth:`on_market`; readers
    (engine, strategy) use :meth:`book` and must not modify it. Invalid configuration raises
    :class:`jtrader.errors.ConfigError`.
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
    ) -> None:
        super().__init__(instruments, balances, fees=fees, latency=latency, queue=queue, bar_fill=bar_fill)
        self._handlers: dict[type, Any] = {
            BookDelta: self._on_delta,
            BookSnapshot: self._on_snapshot,
            Trade: self._on_trade,
            Bar: self._on_bar,
            Quote: self._on_quote,
            BookResync: self._on_resync,
            SequenceGap: self._on_gap,
            Heartbeat: _ignore,
            VenueNotice: _ignore,
        }

    # -- commands ---------------------------------------------------------------------------
    def _check_command_ts(self, ts: object, what: str) -> int:
        ts = check_ts(ts, what)
        if ts < self._now:
            raise TimestampError(f"{what} {ts} ns is before the exchange time {self._now} ns")
        return ts

    def submit(self, cmd: SubmitOrder) -> None:
        """Send a new order at ``cmd.ts`` (ns); it reaches the engine after the entry latency.

        Raises :class:`OrderError` if ``cmd`` is not a SubmitOrder and :class:`TimestampError`
        if its ``ts`` is not an int of ns in 2000..2200 or is before the exchange time. Every
        other problem is an ``OrderRejected`` event with a reason code.
        """
        if type(cmd) is not SubmitOrder:
            raise OrderError(f"submit() takes a SubmitOrder, got {type(cmd).__name__}")
        ts = cmd.ts
        if type(ts) is not int or ts < self._now or ts >= MAX_TS_NS:  # the exchange time is >= 2000
            ts = self._check_command_ts(ts, "SubmitOrder.ts")
        constant = self._constant
        self._queue_command(ts + (constant.entry_ns if constant is not None else self._latency.entry()), cmd)

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
        ts = cmd.ts
        if type(ts) is not int or ts < self._now or ts >= MAX_TS_NS:
            ts = self._check_command_ts(ts, "ReplaceOrder.ts")
        self._queue_command(ts + self._latency.entry(), cmd)

    def _queue_command(self, arrival: int, cmd: Any) -> None:
        """Put ``cmd`` in flight to arrive at ``arrival`` ns, never before the command sent before it.

        One connection, first in first out: a cancel sent just before an order is processed
        first even when the cancel leg is slower, as a venue processes one connection's requests
        in order.
        """
        last = self._last_arrival
        if arrival < last:  # noqa: PLR1730 - cheaper than max() on the order path
            arrival = last
        self._last_arrival = arrival
        self._seq += 1
        heapq.heappush(self._pending, (arrival, self._seq, cmd))

    def cancel(self, cmd: CancelOrder | CancelAll) -> None:
        """Send a cancel at ``cmd.ts`` (ns); it reaches the engine after the cancel latency.

        A cancel of an order that is not open when the cancel arrives gives
        ``CancelRejected(UNKNOWN_ORDER)``; ``CancelAll`` cancels every open order (of its
        symbol), one ``OrderCanceled`` each, and nothing when none is open.
        """
        if type(cmd) is not CancelOrder and type(cmd) is not CancelAll:
            raise OrderError(f"cancel() takes a CancelOrder or CancelAll, got {type(cmd).__name__}")
        ts = cmd.ts
        if type(ts) is not int or ts < self._now or ts >= MAX_TS_NS:
            ts = self._check_command_ts(ts, f"{type(cmd).__name__}.ts")
        constant = self._constant
        self._queue_command(ts + (constant.cancel_ns if constant is not None else self._latency.cancel()), cmd)

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
            self._run_commands(now)
        return self._take_due(now) if self._outbox else []

    def _take_due(self, now: int) -> list[OrderEvent]:
        """Remove and return the events delivered by ``now`` (ns), in order (the outbox is not empty)."""
        outbox = self._outbox
        if outbox[-1].ts <= now:  # all of them: the usual case
            events = list(outbox)
            outbox.clear()
            return events
        events: list[OrderEvent] = []
        popleft = outbox.popleft
        while outbox and outbox[0].ts <= now:
            events.append(popleft())
        return events

    def next_wakeup(self) -> int | None:
        """The earliest pending command arrival or event delivery time (ns), None when idle."""
        pending, outbox = self._pending, self._outbox
        if pending:
            return min(pending[0][0], outbox[0].ts) if outbox else pending[0][0]
        return outbox[0].ts if outbox else None

    # -- market data ------------------------------------------------------------------------
    def on_market(self, msg: Any) -> None:
        """Feed one market message (any ``jtrader.model.messages`` type) at ``msg.ts``.

        First the commands that arrived by ``msg.ts`` execute against the market *before*
        ``msg``; then ``msg`` is applied (books, last price); then resting and stop orders of
        its instrument are matched against the new state. Messages for unknown symbols are
        counted in :attr:`ignored_messages`. Raises :class:`TimestampError` when ``msg.ts`` is
        not an int, goes back in time or is past 2200, :class:`DataError` for a non-message.
        """
        ts = msg.ts
        if type(ts) is not int or ts < self._now or ts >= MAX_TS_NS:
            raise self._late(type(msg), ts)
        self._now = ts
        pending = self._pending
        if pending and pending[0][0] <= ts:
            self._run_commands(ts)
        handler = self._handlers.get(type(msg))
        if handler is None:
            raise DataError(f"not a market message: {type(msg).__name__}")
        handler(msg)

    # on_book, on_quote, on_trade (the fused hot paths) and the handlers of depth, quote and trade
    # messages live in jtrader.sim._market

    def _on_bar(self, msg: Bar) -> None:
        st = self._states.get(msg.symbol)
        if st is None:
            self.ignored_messages += 1
            return
        if st.resting or st.stops or st.waiting:
            self._match_bar(st, msg, msg.ts)
        st.last_price = st.bar_close = msg.close

    def on_bar(self, msg: Bar) -> list[OrderEvent] | tuple[()]:
        """``on_market(msg)`` then ``advance(msg.ts)`` in one call: the candle hot path.

        Same checks, same order of work and same events as those two calls; an idle bar (no
        command due, no order of the symbol open or waiting, no event due) costs a few
        comparisons and returns an empty tuple. Raises :class:`DataError` when ``msg`` is not
        a :class:`Bar` and :class:`TimestampError` as :meth:`on_market` does.
        """
        if type(msg) is not Bar:
            raise DataError(f"on_bar() takes a Bar, got {type(msg).__name__}")
        ts = msg.ts
        if type(ts) is not int or ts < self._now or ts >= MAX_TS_NS:
            raise self._late(Bar, ts)
        self._now = ts
        pending = self._pending
        if pending and pending[0][0] <= ts:
            self._run_commands(ts)
        st = self._states.get(msg.symbol)
        if st is None:
            self.ignored_messages += 1
        else:
            if st.resting or st.stops or st.waiting:
                self._match_bar(st, msg, ts)  # matching sends no command: nothing new is pending
            st.last_price = st.bar_close = msg.close
        outbox = self._outbox  # matching sends no command: nothing new is pending
        if outbox and outbox[0].ts <= ts:
            return self._take_due(ts)
        return ()

    def _on_resync(self, msg: BookResync) -> None:
        st = self._states.get(msg.symbol)
        if st is None:
            self.ignored_messages += 1
            return
        self._resync(st)

    def _on_gap(self, msg: SequenceGap) -> None:
        for symbol in msg.symbols:
            st = self._states.get(symbol)
            if st is not None:
                self._resync(st)

    @staticmethod
    def _resync(st: _SymbolState) -> None:
        """The book is wrong until the next snapshot: empty it so nothing fills against it."""
        st.book.clear()
        st.resyncing = True
        st.consumed_bid.clear()
        st.consumed_ask.clear()

    # -- reads ------------------------------------------------------------------------------
    def _state(self, symbol: str) -> _SymbolState:
        st = self._states.get(symbol)
        if st is None:
            raise UnknownInstrumentError(f"unknown instrument {symbol!r}")
        return st

    def book(self, symbol: str) -> OrderBook:
        """The exchange's book of ``symbol`` (read-only for callers). Raises UnknownInstrumentError."""
        return self._state(symbol).book

    def instrument(self, symbol: str) -> Instrument:
        """The instrument ``symbol``. Raises :class:`UnknownInstrumentError`."""
        return self._state(symbol).inst

    @property
    def instruments(self) -> dict[str, Instrument]:
        """A copy of the instruments by symbol."""
        return dict(self._instruments)

    def open_orders(self, symbol: str | None = None) -> list[OpenOrder]:
        """Snapshots of the open orders (of ``symbol``), in acceptance order."""
        return [o.view() for o in self._orders.values() if symbol is None or o.symbol == symbol]

    def balance(self, currency: str) -> Balance:
        """A snapshot of ``currency``'s balance in atoms (zero for a currency never seen)."""
        return self._account.balance(currency)

    def free_balance(self, currency: str) -> int:
        """Atoms of ``currency`` not locked by open orders (``balance(currency).free`` without the snapshot)."""
        account = self._account  # account.free(currency), inlined: once per order for the risk check
        return account.total.get(currency, 0) - account.locked.get(currency, 0)

    def last_price(self, symbol: str) -> int | None:
        """Last trade price or bar close of ``symbol`` in ticks; None before any."""
        return self._state(symbol).last_price


def _ignore(msg: object) -> None:
    """Heartbeats and venue notices change nothing on the exchange."""
