"""Orders inside the simulated exchange: the mutable working state and its read-only view."""

from __future__ import annotations

from dataclasses import dataclass

from jtrader.model import OrderType, Side, SubmitOrder, TimeInForce
from jtrader.model.pickling import init_args

__all__ = ["OpenOrder", "WorkingOrder"]


@dataclass(frozen=True, slots=True)
class OpenOrder:
    """A read-only snapshot of one open order. Prices in ticks, sizes in lots, ``ts_accepted`` in ns.

    ``size`` is 0 for a MARKET BUY by ``quote_size`` that has not filled yet. ``triggered`` is
    True for a stop-limit order whose trigger traded (it now rests as a limit order).
    """

    order_id: str
    symbol: str
    side: Side
    order_type: OrderType
    price: int | None
    stop_price: int | None
    size: int
    filled: int
    tif: TimeInForce
    post_only: bool
    reduce_only: bool
    triggered: bool
    ts_accepted: int

    def __reduce__(self) -> tuple[type[OpenOrder], tuple[object, ...]]:
        """Pickle (and copy) as a constructor call (see :mod:`jtrader.model.pickling`)."""
        return (OpenOrder, init_args(self))

    @property
    def leaves(self) -> int:
        """Lots still open."""
        return self.size - self.filled


class WorkingOrder:
    """Working state of an accepted order inside the exchange (its matcher and ledger mutate it; readers get
    :class:`OpenOrder` snapshots). Prices in ticks, sizes in lots, ``lock`` in atoms of ``lock_currency``."""

    __slots__ = (
        "ahead",
        "filled",
        "lock",
        "lock_currency",
        "open",
        "order_id",
        "order_type",
        "post_only",
        "price",
        "quote_size",
        "reduce_only",
        "seq",
        "side",
        "size",
        "stop_price",
        "symbol",
        "taker_on_bar",
        "tif",
        "triggered",
        "ts_accepted",
    )

    def __init__(self, cmd: SubmitOrder, size: int, seq: int, t: int) -> None:
        self.order_id = cmd.order_id
        self.symbol = cmd.symbol
        self.side = cmd.side
        self.order_type = cmd.order_type
        self.price = cmd.price
        self.stop_price = cmd.stop_price
        self.size = size
        self.filled = 0
        self.tif = cmd.tif
        self.post_only = cmd.post_only
        self.reduce_only = cmd.reduce_only
        self.quote_size = cmd.quote_size
        self.triggered = False
        self.ts_accepted = t
        self.seq = seq
        #: lots displayed in front of us at our price (queue model)
        self.ahead = 0
        #: atoms of ``lock_currency`` this order still holds locked
        self.lock = 0
        self.lock_currency = ""
        #: bar mode: a limit that was marketable on arrival fills at the next open as taker
        self.taker_on_bar = False
        self.open = True

    @property
    def leaves(self) -> int:
        return self.size - self.filled

    def view(self) -> OpenOrder:
        return OpenOrder(
            self.order_id,
            self.symbol,
            self.side,
            self.order_type,
            self.price,
            self.stop_price,
            self.size,
            self.filled,
            self.tif,
            self.post_only,
            self.reduce_only,
            self.triggered,
            self.ts_accepted,
        )
