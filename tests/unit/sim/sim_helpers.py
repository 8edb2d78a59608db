"""Shared builders for the simulated-exchange tests: a whole-number instrument and message makers.

The test instrument has a tick of 1 USD and a lot of 1 BTC, so a notional is ``price * size``
USD, i.e. ``price * size * 10**18`` atoms; that keeps expected values readable.
"""

from __future__ import annotations

from typing import Any

from jtrader.model import (
    ATOMS_PER_UNIT,
    Bar,
    BookDelta,
    BookSnapshot,
    CancelAll,
    CancelOrder,
    Instrument,
    OrderType,
    Quote,
    Side,
    SubmitOrder,
    TimeInForce,
    Trade,
)
from jtrader.sim import SimulatedExchange

T0 = 1_700_000_000 * 10**9
MS = 1_000_000
U = ATOMS_PER_UNIT
BUY, SELL = Side.BUY, Side.SELL
MARKET, LIMIT, STOP, STOP_LIMIT = OrderType.MARKET, OrderType.LIMIT, OrderType.STOP, OrderType.STOP_LIMIT
GTC, IOC, FOK = TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK
SYM = "BTC-USD"


def instrument(**kw: Any) -> Instrument:
    return Instrument(SYM, "BTC", "USD", price_tick="1", size_lot="1", **kw)


def exchange(usd: int = 1_000_000, btc: int = 100, **kw: Any) -> SimulatedExchange:
    """An exchange with ``usd`` USD and ``btc`` BTC (whole units) and the test instrument."""
    instruments = kw.pop("instruments", [instrument()])
    return SimulatedExchange(instruments, balances={"USD": usd * U, "BTC": btc * U}, **kw)


def snap(ts: int, bids: list[tuple[int, int]], asks: list[tuple[int, int]], symbol: str = SYM) -> BookSnapshot:
    return BookSnapshot(ts, 0, symbol, tuple(bids), tuple(asks))


def delta(ts: int, bids: list[tuple[int, int]] = (), asks: list[tuple[int, int]] = (), symbol: str = SYM) -> BookDelta:  # type: ignore[assignment]
    return BookDelta(ts, 0, symbol, tuple(bids), tuple(asks))


def trade(ts: int, price: int, size: int, aggressor: Side | None, symbol: str = SYM) -> Trade:
    return Trade(ts, 0, symbol, price, size, aggressor)


def quote(ts: int, bid: int, bid_size: int, ask: int, ask_size: int, symbol: str = SYM) -> Quote:
    return Quote(ts, 0, symbol, bid, bid_size, ask, ask_size)


def bar(ts: int, o: int, h: int, l: int, c: int, symbol: str = SYM) -> Bar:  # noqa: E741
    return Bar(ts, symbol, o, h, l, c, 1000, ts - 60 * 10**9)


def order(ts: int, oid: str, side: Side, kind: OrderType, size: int, **kw: Any) -> SubmitOrder:
    return SubmitOrder(ts, oid, SYM if "symbol" not in kw else kw.pop("symbol"), side, kind, size, **kw)


def send(ex: SimulatedExchange, cmd: Any) -> list[Any]:
    """Submit or cancel ``cmd`` and return the events delivered by its send time (zero latency)."""
    if isinstance(cmd, SubmitOrder):
        ex.submit(cmd)
    else:
        ex.cancel(cmd)
    return ex.advance(cmd.ts)


def cancel(ts: int, oid: str) -> CancelOrder:
    return CancelOrder(ts, oid)


def cancel_all(ts: int, symbol: str | None = None) -> CancelAll:
    return CancelAll(ts, symbol)


def kinds(events: list[Any]) -> list[str]:
    return [type(e).__name__ for e in events]


def fills(events: list[Any]) -> list[tuple[int, int, str]]:
    """(price, size, liquidity) of each OrderFilled."""
    return [(e.price, e.size, e.liquidity.value) for e in events if type(e).__name__ == "OrderFilled"]


def state(ex: SimulatedExchange) -> tuple[Any, ...]:
    """Everything a rejection must leave unchanged."""
    return (
        ex.balance("USD"),
        ex.balance("BTC"),
        tuple(ex.open_orders()),
        ex.book(SYM).top(50),
        ex.next_wakeup(),
    )
