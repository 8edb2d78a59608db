"""The one road from a strategy to the execution: ids, type checks, the risk gate, the tracker.

:class:`OrderRouter` builds each command at the engine clock, passes new orders through the risk
gate and sends what passes to the execution; a denial becomes an ``OrderDenied`` event delivered
after the current callback. Cancels always pass. It is also the emergency manager's actions port
(:class:`jtrader.risk.EmergencyActions`): halt, reduce, cancel all, send a flattening order around
the gate, emit an event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from jtrader.errors import OrderError
from jtrader.model import (
    CancelAll,
    CancelOrder,
    OrderDenied,
    OrderType,
    RejectReason,
    ReplaceOrder,
    Side,
    SubmitOrder,
    TimeInForce,
    TradingState,
)
from jtrader.model.events import builder

if TYPE_CHECKING:
    from jtrader.risk import RiskGate
    from jtrader.trading.account import Account
    from jtrader.trading.clock import Clock
    from jtrader.trading.execution import Execution
    from jtrader.trading.orders import OrderTracker
    from jtrader.trading.result import RunResult

__all__ = ["OrderRouter"]

# positional constructors of the hot commands and events (see jtrader.model.events.builder)
_SUBMIT = builder(SubmitOrder)
_DENIED = builder(OrderDenied)
_CANCEL = builder(CancelOrder)
_CANCEL_ALL = builder(CancelAll)
_MARKET, _BUY = OrderType.MARKET, Side.BUY


def _number_error(size: object, price: object, stop_price: object, quote_size: object) -> str:
    """The message for the first of an order's numbers that is not an int (size must not be None)."""
    for name, value in (("size", size), ("price", price), ("stop_price", stop_price), ("quote_size", quote_size)):
        if value is not None and type(value) is not int:
            return f"{name} must be an int (ticks, lots or atoms), got {value!r}"
    return "size must be an int of lots, got None"


