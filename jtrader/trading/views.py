"""Read-only views a strategy gets: what it may read, never what it could change.

``ctx.book(symbol)`` is a :class:`BookView` (built once per symbol: the exchange keeps the real
book), ``ctx.open_orders()`` gives :class:`OrderSnapshot` values, ``ctx.portfolio`` is a
:class:`PortfolioView`. Prices in ticks, sizes in lots, money in atoms, time in ns. Lists and
dicts a view returns are fresh copies: changing them changes nothing in the run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from jtrader.model import Level, OrderStatus, OrderType, Side, TimeInForce

if TYPE_CHECKING:
    from jtrader.book import OrderBook
    from jtrader.trading.portfolio import Portfolio

__all__ = ["BookView", "OrderSnapshot", "PortfolioView"]


class _Frozen:
    """No attribute of a view can be set or deleted once it is built (``AttributeError``)."""

    __slots__ = ()

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only: {name!r} cannot be set")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only: {name!r} cannot be deleted")


class BookView(_Frozen):
    """A read-only window on the L2 book of one instrument as the exchange holds it now."""

    __slots__ = ("_book",)

    def __init__(self, book: OrderBook) -> None:
        object.__setattr__(self, "_book", book)

    @property
    def symbol(self) -> str:
        """The instrument's symbol."""
        return self._book.symbol

    @property
    def best_bid(self) -> int | None:
        """Highest bid in ticks, None when there are no bids."""
        return self._book.bids.best

    @property
    def best_ask(self) -> int | None:
        """Lowest ask in ticks, None when there are no asks."""
        return self._book.asks.best

    @property
    def best_bid_size(self) -> int:
        """Lots at the best bid, 0 when there are no bids."""
        return self._book.best_bid_size

    @property
    def best_ask_size(self) -> int:
        """Lots at the best ask, 0 when there are no asks."""
        return self._book.best_ask_size

    @property
    def spread(self) -> int | None:
        """Best ask minus best bid in ticks, None when a side is empty."""
        return self._book.spread

    @property
    def mid_x2(self) -> int | None:
        """Best bid plus best ask in ticks (twice the mid, exact), None when a side is empty."""
        return self._book.mid_x2

    @property
    def crossed(self) -> bool:
        """True when best bid >= best ask."""
        return self._book.crossed

    @property
    def empty(self) -> bool:
        """True when neither side has a level."""
        return self._book.empty

    @property
    def update_id(self) -> int:
        """The venue's book version after the last message (0 when the venue has none)."""
        return self._book.update_id

    def top(self, n: int) -> tuple[list[Level], list[Level]]:
        """``(bids, asks)``: the best ``n`` levels of each side, best first, as fresh lists."""
        return self._book.top(n)

    def size_at(self, side: Side, price: int) -> int:
        """Lots displayed at ``price`` ticks on the side a resting ``side`` order joins (BUY: bids)."""
        return self._book.side(Side(side)).size_at(price)

    def depth_to(self, side: Side, price: int) -> int:
        """Lots at prices at least as good as ``price`` on the side a resting ``side`` order joins."""
        return self._book.side(Side(side)).depth_to(price)

    def __len__(self) -> int:
        return len(self._book)

    def __repr__(self) -> str:
        return f"BookView({self._book.symbol} bid={self.best_bid} ask={self.best_ask})"


class OrderSnapshot(NamedTuple):
    """One open order as the strategy knows it from delivered events, frozen at the time it was read."""

    order_id: str
    symbol: str
    side: Side
    order_type: OrderType
    #: limit price in ticks (None for MARKET and STOP)
    price: int | None
    #: stop price in ticks (STOP and STOP_LIMIT)
    stop_price: int | None
    #: lots ordered (0 for a quote-sized market buy)
    size: int
    #: lots filled so far
    filled: int
    status: OrderStatus
    #: True once a cancel (or a replace) was sent and its answer has not arrived
    cancel_pending: bool
    tag: str
    tif: TimeInForce
    post_only: bool
    reduce_only: bool
    #: quote atoms of a quote-sized market buy (fees included), else None
    quote_size: int | None

    @property
    def leaves(self) -> int:
        """Lots still open (0 for a quote-sized market buy)."""
        return max(self.size - self.filled, 0)


class PortfolioView(_Frozen):
    """Read-only access to the run's portfolio: balances, positions, PnL, fees, equity (atoms, lots)."""

    __slots__ = ("_portfolio",)

    def __init__(self, portfolio: Portfolio) -> None:
        object.__setattr__(self, "_portfolio", portfolio)

    def balance(self, currency: str) -> int:
        """Total balance of ``currency`` in atoms, from delivered fills."""
        return self._portfolio.balance(currency)

    def balances(self) -> dict[str, int]:
        """Every balance in atoms, by currency (a fresh dict)."""
        return self._portfolio.balances()

    def position(self, symbol: str) -> int:
        """Position in lots (0 for an unknown symbol)."""
        return self._portfolio.position(symbol)

    def positions(self) -> dict[str, int]:
        """Non-zero positions in lots (a fresh dict)."""
        return self._portfolio.positions()

    def mark_x2(self, symbol: str) -> int | None:
        """Twice the mark price in ticks, None before any mark."""
        return self._portfolio.marks_x2.get(symbol)

    def cost_basis(self, symbol: str) -> int:
        """Cost of the current position in quote atoms."""
        return self._portfolio.cost_basis(symbol)

    def avg_entry_atoms(self, symbol: str) -> int | None:
        """Average entry in quote atoms per unit of base; None when flat or unknown."""
        return self._portfolio.avg_entry_atoms(symbol)

    def realized_pnl(self, symbol: str) -> int:
        """Realized PnL in quote atoms, before fees."""
        return self._portfolio.realized_pnl(symbol)

    def unrealized_pnl(self, symbol: str, mark_ticks: int | None = None) -> int:
        """PnL of the open position at ``mark_ticks`` (default: the mark), quote atoms."""
        return self._portfolio.unrealized_pnl(symbol, mark_ticks)

    def fees_paid(self, currency: str) -> int:
        """Fees paid in ``currency`` atoms."""
        return self._portfolio.fees_paid(currency)

    def equity(self, quote_currency: str) -> int:
        """``quote_currency`` balance plus positions quoted in it at their marks, atoms."""
        return self._portfolio.equity(quote_currency)

    def to_record(self) -> dict[str, Any]:
        """A JSON-able dict of decimal strings (see :meth:`Portfolio.to_record`)."""
        return self._portfolio.to_record()

    def __repr__(self) -> str:
        return f"PortfolioView({self._portfolio!r})"
