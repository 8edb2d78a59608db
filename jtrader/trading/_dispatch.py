"""The per-message-type closures of the engine loop: the hot path, kept apart from the engine's API."""

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
    from jtrader.trading.engine import Engine

__all__ = ["build_dispatch", "overrides"]


def overrides(strategy: Strategy, name: str) -> bool:
    """True when ``strategy``'s class overrides the callback ``name`` of :class:`Strategy`."""
    return getattr(type(strategy), name) is not getattr(Strategy, name)


def build_dispatch(self: Engine) -> dict[type, Callable[[Any], None]]:
    """One closure per message type for ``self``'s run loop (see :mod:`jtrader.trading.engine`).

    Each closure feeds the exchange, delivers due events, moves the mark, lets the emergency
    manager check, then calls the strategy. Callbacks the strategy does not override are left
    out at construction, so they cost nothing per message.
    """
    exchange = self.exchange
    clock = self.clock
    instruments = self.instruments
    marks = self.portfolio.marks_x2
    portfolio = self.portfolio
    pending_cost = portfolio.pending_cost
    resyncing = self.resyncing
    result = self.result
    ctx = self.ctx
    strategy = self.strategy
    emergency = self.emergency
    em_message = emergency.on_message if emergency is not None else None
    exchange_events = self._exchange_events
    on_market = exchange.on_market
    advance = exchange.advance
    on_bar_market = exchange.on_bar
    on_book_market = exchange.on_book
    on_trade_market = exchange.on_trade
    on_quote_market = exchange.on_quote
    books: dict[str, Any] = {}  # symbol -> the exchange's OrderBook, looked up once
    on_bar = strategy.on_bar if overrides(strategy, "on_bar") else None
    on_book = strategy.on_book if overrides(strategy, "on_book") else None
    on_trade = strategy.on_trade if overrides(strategy, "on_trade") else None
    on_quote = strategy.on_quote if overrides(strategy, "on_quote") else None
    deferred_owner = self

    def bar(msg: Bar) -> None:
        symbol = msg.symbol
        if symbol not in instruments:
            result.unknown += 1
            return
        events = on_bar_market(msg)  # on_market(msg) + advance(msg.ts) in one call
        if events:
            exchange_events(events)
        result.bars += 1
        marks[symbol] = 2 * msg.close
        if pending_cost:
            portfolio.resolve_cost(symbol)
        if em_message is not None:
            em_message(msg)
        if on_bar is not None:
            on_bar(ctx, msg)
        if deferred_owner._deferred:
            deferred_owner.flush()

    def book(msg: BookSnapshot | BookDelta) -> None:
        symbol = msg.symbol
        if symbol not in instruments:
            result.unknown += 1
            return
        if type(msg) is BookSnapshot:
            resyncing.discard(symbol)
        events = on_book_market(msg)  # on_market(msg) + advance(msg.ts) in one call
        if events:
            exchange_events(events)
        ob = books.get(symbol)
        if ob is None:  # the exchange keeps one book object per instrument for the whole run
            ob = books[symbol] = exchange.book(symbol)
        bid, ask = ob.best_bid, ob.best_ask
        if bid is not None and ask is not None:
            marks[symbol] = bid + ask
            if pending_cost:
                portfolio.resolve_cost(symbol)
        if em_message is not None:
            em_message(msg)
        if on_book is not None:
            on_book(ctx, msg)
        if deferred_owner._deferred:
            deferred_owner.flush()

    def trade(msg: Trade) -> None:
        symbol = msg.symbol
        if symbol not in instruments:
            result.unknown += 1
            return
        events = on_trade_market(msg)  # on_market(msg) + advance(msg.ts) in one call
        if events:
            exchange_events(events)
        ob = books.get(symbol)
        if ob is None:
            ob = books[symbol] = exchange.book(symbol)
        if ob.best_bid is None or ob.best_ask is None:
            marks[symbol] = 2 * msg.price
            if pending_cost:
                portfolio.resolve_cost(symbol)
        if em_message is not None:
            em_message(msg)
        if on_trade is not None:
            on_trade(ctx, msg)
        if deferred_owner._deferred:
            deferred_owner.flush()

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
                portfolio.resolve_cost(symbol)
        if em_message is not None:
            em_message(msg)
        if on_quote is not None:
            on_quote(ctx, msg)
        if deferred_owner._deferred:
            deferred_owner.flush()

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
        if deferred_owner._deferred:
            deferred_owner.flush()

    def history(msg: Any) -> None:
        """A BarHistory is history, not news: never ``on_bar``, never matched (the engine side of
        issue 8 item 3, keeping it for ``ctx.history``, replaces this placeholder)."""

    return {
        BarHistory: history,
        Bar: bar,
        BookSnapshot: book,
        BookDelta: book,
        Trade: trade,
        Quote: quote,
        Heartbeat: status,
        SequenceGap: status,
        BookResync: status,
        VenueNotice: status,
    }
