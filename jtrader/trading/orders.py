"""Order tracking in the trading core: what the strategy sent, what is still open, what it locks.

An order is *open* from the moment it passed the risk gate and went to the execution until a
terminal event arrives for it: fully filled (``leaves == 0``), canceled, expired or rejected.
Denied orders are never open. Iteration order is submission order (deterministic). Everything
here moves only with what the strategy sent and with *delivered* events.

What an open order locks (the estimate the pre-trade check and ``ctx.free_balance`` use, fees
excluded): a priced BUY its limit price (STOP: its stop price) times the lots still open, in
quote atoms; a quote-sized market BUY its ``quote_size`` less what its delivered fills spent; a
market BUY by size the reference price it was sent at (touch or mark) times the lots still open;
a SELL its base lots still open; a reduce-only SELL nothing (the venue clips it to the holdings).
"""

from __future__ import annotations

import builtins

from jtrader.model import Instrument, OrderFilled, OrderStatus, OrderType, Side, SubmitOrder
from jtrader.trading.views import OrderSnapshot

__all__ = ["OrderTracker", "TrackedOrder"]

_BUY = Side.BUY
_PENDING, _ACCEPTED = OrderStatus.PENDING, OrderStatus.ACCEPTED
_FILLED, _PARTIALLY_FILLED = OrderStatus.FILLED, OrderStatus.PARTIALLY_FILLED


class TrackedOrder:
    """The trading core's record of one open order: the command, status, filled lots and its lock."""

    __slots__ = ("cancel_pending", "cmd", "filled", "lock_currency", "lock_fixed", "lock_per_lot", "status")

    def __init__(self, cmd: SubmitOrder, inst: Instrument | None = None, reference: int | None = None) -> None:
        #: the command as sent (prices in ticks, sizes in lots)
        self.cmd = cmd
        self.status = OrderStatus.PENDING
        #: lots filled so far (delivered fills)
        self.filled = 0
        #: a cancel or replace of this order is in flight
        self.cancel_pending = False
        #: the currency this order locks (None: nothing), atoms per open lot, or a fixed budget
        self.lock_currency: str | None = None
        self.lock_per_lot = 0
        self.lock_fixed: int | None = None
        if inst is not None:
            self._set_lock(cmd, inst, reference)

    def _set_lock(self, cmd: SubmitOrder, inst: Instrument, reference: int | None) -> None:
        if cmd.side is _BUY:
            if cmd.quote_size is not None:
                self.lock_currency, self.lock_fixed = inst.quote, cmd.quote_size
                return
            price = cmd.price if cmd.price is not None else cmd.stop_price
            if price is None:
                price = reference if cmd.order_type is OrderType.MARKET else None
            if price is not None:
                self.lock_currency, self.lock_per_lot = inst.quote, price * inst.atoms_per_tick_lot
        elif not cmd.reduce_only:
            self.lock_currency, self.lock_per_lot = inst.base, inst.atoms_per_lot

    @property
    def order_id(self) -> str:
        """The order's id."""
        return self.cmd.order_id

    @property
    def symbol(self) -> str:
        """The instrument's symbol."""
        return self.cmd.symbol

    @property
    def leaves(self) -> int:
        """Lots still open (0 for a quote-sized market buy, whose size is not known in lots)."""
        return max(self.cmd.size - self.filled, 0)

    @property
    def lock(self) -> int:
        """Atoms of :attr:`lock_currency` this order still locks (see the module docstring)."""
        if self.lock_fixed is not None:
            return self.lock_fixed
        return self.lock_per_lot * max(self.cmd.size - self.filled, 0)

    def snapshot(self) -> OrderSnapshot:
        """A frozen copy for the strategy."""
        c = self.cmd
        return OrderSnapshot(
            c.order_id,
            c.symbol,
            c.side,
            c.order_type,
            c.price,
            c.stop_price,
            c.size,
            self.filled,
            self.status,
            self.cancel_pending,
            c.tag,
            c.tif,
            c.post_only,
            c.reduce_only,
            c.quote_size,
        )

    def __repr__(self) -> str:
        c = self.cmd
        return (
            f"TrackedOrder({c.order_id} {c.symbol} {c.side} {c.order_type} size={c.size} price={c.price} "
            f"filled={self.filled} {self.status})"
        )


