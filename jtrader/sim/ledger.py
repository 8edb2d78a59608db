"""The account side of the simulated exchange: the outbox of events and the ledger of orders and money.

:class:`Outbox` holds the events on their way back to the trader: an event the exchange produces
at exchange time ``t`` is delivered at ``t + response latency``, never before the event produced
before it (one FIFO connection). :class:`Ledger` owns the balances (:class:`Account`), the fee
model, the open orders by id and the fill ids: it accepts, locks, records fills and releases,
whichever instrument's matcher asks. Nothing here decides *whether* an order fills.
Times are int ns, prices ticks, sizes lots, money atoms.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from jtrader.model import (
    Instrument,
    LiquiditySide,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderTriggered,
    RejectReason,
    Side,
    SubmitOrder,
)
from jtrader.model.events import builder
from jtrader.sim._validate import raw_field
from jtrader.sim.account import Account
from jtrader.sim.fees import FeeModel
from jtrader.sim.latency import ConstantLatency, LatencyModel
from jtrader.sim.orders import WorkingOrder

if TYPE_CHECKING:
    from jtrader.sim.matcher import Matcher

__all__ = ["ACCEPTED", "CANCELED", "EXPIRED", "FILLED", "REJECTED", "TRIGGERED", "Ledger", "Outbox"]

BUY = Side.BUY
SELL = Side.SELL
# positional constructors of the events the exchange emits (see jtrader.model.events.builder)
ACCEPTED = builder(OrderAccepted)
CANCELED = builder(OrderCanceled)
EXPIRED = builder(OrderExpired)
FILLED = builder(OrderFilled)
REJECTED = builder(OrderRejected)
TRIGGERED = builder(OrderTriggered)

Rejection = tuple[RejectReason, str]


class Outbox:
    """Events not yet delivered, in delivery order; an event's ``ts`` is its delivery time (ns).

    Delivery times never decrease (a venue connection is FIFO), so a queue is enough: with a
    random response latency an event may wait for the one produced before it.
    """

    __slots__ = ("_constant", "_last", "_latency", "events")

    def __init__(self, latency: LatencyModel) -> None:
        self._latency = latency
        #: the ConstantLatency whose field is read directly (no method call), None for another model
        self._constant: ConstantLatency | None = latency if type(latency) is ConstantLatency else None
        #: delivery time of the last event
        self._last = 0
        #: the events themselves, oldest first
        self.events: deque[Any] = deque()

    def emit(self, t: int, build: Any, *args: Any) -> None:
        """Queue ``build(delivery ts, *args)``: an event produced at exchange time ``t``, delivered at
        ``t`` + response latency but never before the event queued before it."""
        constant = self._constant
        ts = t + (constant.response_ns if constant is not None else self._latency.response())
        last = self._last
        if ts < last:  # noqa: PLR1730 - cheaper than max() on the hot path
            ts = last
        self._last = ts
        self.events.append(build(ts, *args))

    def take_due(self, now: int) -> list[Any]:
        """Remove and return the events delivered by ``now`` (ns), in order."""
        events = self.events
        if not events:
            return []
        if events[-1].ts <= now:  # all of them: the usual case
            due = list(events)
            events.clear()
            return due
        due = []
        popleft = events.popleft
        while events and events[0].ts <= now:
            due.append(popleft())
        return due


class Ledger:
    """Balances, fees and open orders of the one simulated account, shared by every instrument's matcher.

    ``matchers`` (symbol -> :class:`~jtrader.sim.matcher.Matcher`) is filled in by the exchange:
    the reduce-only sweep cancels orders of every instrument that shares a base.
    """

    __slots__ = (
        "_seq",
        "account",
        "fees",
        "fill_id",
        "known_ids",
        "matchers",
        "orders",
        "out",
        "reduce_only_open",
    )

    def __init__(self, balances: Mapping[str, int] | None, fees: FeeModel, out: Outbox) -> None:
        self.account = Account(balances)
        self.fees = fees
        self.out = out
        #: open orders by id, in acceptance order
        self.orders: dict[str, WorkingOrder] = {}
        #: every order id ever accepted (a reused id is rejected)
        self.known_ids: set[str] = set()
        #: open reduce-only orders (the sweep after a sell runs only when there are some)
        self.reduce_only_open = 0
        #: the last fill id handed out (a per-exchange counter)
        self.fill_id = 0
        self._seq = 0
        self.matchers: dict[str, Matcher] = {}

    # -- events -----------------------------------------------------------------------------
    def reject(self, cmd: SubmitOrder, t: int, reason: RejectReason, message: str) -> None:
        """``OrderRejected`` for ``cmd`` (whatever its field types), produced at ``t``. Changes nothing else."""
        symbol = raw_field(cmd, "symbol")
        order_id = raw_field(cmd, "order_id")
        self.out.emit(
            t,
            REJECTED,
            order_id if type(order_id) is str else "",
            symbol if type(symbol) is str else "",
            reason,
            message,
        )

    # -- order lifecycle --------------------------------------------------------------------
    def accept(self, cmd: SubmitOrder, size: int, t: int) -> WorkingOrder:
        """Register ``cmd`` as an open order of ``size`` lots and emit ``OrderAccepted``."""
        self._seq += 1
        order = WorkingOrder(cmd, size, self._seq, t)
        order_id = order.order_id
        self.orders[order_id] = order
        self.known_ids.add(order_id)
        if order.reduce_only:
            self.reduce_only_open += 1
        self.out.emit(t, ACCEPTED, order_id, order.symbol)
        return order

    def release(self, order: WorkingOrder) -> None:
        """``order`` ended: unlock what it still holds and drop it from the open orders."""
        order.open = False
        if order.lock:
            self.account.unlock(order.lock_currency, order.lock)
            order.lock = 0
        del self.orders[order.order_id]
        if order.reduce_only:
            self.reduce_only_open -= 1

    # -- balance checks (no state change) ---------------------------------------------------
    def buy_lock(self, inst: Instrument, price: int, size: int) -> int:
        """Quote atoms a buy of ``size`` lots at up to ``price`` ticks locks.

        Notional plus, when buys pay their fee in quote, the larger of maker/taker fee and one
        atom per lot: each fill's fee is rounded up separately, and an order fills at most once per lot.
        """
        notional = price * size * inst.atoms_per_tick_lot  # inst.notional_atoms(price, size)
        fees = self.fees
        if not fees.quote_on_buys:
            return notional
        return notional + fees.max_fee(notional) + size

    def quote_short(self, inst: Instrument, atoms: int) -> Rejection | None:
        """INSUFFICIENT_BALANCE when fewer than ``atoms`` of the quote currency are free."""
        free = self.account.free(inst.quote)
        if atoms > free:
            return RejectReason.INSUFFICIENT_BALANCE, f"needs {atoms} {inst.quote} atoms, {free} free"
        return None

    def sell_short(self, cmd: SubmitOrder, inst: Instrument, size: int) -> Rejection | None:
        """INSUFFICIENT_BALANCE when a sell of ``size`` lots (not reduce-only) exceeds the free base."""
        if cmd.reduce_only:
            return None
        if size * inst.atoms_per_lot > self.account.free(inst.base):
            return RejectReason.INSUFFICIENT_BALANCE, f"not enough free {inst.base} for {size} lots"
        return None

    def lock(self, order: WorkingOrder, inst: Instrument, buy_price: int | None) -> None:
        """Lock what ``order`` may spend: quote for a priced buy, base for a sell (not reduce-only)."""
        if order.side is BUY:
            if order.quote_size is not None:
                currency, atoms = inst.quote, order.quote_size
            elif buy_price is not None:
                currency, atoms = inst.quote, self.buy_lock(inst, buy_price, order.size)
            else:
                return
        elif not order.reduce_only:
            currency, atoms = inst.base, order.size * inst.atoms_per_lot  # inst.base_atoms(order.size)
        else:
            return
        self.account.lock(currency, atoms)
        order.lock = atoms
        order.lock_currency = currency

    def clip(self, inst: Instrument, order: WorkingOrder, price: int, lots: int, liquidity: LiquiditySide) -> int:
        """The most of ``lots`` at ``price`` the account can pay for (buy) or deliver (sell)."""
        if order.side is BUY:
            avail = self.account.free(inst.quote) + order.lock
            per_lot = price * inst.atoms_per_tick_lot  # inst.notional_atoms(price, 1)
            fees = self.fees
            if fees.cost(per_lot * lots, liquidity) > avail:
                return fees.affordable_lots(avail, per_lot, liquidity)
            return lots
        avail_lots = (self.account.free(inst.base) + order.lock) // inst.atoms_per_lot
        return lots if lots <= avail_lots else avail_lots

    # -- fills ------------------------------------------------------------------------------
    def fill(  # noqa: PLR0917
        self, inst: Instrument, order: WorkingOrder, price: int, lots: int, liquidity: LiquiditySide, t: int
    ) -> None:
        """Record one fill of ``lots`` at ``price``: balances, the order's lock and filled size, the event.

        A buy pays the notional in quote and receives the base; a sell delivers the base and
        receives the notional. The fee (:class:`FeeModel`) comes out of the quote, or, for a buy
        when fees are charged in the received asset, out of the base received (whole lots).
        The caller (the order's matcher) closes the order when it is done.
        """
        account = self.account
        notional = price * lots * inst.atoms_per_tick_lot  # inst.notional_atoms(price, lots)
        fees = self.fees
        side = order.side
        lock = order.lock
        if side is BUY:
            base = lots * inst.atoms_per_lot
            if fees.base_on_buys:
                fee = fees.fee_lots(lots, liquidity) * inst.atoms_per_lot
                fee_currency = inst.base
                cost = notional
                base -= fee
            else:
                fee = fees.fee(notional, liquidity)
                fee_currency = inst.quote
                cost = notional + fee
            from_lock = lock if lock < cost else cost
            account.pay(inst.quote, cost, from_lock)
            order.lock = lock - from_lock
            account.credit(inst.base, base)
        else:
            fee = fees.fee(notional, liquidity)
            fee_currency = inst.quote
            base = lots * inst.atoms_per_lot
            from_lock = lock if lock < base else base
            account.pay(inst.base, base, from_lock)
            order.lock = lock - from_lock
            account.credit(inst.quote, notional - fee)
        filled = order.filled = order.filled + lots
        self.fill_id += 1
        self.out.emit(
            t,
            FILLED,
            order.order_id,
            order.symbol,
            side,
            price,
            lots,
            liquidity,
            fee,
            fee_currency,
            self.fill_id,
            order.size - filled,
        )

    def sweep_reduce_only(self, base: str, t: int) -> None:
        """Cancel reduce-only sells of ``base`` once its free holdings are below one lot of their instrument."""
        free = self.account.free(base)
        matchers = self.matchers
        doomed = []
        for order in self.orders.values():
            if order.reduce_only:
                inst = matchers[order.symbol].inst
                if inst.base == base and free < inst.atoms_per_lot:
                    doomed.append(order)
        for order in doomed:
            matchers[order.symbol].cancel(order, t, "reduce_only: holdings exhausted")
