"""Order tracking in the trading core: what the strategy sent and what is still open.

An order is *open* from the moment it passed the risk manager and went to the exchange until
a terminal event arrives for it: fully filled (``leaves == 0``), canceled, expired or
rejected. Denied orders are never open. Iteration order is submission order (deterministic).
"""

from __future__ import annotations

from jtrader.model import OrderStatus, OrderType, Side, SubmitOrder

__all__ = ["OrderTracker", "TrackedOrder"]


class TrackedOrder:
    """The trading core's view of one order: the command plus status and filled lots."""

    __slots__ = ("cmd", "filled", "status")

    def __init__(self, cmd: SubmitOrder) -> None:
        #: the command as sent (prices in ticks, sizes in lots)
        self.cmd = cmd
        self.status = OrderStatus.PENDING
        #: lots filled so far
        self.filled = 0

    @property
    def order_id(self) -> str:
        return self.cmd.order_id

    @property
    def symbol(self) -> str:
        return self.cmd.symbol

    @property
    def side(self) -> Side:
        return self.cmd.side

    @property
    def order_type(self) -> OrderType:
        return self.cmd.order_type

    @property
    def price(self) -> int | None:
        return self.cmd.price

    @property
    def size(self) -> int:
        return self.cmd.size

    @property
    def leaves(self) -> int:
        """Lots still open (0 for a quote-sized market buy, whose size is not known in lots)."""
        return max(self.cmd.size - self.filled, 0)

    def __repr__(self) -> str:
        c = self.cmd
        return (
            f"TrackedOrder({c.order_id} {c.symbol} {c.side} {c.order_type} size={c.size} price={c.price} "
            f"filled={self.filled} {self.status})"
        )


class OrderTracker:
    """Open orders by id, in submission order."""

    __slots__ = ("open",)

    def __init__(self) -> None:
        self.open: dict[str, TrackedOrder] = {}

    def add(self, cmd: SubmitOrder) -> TrackedOrder:
        order = TrackedOrder(cmd)
        self.open[cmd.order_id] = order
        return order

    def get(self, order_id: str) -> TrackedOrder | None:
        return self.open.get(order_id)

    def accepted(self, order_id: str) -> None:
        order = self.open.get(order_id)
        if order is not None and order.status is OrderStatus.PENDING:
            order.status = OrderStatus.ACCEPTED

    def filled(self, order_id: str, size: int, leaves: int) -> None:
        order = self.open.get(order_id)
        if order is None:
            return
        order.filled += size
        if leaves <= 0:
            order.status = OrderStatus.FILLED
            del self.open[order_id]
        else:
            order.status = OrderStatus.PARTIALLY_FILLED

    def closed(self, order_id: str, status: OrderStatus) -> None:
        order = self.open.pop(order_id, None)
        if order is not None:
            order.status = status

    def list(self, symbol: str | None = None) -> list[TrackedOrder]:
        """Open orders (of ``symbol`` when given) in submission order."""
        if symbol is None:
            return list(self.open.values())
        return [o for o in self.open.values() if o.cmd.symbol == symbol]

    def open_exposure(self, symbol: str, side: Side) -> int:
        """Lots still open on ``side`` of ``symbol`` (what a max-position check must count)."""
        return sum(o.leaves for o in self.open.values() if o.cmd.symbol == symbol and o.cmd.side is side)

    def __len__(self) -> int:
        return len(self.open)