class OrderRouter:
    """Sends the strategy's commands through the gate to the execution. See the module docstring."""

    __slots__ = ("_account", "_clock", "_emit", "_execution", "_gate", "_next_id", "_result", "_tracker")

    def __init__(
        self,
        *,
        execution: Execution,
        gate: RiskGate,
        tracker: OrderTracker,
        account: Account,
        result: RunResult,
        clock: Clock,
        emit: Callable[[Any], None],
    ) -> None:
        self._execution = execution
        self._gate = gate
        self._tracker = tracker
        self._account = account
        self._result = result
        self._clock = clock
        self._emit = emit
        self._next_id = 0

    def new_order_id(self) -> str:
        """The next deterministic order id: ``o-1``, ``o-2``..."""
        self._next_id += 1
        return f"o-{self._next_id}"

    def _deny(self, now: int, order_id: str, symbol: str, reason: RejectReason, message: str) -> None:
        result = self._result
        result.denials += 1
        by_reason = result.denials_by_reason
        by_reason[reason.value] = by_reason.get(reason.value, 0) + 1
        self._emit(_DENIED(now, order_id, symbol, reason, message))

    def _reference(self, cmd: SubmitOrder) -> int | None:
        """The price a market BUY by size is expected to pay (for the tracker's lock estimate)."""
        if cmd.order_type is _MARKET and cmd.side is _BUY and cmd.quote_size is None:
            return self._account.market_price(cmd.symbol, cmd.side)
        return None

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
        """Build a :class:`SubmitOrder` at the clock, pass it through the gate, send it. Returns its id.

        Types are checked here (a float price is a programming error: :class:`OrderError`);
        values (zero size, unknown symbol, off-market price...) are for the gate and the
        execution to deny or reject, as events.
        """
        if type(side) is not Side or type(order_type) is not OrderType or type(tif) is not TimeInForce:
            try:
                side = Side(side)
                order_type = OrderType(order_type)
                tif = TimeInForce(tif)
            except ValueError as exc:
                raise OrderError(str(exc)) from None
        if not (
            type(size) is int
            and (price is None or type(price) is int)
            and (stop_price is None or type(stop_price) is int)
            and (quote_size is None or type(quote_size) is int)
        ):
            raise OrderError(_number_error(size, price, stop_price, quote_size))
        if type(symbol) is not str:
            raise OrderError(f"symbol must be a str, got {symbol!r}")
        order_id = self.new_order_id()
        now = self._clock.now
        cmd = _SUBMIT(
            now,
            order_id,
            symbol,
            side,
            order_type,
            size,
            price,
            stop_price,
            tif,
            post_only if type(post_only) is bool else bool(post_only),
            reduce_only if type(reduce_only) is bool else bool(reduce_only),
            quote_size,
            tag if type(tag) is str else str(tag),
        )
        self._result.orders += 1
        denial = self._gate.check(cmd)
        if denial is not None:
            self._deny(now, order_id, symbol, denial[0], denial[1])
            return order_id
        self._tracker.add(cmd, self._reference(cmd))
        self._result.sent += 1
        self._execution.submit(cmd)
        return order_id

    def replace(
        self, order_id: str, *, price: int | None = None, size: int | None = None, stop_price: int | None = None
    ) -> str:
        """Cancel ``order_id`` and send a copy with a new price, size or stop, in one request. Returns the new id.

        ``None`` keeps the old value; ``size`` defaults to the lots still open. The new order goes
        through the gate with the replaced order counted as gone; a denial leaves the old order
        untouched (``OrderDenied`` for the new id). An order that is not open (as the strategy
        knows it) is denied with ``UNKNOWN_ORDER``. At the venue the cancel comes first; if it
        fails there, ``CancelRejected`` for the old id and ``OrderRejected(REPLACE_CANCEL_FAILED)``
        for the new one arrive, and the old order stays as it was.
        """
        for name, value in (("price", price), ("size", size), ("stop_price", stop_price)):
            if value is not None and type(value) is not int:
                raise OrderError(f"{name} must be an int (ticks or lots), got {value!r}")
        new_id = self.new_order_id()
        now = self._clock.now
        self._result.orders += 1
        order = self._tracker.get(order_id) if type(order_id) is str else None
        if order is None:
            self._deny(now, new_id, "", RejectReason.UNKNOWN_ORDER, f"no open order {order_id!r} to replace")
            return new_id
        old = order.cmd
        new = _SUBMIT(
            now,
            new_id,
            old.symbol,
            old.side,
            old.order_type,
            order.leaves if size is None else size,
            old.price if price is None else price,
            old.stop_price if stop_price is None else stop_price,
            old.tif,
            old.post_only,
            old.reduce_only,
            old.quote_size,
            old.tag,
        )
        cmd = ReplaceOrder(now, order_id, new)
        denial = self._gate.check(cmd)
        if denial is not None:
            self._deny(now, new_id, old.symbol, denial[0], denial[1])
            return new_id
        self._tracker.cancel_sent(order_id)
        self._tracker.add(new, self._reference(new))
        self._result.sent += 1
        self._execution.replace(cmd)
        return new_id

    def cancel(self, order_id: str) -> None:
        """Cancel one order. Cancels always pass the gate (in every state)."""
        self._tracker.cancel_sent(order_id)
        self._execution.cancel(_CANCEL(self._clock.now, order_id))

    def cancel_all(self, symbol: str | None = None) -> None:
        """Cancel every open order (of ``symbol`` when given)."""
        self._tracker.cancel_all_sent(symbol)
        self._execution.cancel(_CANCEL_ALL(self._clock.now, symbol))

    # -- the emergency actions port -----------------------------------------------------------
    def halt(self, reason: str) -> None:
        """Put the gate in HALTED (new orders denied, cancels pass)."""
        self._gate.set_state(TradingState.HALTED, reason)

    def reduce(self, reason: str) -> None:
        """Put the gate in REDUCING when it is ACTIVE."""
        if self._gate.state is TradingState.ACTIVE:
            self._gate.set_state(TradingState.REDUCING, reason)

    def send_unchecked(self, symbol: str, side: Side, size: int, tag: str) -> str:
        """Send a MARKET order around the gate (the emergency manager's flatten); returns its id."""
        cmd = SubmitOrder(self._clock.now, self.new_order_id(), symbol, side, OrderType.MARKET, size, tag=tag)
        self._tracker.add(cmd, self._reference(cmd))
        self._result.sent += 1
        self._execution.submit(cmd)
        return cmd.order_id

    def emit(self, event: Any) -> None:
        """Record an event; the strategy receives it after the current callback."""
        self._emit(event)