class OrderTracker:
    """Open orders by id, in submission order, moved by delivered events."""

    __slots__ = ("_instruments", "open")

    def __init__(self, instruments: dict[str, Instrument] | None = None) -> None:
        self.open: dict[str, TrackedOrder] = {}
        self._instruments = instruments if instruments is not None else {}

    def add(self, cmd: SubmitOrder, reference: int | None = None) -> TrackedOrder:
        """Track ``cmd`` (just sent); ``reference`` is the price a market BUY by size was checked at."""
        order = TrackedOrder(cmd, self._instruments.get(cmd.symbol), reference)
        self.open[cmd.order_id] = order
        return order

    def get(self, order_id: str) -> TrackedOrder | None:
        """The open order ``order_id``, None when it is not open."""
        return self.open.get(order_id)

    def accepted(self, order_id: str) -> None:
        """The venue acknowledged the order."""
        order = self.open.get(order_id)
        if order is not None and order.status is _PENDING:
            order.status = _ACCEPTED

    def filled(self, ev: OrderFilled) -> None:
        """A delivered (partial) fill: lots, status, and what a quote-sized buy has left to spend."""
        order = self.open.get(ev.order_id)
        if order is None:
            return
        order.filled += ev.size
        if order.lock_fixed is not None:
            inst = self._instruments[ev.symbol]
            spent = ev.price * ev.size * inst.atoms_per_tick_lot
            if ev.fee_currency == inst.quote:
                spent += ev.fee
            order.lock_fixed = max(order.lock_fixed - spent, 0)
        if ev.leaves <= 0:
            order.status = _FILLED
            del self.open[ev.order_id]
        else:
            order.status = _PARTIALLY_FILLED

    def closed(self, order_id: str, status: OrderStatus) -> None:
        """The order is done (canceled, expired, rejected)."""
        order = self.open.pop(order_id, None)
        if order is not None:
            order.status = status

    def cancel_sent(self, order_id: str) -> None:
        """A cancel (or replace) of ``order_id`` is in flight."""
        order = self.open.get(order_id)
        if order is not None:
            order.cancel_pending = True

    def cancel_failed(self, order_id: str) -> None:
        """The venue refused a cancel of ``order_id``: if it is still open, it stays (and locks again)."""
        order = self.open.get(order_id)
        if order is not None:
            order.cancel_pending = False

    def cancel_all_sent(self, symbol: str | None) -> None:
        """A cancel-all (of ``symbol``) is in flight."""
        for order in self.open.values():
            if symbol is None or order.cmd.symbol == symbol:
                order.cancel_pending = True

    def list(self, symbol: str | None = None) -> list[OrderSnapshot]:
        """Snapshots of the open orders (of ``symbol`` when given) in submission order."""
        return [o.snapshot() for o in self.open.values() if symbol is None or o.cmd.symbol == symbol]

    def staying(self, releasing: str | None = None) -> builtins.list[TrackedOrder]:
        """Open orders the venue will still hold when a new order arrives (no cancel in flight)."""
        return [o for o in self.open.values() if not o.cancel_pending and o.cmd.order_id != releasing]

    def staying_count(self, releasing: str | None = None) -> int:
        """How many open orders the venue will still hold when a new order arrives."""
        count = 0
        for order in self.open.values():
            if not order.cancel_pending and order.cmd.order_id != releasing:
                count += 1
        return count

    def locked(self, currency: str, *, staying_only: bool, releasing: str | None = None) -> int:
        """Atoms of ``currency`` the open orders lock (only those staying on arrival when ``staying_only``)."""
        total = 0
        for order in self.open.values():
            if order.lock_currency == currency and not (
                staying_only and (order.cancel_pending or order.cmd.order_id == releasing)
            ):
                total += order.lock
        return total

    def open_exposure(self, symbol: str, side: Side, releasing: str | None = None) -> int:
        """Lots still open on ``side`` of ``symbol`` and staying on arrival (what a max-position check counts)."""
        return sum(o.leaves for o in self.staying(releasing) if o.cmd.symbol == symbol and o.cmd.side is side)

    def __len__(self) -> int:
        return len(self.open)
