"""The context a strategy acts and reads through. It only ever shows the present (``now``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jtrader.model import Instrument, OrderType, Side, TimeInForce, TradingState

if TYPE_CHECKING:
    from jtrader.book import OrderBook
    from jtrader.trading.engine import Engine
    from jtrader.trading.orders import TrackedOrder
    from jtrader.trading.portfolio import Portfolio

__all__ = ["Context"]


class Context:
    """What a strategy may read and do. Prices are ticks, sizes lots, money atoms, time ns.

    Every order goes through the risk manager; a denial arrives as an ``OrderDenied`` event in
    ``on_order_event`` right after the current callback returns. Order ids are deterministic
    (``"o-1"``, ``"o-2"``...).
    """

    __slots__ = ("_engine",)

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @property
    def now(self) -> int:
        """The engine clock in ns (the receive time of the message being processed)."""
        return self._engine.clock.now

    def instrument(self, symbol: str) -> Instrument:
        """The instrument of ``symbol``; ``UnknownInstrumentError`` when the run has none."""
        return self._engine.instrument(symbol)

    @property
    def symbols(self) -> list[str]:
        """The symbols of this run, in the order given to the engine."""
        return list(self._engine.instruments)

    def book(self, symbol: str) -> OrderBook:
        """The L2 book of ``symbol`` as the exchange holds it now. Read it, never change it."""
        return self._engine.book(symbol)

    def book_ready(self, symbol: str) -> bool:
        """False while the book is empty, one-sided or awaiting a resync snapshot."""
        return self._engine.book_ready(symbol)

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
        return self._engine.submit(
            symbol, side, order_type, size, price, stop_price, tif, post_only, reduce_only, quote_size, tag
        )

    def buy(self, symbol: str, size: int, price: int | None = None, **kw: Any) -> str:
        """BUY ``size`` lots: a market order when ``price`` is None, else a limit at ``price`` ticks."""
        order_type = OrderType.MARKET if price is None else OrderType.LIMIT
        return self._engine.submit(symbol, Side.BUY, order_type, size, price, **kw)

    def sell(self, symbol: str, size: int, price: int | None = None, **kw: Any) -> str:
        """SELL ``size`` lots: a market order when ``price`` is None, else a limit at ``price`` ticks."""
        order_type = OrderType.MARKET if price is None else OrderType.LIMIT
        return self._engine.submit(symbol, Side.SELL, order_type, size, price, **kw)

    def cancel(self, order_id: str) -> None:
        """Cancel one order (always allowed, in every trading state)."""
        self._engine.cancel(order_id)

    def cancel_all(self, symbol: str | None = None) -> None:
        """Cancel every open order, or those of ``symbol``."""
        self._engine.cancel_all(symbol)

    def position(self, symbol: str) -> int:
        """Position in lots (base held, spot)."""
        return self._engine.portfolio.position(symbol)

    def balance(self, currency: str) -> int:
        """Total balance of ``currency`` in atoms, as the portfolio tracks it from fills."""
        return self._engine.portfolio.balance(currency)

    def free_balance(self, currency: str) -> int:
        """Balance of ``currency`` in atoms not locked by open orders, as the exchange reports it."""
        return self._engine.free_balance(currency)

    def open_orders(self, symbol: str | None = None) -> list[TrackedOrder]:
        """Orders sent and not yet known to be done, in submission order."""
        return self._engine.tracker.list(symbol)

    def last_price(self, symbol: str) -> int | None:
        """Last traded (or bar close) price in ticks as the exchange knows it; None before any."""
        return self._engine.exchange.last_price(symbol)

    @property
    def portfolio(self) -> Portfolio:
        """Balances, positions, PnL (read-only use)."""
        return self._engine.portfolio

    @property
    def trading_state(self) -> TradingState:
        """ACTIVE, REDUCING or HALTED (see the risk manager)."""
        return self._engine.risk.state

    def kill(self, reason: str = "strategy") -> bool:
        """Pull the kill switch: halt, cancel everything, flatten. False when already done."""
        return self._engine.kill(reason)
