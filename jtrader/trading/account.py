"""The account as the strategy knows it: the one read-only view behind ``ctx``, the risk gate and
the emergency manager (it implements :class:`jtrader.risk.AccountView`).

Balances and positions come from the portfolio, which moves only with *delivered* fills; what
orders lock comes from the order tracker (see :mod:`jtrader.trading.orders`). Two readings:

* :meth:`Account.free_balance` (``ctx.free_balance``): the balance minus what every open order
  locks, cancels in flight included: what the strategy has been told;
* :meth:`Account.free_on_arrival` (the pre-trade check): the same, but orders with a cancel in
  flight (and the order a replace releases) no longer lock, because the venue processes that
  cancel before the new order (one connection, in order).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from jtrader.errors import UnknownInstrumentError
from jtrader.model import Instrument, Side
from jtrader.trading.views import BookView

if TYPE_CHECKING:
    from jtrader.book import OrderBook
    from jtrader.trading.clock import Clock
    from jtrader.trading.orders import OrderTracker
    from jtrader.trading.portfolio import Portfolio

__all__ = ["Account"]

_BUY = Side.BUY


class Account:
    """Read-only account of one run (prices in ticks, sizes in lots, money in atoms, time in ns)."""

    __slots__ = ("_books", "_clock", "_instruments", "_portfolio", "_resyncing", "_tracker", "_views")

    def __init__(
        self,
        *,
        instruments: Mapping[str, Instrument],
        portfolio: Portfolio,
        tracker: OrderTracker,
        books: Mapping[str, OrderBook],
        resyncing: set[str],
        clock: Clock,
    ) -> None:
        self._instruments = instruments
        self._portfolio = portfolio
        self._tracker = tracker
        self._books = dict(books)
        #: one view per symbol, built once
        self._views = {symbol: BookView(book) for symbol, book in self._books.items()}
        self._resyncing = resyncing
        self._clock = clock

    @property
    def now(self) -> int:
        """The engine clock in ns."""
        return self._clock.now

    @property
    def clock(self) -> Clock:
        """The engine clock (read ``now`` only)."""
        return self._clock

    @property
    def holdings(self) -> Portfolio:
        """The portfolio, for its ``fill_count`` and ``open_positions`` counters (read only)."""
        return self._portfolio

    @property
    def instruments(self) -> Mapping[str, Instrument]:
        """The run's instruments by symbol."""
        return self._instruments

    def instrument(self, symbol: str) -> Instrument:
        """The instrument of ``symbol``; :class:`UnknownInstrumentError` when the run has none."""
        try:
            return self._instruments[symbol]
        except KeyError:
            raise UnknownInstrumentError(f"no instrument {symbol!r} in this run") from None

    # -- delivered state ---------------------------------------------------------------------
    def position(self, symbol: str) -> int:
        """Position in lots from delivered fills."""
        return self._portfolio.position(symbol)

    def positions(self) -> dict[str, int]:
        """Non-zero positions in lots."""
        return self._portfolio.positions()

    def balance(self, currency: str) -> int:
        """Total balance of ``currency`` in atoms from delivered fills."""
        return self._portfolio.balance(currency)

    def equity(self, currency: str) -> int:
        """Equity in ``currency`` atoms (see :meth:`Portfolio.equity`)."""
        return self._portfolio.equity(currency)

    def free_balance(self, currency: str) -> int:
        """Balance of ``currency`` minus what every open order locks (cancels in flight included), atoms."""
        return self._portfolio.balance(currency) - self._tracker.locked(currency, staying_only=False)

    def open_order_count(self) -> int:
        """Open orders as the strategy knows them."""
        return len(self._tracker)

    # -- projections for the pre-trade check ------------------------------------------------
    def free_on_arrival(self, currency: str, releasing: str | None = None) -> int:
        """Free atoms of ``currency`` when a new order reaches the venue (cancels in flight released)."""
        return self._portfolio.balance(currency) - self._tracker.locked(
            currency, staying_only=True, releasing=releasing
        )

    def open_orders_on_arrival(self, releasing: str | None = None) -> int:
        """Open orders the venue will hold when a new order arrives."""
        return self._tracker.staying_count(releasing)

    def exposure_on_arrival(self, symbol: str, side: Side, releasing: str | None = None) -> int:
        """Lots open on ``side`` of ``symbol`` that the venue will still hold when a new order arrives."""
        return self._tracker.open_exposure(symbol, side, releasing)

    # -- market ---------------------------------------------------------------------------------
    def book(self, symbol: str) -> BookView:
        """The read-only view of the book of ``symbol``."""
        view = self._views.get(symbol)
        if view is None:
            self.instrument(symbol)  # raises UnknownInstrumentError
            raise UnknownInstrumentError(f"the execution has no book for {symbol!r}")  # pragma: no cover
        return view

    def book_ready(self, symbol: str) -> bool:
        """True when the book of ``symbol`` has both sides and is not awaiting a resync."""
        if symbol in self._resyncing:
            return False
        book = self._books.get(symbol)
        if book is None:
            self.instrument(symbol)
            return False  # pragma: no cover
        return book.bids.best is not None and book.asks.best is not None

    def market_price(self, symbol: str, side: Side) -> int | None:
        """The opposite touch in ticks (best ask for a BUY), else the mark rounded up, else None."""
        book = self._books.get(symbol)
        if book is not None:
            touch = book.asks.best if side is _BUY else book.bids.best
            if touch is not None:
                return touch
        mark = self._portfolio.marks_x2.get(symbol)
        return None if mark is None else (mark + 1) // 2

    def mark_x2(self, symbol: str) -> int | None:
        """Twice the mark in ticks, None before any."""
        return self._portfolio.marks_x2.get(symbol)

    def mid_x2(self, symbol: str) -> int | None:
        """Twice the book mid in ticks, else the mark, else None."""
        book = self._books.get(symbol)
        if book is not None and book.bids.best is not None and book.asks.best is not None:
            return book.bids.best + book.asks.best
        return self._portfolio.marks_x2.get(symbol)

    def resyncing(self, symbol: str) -> bool:
        """True while the book of ``symbol`` awaits a resync snapshot."""
        return symbol in self._resyncing

    def __repr__(self) -> str:
        return f"Account({self._portfolio!r}, open orders={len(self._tracker)})"
