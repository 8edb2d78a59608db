"""The per-message-type closures of the engine loop: the hot path, kept apart from the engine's API.

Each closure feeds the execution, delivers the events due, moves the mark, lets the emergency
manager check (market data only while it is :attr:`~jtrader.risk.EmergencyHooks.watching`,
books also while it is ``watching_books``, status messages always), then calls the strategy.
Callbacks the strategy does not override are left out at construction, so they cost nothing
per message. Everything a closure uses is bound once, here.

Marks: a bar sets the mark only while its instrument has never had an L2 book message (once a
book exists, the book mid is the mark); a book message marks at the mid of a two-sided book; a
trade marks while the book has no two sides; a quote at its mid. :class:`~jtrader.model.BarHistory`
is kept for ``ctx.history`` and goes nowhere else (not to the execution, not to the marks, not to
``on_bar``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from jtrader.model import (
    Bar,
    BarHistory,
    BookDelta,
    BookResync,
    BookSnapshot,
    Heartbeat,
    Quote,
    SequenceGap,
    Trade,
    VenueNotice,
)
from jtrader.trading.strategy import Strategy

if TYPE_CHECKING:
    from collections.abc import Mapping

    from jtrader.book import OrderBook
    from jtrader.model import Instrument
    from jtrader.risk import EmergencyHooks
    from jtrader.trading.clock import Clock
    from jtrader.trading.context import Context
    from jtrader.trading.delivery import Delivery
    from jtrader.trading.execution import Execution
    from jtrader.trading.history import BarStore
    from jtrader.trading.portfolio import Portfolio
    from jtrader.trading.result import RunResult

__all__ = ["HANDLED_TYPES", "build_dispatch", "overrides"]

#: the message types :func:`build_dispatch` has a closure for
HANDLED_TYPES = frozenset(
    {Bar, BarHistory, BookSnapshot, BookDelta, Trade, Quote, Heartbeat, SequenceGap, BookResync, VenueNotice}
)


def overrides(strategy: Strategy, name: str) -> bool:
    """True when ``strategy``'s class overrides the callback ``name`` of :class:`Strategy`."""
    return getattr(type(strategy), name) is not getattr(Strategy, name)


def build_dispatch(
    *,
    execution: Execution,
    clock: Clock,
    instruments: Mapping[str, Instrument],
    books: Mapping[str, OrderBook],
    portfolio: Portfolio,
    resyncing: set[str],
    history: BarStore,
    result: RunResult,
    ctx: Context,
    strategy: Strategy,
    emergency: EmergencyHooks | None,
    delivery: Delivery,
) -> dict[type, Callable[[Any], None]]:
    """One closure per message type for one run (see the module docstring)."""
    marks = portfolio.marks_x2
    pending_cost = portfolio.pending_cost
    resolve_cost = portfolio.resolve_cost
    em = emergency
    em_message = emergency.on_message if emergency is not None else None
    em_books = emergency is not None and emergency.watching_books
    exchange_events = delivery.exchange_events
    deferred = delivery.deferred
    flush = delivery.flush
    on_market = execution.on_market
    advance = execution.advance
    on_bar_market = execution.on_bar
    on_book_market = execution.on_book
    on_trade_market = execution.on_trade
    on_quote_market = execution.on_quote
    #: symbol -> True while a bar may mark it (no L2 book message seen yet); unknown symbols absent
    bar_marks = dict.fromkeys(instruments, True)
    seen_books: dict[str, OrderBook] = {}  # symbols that had a book message -> their book
    on_bar = strategy.on_bar if overrides(strategy, "on_bar") else None
    on_book = strategy.on_book if overrides(strategy, "on_book") else None
    on_trade = strategy.on_trade if overrides(strategy, "on_trade") else None
    on_quote = strategy.on_quote if overrides(strategy, "on_quote") else None

    def bar(msg: Bar) -> None:
        symbol = msg.symbol
        try:
            mark = bar_marks[symbol]
        except KeyError:
            result.unknown += 1
            return
        events = on_bar_market(msg)  # on_market(msg) + advance(msg.ts) in one call
        if events:
            exchange_events(events)
        result.bars += 1
        if mark:
            marks[symbol] = 2 * msg.close
            if pending_cost:
                resolve_cost(symbol)
        if em is not None and em.watching:
            em_message(msg)  # type: ignore[misc]
        if on_bar is not None:
            on_bar(ctx, msg)
        if deferred:
            flush()

    def book(msg: BookSnapshot | BookDelta) -> None:
        symbol = msg.symbol
        ob = seen_books.get(symbol)
        if ob is None:
            if symbol not in instruments:
                result.unknown += 1
                return
            ob = seen_books[symbol] = books[symbol]
            bar_marks[symbol] = False  # from now on the book mid is the mark, not bars
        if type(msg) is BookSnapshot:
            resyncing.discard(symbol)
        events = on_book_market(msg)  # on_market(msg) + advance(msg.ts) in one call
        if events:
            exchange_events(events)
        bid, ask = ob.bids.best, ob.asks.best
        if bid is not None and ask is not None:
            marks[symbol] = bid + ask
            if pending_cost:
                resolve_cost(symbol)
        if em is not None and (em_books or em.watching):
            em_message(msg)  # type: ignore[misc]
        if on_book is not None:
            on_book(ctx, msg)
        if deferred:
            flush()

    def trade(msg: Trade) -> None:
        symbol = msg.symbol
        if symbol not in instruments:
            result.unknown += 1
            return
        events = on_trade_market(msg)  # on_market(msg) + advance(msg.ts) in one call
        if events:
            exchange_events(events)
        ob = books[symbol]
        if ob.bids.best is None or ob.asks.best is None:
            marks[symbol] = 2 * msg.price
            if pending_cost:
                resolve_cost(symbol)
        if em is not None and em.watching:
            em_message(msg)  # type: ignore[misc]
        if on_trade is not None:
            on_trade(ctx, msg)
        if deferred:
            flush()

    def quote(msg: Quote) -> None:
        symbol = msg.symbol
        if symbol not in instruments:
            result.unknown += 1
            return
        events = on_quote_market(msg)  # on_market(msg) + advance(msg.ts) in one call
        if events:
            exchange_events(events)
        if msg.bid > 0 and msg.ask > 0:
            marks[symbol] = msg.bid + msg.ask
            if pending_cost:
                resolve_cost(symbol)
        if em is not None and em.watching:
            em_message(msg)  # type: ignore[misc]
        if on_quote is not None:
            on_quote(ctx, msg)
        if deferred:
            flush()

    def bar_history(msg: BarHistory) -> None:
        if msg.symbol not in instruments:
            result.unknown += 1
            return
        history.add(msg.symbol, msg.bars)

    def status(msg: Any) -> None:
        if type(msg) is BookResync:
            if msg.symbol not in instruments:
                result.unknown += 1
                return
            resyncing.add(msg.symbol)
        elif type(msg) is SequenceGap:
            resyncing.update(s for s in msg.symbols if s in instruments)
        on_market(msg)
        events = advance(clock.now)
        if events:
            exchange_events(events)
        if em_message is not None:
            em_message(msg)
        if deferred:
            flush()

    return {
        Bar: bar,
        BarHistory: bar_history,
        BookSnapshot: book,
        BookDelta: book,
        Trade: trade,
        Quote: quote,
        Heartbeat: status,
        SequenceGap: status,
        BookResync: status,
        VenueNotice: status,
    }
