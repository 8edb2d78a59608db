"""What the engine sends orders to: the :class:`Execution` port.

:class:`jtrader.sim.SimulatedExchange` implements it in every mode today; a live venue client
could implement the same methods later (commands out, order events back, market messages in for
a simulator). The engine never reaches past this protocol into the exchange.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from jtrader.book import OrderBook
    from jtrader.model import (
        Bar,
        BookDelta,
        BookSnapshot,
        CancelAll,
        CancelOrder,
        Quote,
        ReplaceOrder,
        SubmitOrder,
        Trade,
    )

__all__ = ["Execution"]


@runtime_checkable
class Execution(Protocol):
    """Orders out, events back. Times in ns; events are ``jtrader.model`` order events in delivery order.

    ``on_bar``/``on_book``/``on_trade``/``on_quote`` apply a market message and return the events
    due by its ``ts`` (``on_market`` + ``advance`` in one call); ``on_market`` applies any other
    message. ``book(symbol)`` is the one book object of ``symbol`` for the whole run (the engine
    wraps it in a read-only view once).
    """

    def submit(self, cmd: SubmitOrder) -> None:
        """Send a new order at ``cmd.ts``."""

    def at_rest(self) -> bool:
        """True when nothing is in flight or open: a bar can change nothing but the last price."""

    def cancel(self, cmd: CancelOrder | CancelAll) -> None:
        """Send a cancel at ``cmd.ts``."""

    def replace(self, cmd: ReplaceOrder) -> None:
        """Send a cancel-replace at ``cmd.ts``."""

    def advance(self, now: int) -> list[Any]:
        """Process what arrived by ``now`` and return the events delivered by then."""

    def next_wakeup(self) -> int | None:
        """The next time something is due, None when idle."""

    def on_market(self, msg: Any) -> None:
        """Apply a market message (status messages included)."""

    def on_bar(self, msg: Bar) -> Any:
        """Apply a bar; the events due by its ``ts``."""

    def on_book(self, msg: BookSnapshot | BookDelta) -> Any:
        """Apply a book message; the events due by its ``ts``."""

    def on_trade(self, msg: Trade) -> Any:
        """Apply a trade; the events due by its ``ts``."""

    def on_quote(self, msg: Quote) -> Any:
        """Apply a quote; the events due by its ``ts``."""

    def book(self, symbol: str) -> OrderBook:
        """The book of ``symbol`` (the same object for the whole run)."""

    def last_price(self, symbol: str) -> int | None:
        """Last trade price or bar close in ticks."""
