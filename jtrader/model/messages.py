"""Market messages: what a venue adapter or a candle loader produces and the engine consumes.

All are immutable named tuples (cheap to create on the replay hot path) with integer fields:
``ts`` is the local receive time in ns and drives the clock in every mode; ``ts_exchange`` is
the venue's own time in ns (0 when the venue does not say). Prices are integer ticks and sizes
integer lots of the message's instrument (see :class:`jtrader.model.Instrument`).
"""

from __future__ import annotations

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
