"""The context a strategy acts and reads through. It only ever shows the present (``now``), and
only what the strategy has been told: balances, positions and open orders move with *delivered*
events; books are read-only views; nothing it returns can change the run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from jtrader.model import Bar, Instrument, OrderType, Side, TimeInForce, TradingState

if TYPE_CHECKING:
    from jtrader.risk import RiskGate
    from jtrader.trading.account import Account
    from jtrader.trading.clock import Clock
    from jtrader.trading.execution import Execution
    from jtrader.trading.history import BarStore
    from jtrader.trading.orders import OrderTracker
    from jtrader.trading.router import OrderRouter
    from jtrader.trading.views import BookView, OrderSnapshot, PortfolioView

__all__ = ["Context"]


class Context:
    """What a strategy may read and do. Prices are ticks, sizes lots, money atoms, time ns.

    Every order goes through the risk gate; a denial arrives as an ``OrderDenied`` event in
    ``on_order_event`` right after the current callback returns. Order ids are deterministic
    (``"o-1"``, ``"o-2"``...).
    """

    __slots__ = (
        "_account",
        "_clock",
        "_execution",
        "_gate",
        "_history",
        "_kill",
        "_portfolio",
        "_router",
        "_symbols",
        "_tracker",
    )

    def __init__(
        self,
        *,
        clock: Clock,
        account: Account,
        router: OrderRouter,
        tracker: OrderTracker,
        portfolio: PortfolioView,
        execution: Execution,
        gate: RiskGate,
        history: BarStore,
        kill: Callable[[str], bool],
    ) -> None:
        self._clock = clock
        self._account = account
        self._router = router
        self._tracker = tracker
        self._portfolio = portfolio
        self._execution = execution
        self._gate = gate
        self._history = history
        self._kill = kill
        self._symbols = tuple(account.instruments)

    @property
    def now(self) -> int:
        """The engine clock in ns (the receive time of the message being processed)."""
        return self._clock.now

    def instrument(self, symbol: str) -> Instrument:
        """The instrument of ``symbol``; ``UnknownInstrumentError`` when the run has none."""
        return self._account.instrument(symbol)

    @property
    def symbols(self) -> list[str]:
        """The symbols of this run, in the order given to the engine."""
        return list(self._symbols)

    def book(self, symbol: str) -> BookView:
        """A read-only view of the L2 book of ``symbol`` as the exchange holds it now (one view per symbol)."""
        return self._account.book(symbol)

    def book_ready(self, symbol: str) -> bool:
        """False while the book is empty, one-sided or awaiting a resync snapshot."""
        return self._account.book_ready(symbol)

    def history(self, symbol: str) -> tuple[Bar, ...]:
        """Completed bars the venue sent as history (``BarHistory``), oldest first; never passed to ``on_bar``.

        Bars delivered to ``on_bar`` are not added here: keep them yourself if you need them.
        Raises ``UnknownInstrumentError`` for a symbol the run does not have.
        """
        self._account.instrument(symbol)
        return self._history.get(symbol)

    def submit(  # noqa: PLR0917 - the documented positional order
        self,
        symbol: str,
        side: Side | str,
        order_type: OrderType | str,
        size: int = 0,
        price: int | None = None,
        stop_price: int | None = None,
        tif: TimeInForce | str = TimeInForce.GTC,
        post_only: bool = False,
        reduce_only: bool = False,
        quote_size: int | None = None,
        tag: str = "",
    ) -> str:
        """Send any order type the simulator supports; returns its order id.

        ``size`` in lots, ``price``/``stop_price`` in ticks, ``quote_size`` in quote atoms (market
        BUY only, with ``size=0``). See :class:`~jtrader.model.SubmitOrder`.
        """
        return self._router.submit(
            symbol, side, order_type, size, price, stop_price, tif, post_only, reduce_only, quote_size, tag
        )

    def buy(self, symbol: str, size: int, price: int | None = None, **kw: Any) -> str:
        """BUY ``size`` lots: a market order when ``price`` is None, else a limit at ``price`` ticks."""
        order_type = OrderType.MARKET if price is None else OrderType.LIMIT
        return self._router.submit(symbol, Side.BUY, order_type, size, price, **kw)

    def sell(self, symbol: str, size: int, price: int | None = None, **kw: Any) -> str:
        """SELL ``size`` lots: a market order when ``price`` is None, else a limit at ``price`` ticks."""
        order_type = OrderType.MARKET if price is None else OrderType.LIMIT
        return self._router.submit(symbol, Side.SELL, order_type, size, price, **kw)

    def replace(
        self, order_id: str, *, price: int | None = None, size: int | None = None, stop_price: int | None = None
    ) -> str:
        """Cancel-replace in one request: a new order like ``order_id`` with a new ``price``/``size``/``stop_price``.

        Returns the new order's id. ``None`` keeps a value; ``size`` defaults to the lots still
        open. The risk check counts the old order as gone; a denial leaves it untouched. If the
        venue cannot cancel the old order (it filled meanwhile), you receive ``CancelRejected``
        for it and ``OrderRejected(reason=REPLACE_CANCEL_FAILED)`` for the new one.
        """
        return self._router.replace(order_id, price=price, size=size, stop_price=stop_price)

    def cancel(self, order_id: str) -> None:
        """Cancel one order (always allowed, in every trading state)."""
        self._router.cancel(order_id)

    def cancel_all(self, symbol: str | None = None) -> None:
        """Cancel every open order, or those of ``symbol``."""
        self._router.cancel_all(symbol)

    def position(self, symbol: str) -> int:
        """Position in lots (base held, spot), from delivered fills."""
        return self._portfolio.position(symbol)

    def balance(self, currency: str) -> int:
        """Total balance of ``currency`` in atoms, from delivered fills."""
        return self._portfolio.balance(currency)

    def free_balance(self, currency: str) -> int:
        """Balance of ``currency`` in atoms minus what your open orders lock (fees excluded), from delivered events.

        An order locks from the moment you send it until its terminal event arrives; a cancel in
        flight does not free anything until its ``OrderCanceled`` arrives (the risk check,
        unlike this figure, already counts it as freed: see docs/strategy-guide.md).
        """
        return self._account.free_balance(currency)

    def open_orders(self, symbol: str | None = None) -> list[OrderSnapshot]:
        """Snapshots of the orders sent and not known to be done, in submission order."""
        return self._tracker.list(symbol)

    def last_price(self, symbol: str) -> int | None:
        """Last traded (or bar close) price in ticks as the exchange knows it; None before any."""
        return self._execution.last_price(symbol)

    @property
    def portfolio(self) -> PortfolioView:
        """Balances, positions, PnL, fees, equity: a read-only view."""
        return self._portfolio

    @property
    def trading_state(self) -> TradingState:
        """ACTIVE, REDUCING or HALTED (see the risk manager)."""
        return self._gate.state

    def kill(self, reason: str = "strategy") -> bool:
        """Pull the kill switch: halt, cancel everything, flatten. False when already done."""
        return self._kill(reason)
