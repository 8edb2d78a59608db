"""Market messages: what a venue adapter or a candle loader produces and the engine consumes.

All are immutable named tuples (cheap to create on the replay hot path) with integer fields:
``ts`` is the local receive time in ns and drives the clock in every mode; ``ts_exchange`` is
the venue's own time in ns (0 when the venue does not say). Prices are integer ticks and sizes
integer lots of the message's instrument (see :class:`jtrader.model.Instrument`).
"""

from __future__ import annotations

from functools import partial
from typing import NamedTuple

from jtrader.model.enums import Side

__all__ = [
    "Bar",
    "BarHistory",
    "BookDelta",
    "BookResync",
    "BookSnapshot",
    "Heartbeat",
    "Level",
    "MarketMessage",
    "Quote",
    "SequenceGap",
    "Trade",
    "VenueNotice",
    "make_bar",
    "make_book_delta",
    "make_book_snapshot",
    "make_quote",
    "make_trade",
]

#: one book level: (price in ticks, size in lots)
Level = tuple[int, int]


class BookSnapshot(NamedTuple):
    """The full book of one instrument. Replaces whatever the book held."""

    ts: int
    ts_exchange: int
    symbol: str
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    #: venue book version (Binance ``lastUpdateId``); 0 when the venue has none
    update_id: int = 0


class BookDelta(NamedTuple):
    """Absolute new sizes for some levels of one instrument; size 0 deletes the level."""

    ts: int
    ts_exchange: int
    symbol: str
    bids: tuple[Level, ...]
    asks: tuple[Level, ...]
    #: venue book version after this delta (Binance ``u``); 0 when none
    update_id: int = 0
    #: first venue update id in this delta (Binance ``U``); 0 when none
    first_update_id: int = 0


class Trade(NamedTuple):
    """A print on the venue's tape."""

    ts: int
    ts_exchange: int
    symbol: str
    price: int
    size: int
    #: side of the taker (aggressor); None when the venue does not say
    aggressor: Side | None
    trade_id: str = ""


class Quote(NamedTuple):
    """Best bid and ask as the venue reports them (Binance bookTicker, Coinbase ticker)."""

    ts: int
    ts_exchange: int
    symbol: str
    bid: int
    bid_size: int
    ask: int
    ask_size: int
    #: book version the quote shows (Binance bookTicker ``u``); 0 when none
    update_id: int = 0


class Bar(NamedTuple):
    """One candle. ``ts`` is the time the bar is complete (its close time), ``start`` its open time."""

    ts: int
    symbol: str
    open: int
    high: int
    low: int
    close: int
    #: traded base volume in lots (rounded down to the lot)
    volume: int
    start: int


class BarHistory(NamedTuple):
    """Completed candles a venue sent as history (for example at subscribe time), oldest first.

    History is not news: the engine keeps these bars for the strategy to read (``ctx.history``)
    and never delivers them to ``on_bar``, never matches orders and never marks with them.
    ``ts`` is the receive time of the frame that carried them.
    """

    ts: int
    symbol: str
    bars: tuple[Bar, ...]


class Heartbeat(NamedTuple):
    """The venue says the connection is alive (no market change)."""

    ts: int
    ts_exchange: int
    connection: str = ""


class SequenceGap(NamedTuple):
    """Messages were lost: ``expected`` was due, ``received`` came. Books named are resyncing."""

    ts: int
    connection: str
    expected: int
    received: int
    symbols: tuple[str, ...] = ()


class BookResync(NamedTuple):
    """The book of ``symbol`` is known to be wrong until the next snapshot. Never trade on it."""

    ts: int
    symbol: str
    reason: str


class VenueNotice(NamedTuple):
    """A venue status or error frame (``{"type":"error"}``, Binance ``serverShutdown``...)."""

    ts: int
    kind: str
    message: str


MarketMessage = (
    BookSnapshot | BookDelta | Trade | Quote | Bar | BarHistory | Heartbeat | SequenceGap | BookResync | VenueNotice
)


# -- fast builders (the replay hot path) ------------------------------------------------------------
# ``make_x(values)`` builds an ``X`` from one tuple of *all* its fields in declaration order, without
# the NamedTuple's Python-level ``__new__`` (``tuple.__new__`` bound to the class, a C call: about
# 70 ns less per message than ``X(...)``). The field order they rely on is pinned by
# ``tests/unit/model/test_model_message_builders.py``; a change of fields must change the callers.

#: ``make_book_snapshot((ts, ts_exchange, symbol, bids, asks, update_id))`` -> :class:`BookSnapshot`
make_book_snapshot = partial(tuple.__new__, BookSnapshot)
#: ``make_book_delta((ts, ts_exchange, symbol, bids, asks, update_id, first_update_id))`` -> :class:`BookDelta`
make_book_delta = partial(tuple.__new__, BookDelta)
#: ``make_trade((ts, ts_exchange, symbol, price, size, aggressor, trade_id))`` -> :class:`Trade`
make_trade = partial(tuple.__new__, Trade)
#: ``make_quote((ts, ts_exchange, symbol, bid, bid_size, ask, ask_size, update_id))`` -> :class:`Quote`
make_quote = partial(tuple.__new__, Quote)
#: ``make_bar((ts, symbol, open, high, low, close, volume, start))`` -> :class:`Bar`
make_bar = partial(tuple.__new__, Bar)
