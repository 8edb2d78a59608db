"""Our resting limit orders on one instrument: where they stand in the queue, and what fills them.

All fills here are at the resting order's **own limit price** as **maker** (no price
improvement), whatever price the book or the print shows:

* **book crosses us** (best ask <= our bid, best bid >= our ask): filled up to the displayed
  crossed size, minus what is already consumed at those levels;
* **print through us** (strictly better than our price, from an eligible aggressor): filled up
  to the print's size; the queue ahead of us is gone;
* **print at our price**: only the excess of the print over the queue ahead of us fills. Our
  own orders at one price are first in, first out among themselves, behind the displayed queue
  (each one's ``ahead`` counts displayed lots only);
* **one print's size is consumed once**, across all our orders, in price-time priority: the
  queue model of an order at the print's price sees only what the orders before it left.

Eligible aggressor: a SELL-aggressor print fills resting BUYs, a BUY-aggressor print resting
SELLs, a print without aggressor either side. Queue positions follow :mod:`jtrader.sim.queue`.
"""

from __future__ import annotations

from collections.abc import Callable

from jtrader.model import Side
from jtrader.sim.liquidity import Liquidity
from jtrader.sim.orders import WorkingOrder
from jtrader.sim.queue import QueueModel, RiskAverseQueue

__all__ = ["RestingOrders", "priority"]

BUY, SELL = Side.BUY, Side.SELL

#: fill up to ``want`` lots of a resting order at its price, produced at ``t``; returns the lots filled
FillResting = Callable[[WorkingOrder, int, int], int]


def priority(o: WorkingOrder) -> tuple[int, int]:
    """Price-time priority of a resting order: best price first (bids high, asks low), then acceptance."""
    price = o.price
    assert price is not None, "a resting order has a limit price"
    return (-price if o.side is BUY else price, o.seq)


class RestingOrders:
    """Our resting orders of one instrument (``orders``, in acceptance order) and their fills.

    ``fill(order, want, t)`` is the matcher's maker fill: it pays, closes a finished order and
    returns the lots it filled. The caller removes closed orders from ``orders``.
    """

    __slots__ = ("_by_side", "_fill", "_liq", "_on_level", "orders", "queue")

    def __init__(self, liquidity: Liquidity, queue: QueueModel, fill: FillResting) -> None:
        self._liq = liquidity
        self.queue = queue
        # RiskAverseQueue.on_level is min(ahead, level): inlined for the default model (per order, per update)
        self._on_level = None if type(queue) is RiskAverseQueue else queue.on_level
        self._fill = fill
        self.orders: dict[str, WorkingOrder] = {}
        #: the same orders by side (BUY, SELL): a taker looks only at the side it would meet
        self._by_side: dict[Side, dict[str, WorkingOrder]] = {BUY: {}, SELL: {}}

    def add(self, order: WorkingOrder) -> None:
        """Put ``order`` on the book: the queue model places it behind the displayed size at its price."""
        assert order.price is not None
        order.ahead = self.queue.on_join(self._liq.book.side(order.side).size_at(order.price))
        order.taker_on_bar = False
        self.orders[order.order_id] = order
        self._by_side[order.side][order.order_id] = order

    def remove(self, order: WorkingOrder) -> None:
        """``order`` left the book (filled, canceled, expired)."""
        order_id = order.order_id
        if self.orders.pop(order_id, None) is not None:
            del self._by_side[order.side][order_id]

    def opposite(self, side: Side, limit: int | None) -> list[WorkingOrder]:
        """Our resting orders a taker of ``side`` up to ``limit`` (ticks, None: any) would meet, in priority order."""
        opposite = self._by_side[SELL if side is BUY else BUY]
        if not opposite:
            return []
        buy = side is BUY
        own = [
            o
            for o in opposite.values()
            if limit is None or (o.price <= limit if buy else o.price >= limit)  # type: ignore[operator]
        ]
        own.sort(key=priority)
        return own

    # -- the book moved ---------------------------------------------------------------------
    def on_book(self, t: int) -> None:
        """After a book update: cap queues at the new level sizes, then fill the orders the book crosses."""
        book = self._liq.book
        bid_levels, ask_levels = book.bids.levels, book.asks.levels
        ask, bid = book.asks.best, book.bids.best
        on_level = self._on_level
        cross_buy = cross_sell = False
        for order in self.orders.values():
            price = order.price
            ahead = order.ahead
            if order.side is BUY:
                if ahead:
                    level = bid_levels.get(price, 0)  # type: ignore[arg-type]
                    if on_level is not None:
                        order.ahead = on_level(ahead, level)
                    elif level < ahead:
                        order.ahead = level
                if ask is not None and ask <= price:  # type: ignore[operator]
                    cross_buy = True
            else:
                if ahead:
                    level = ask_levels.get(price, 0)  # type: ignore[arg-type]
                    if on_level is not None:
                        order.ahead = on_level(ahead, level)
                    elif level < ahead:
                        order.ahead = level
                if bid is not None and bid >= price:  # type: ignore[operator]
                    cross_sell = True
        if cross_buy:
            self._cross(BUY, t)
        if cross_sell:
            self._cross(SELL, t)

    def _cross(self, side: Side, t: int) -> None:
        """Fill resting orders of ``side`` that the opposite book now crosses, at their own price."""
        liq = self._liq
        buy = side is BUY
        opposite = liq.book.asks if buy else liq.book.bids
        best = opposite.best
        assert best is not None
        orders = [o for o in self.orders.values() if o.side is side and (best <= o.price if buy else best >= o.price)]  # type: ignore[operator]
        orders.sort(key=priority)
        for order in orders:
            limit = order.price
            assert limit is not None
            for price, _ in opposite.iter_levels():
                if not order.open or (price > limit if buy else price < limit):
                    break
                avail = liq.available(side, price)
                if avail <= 0:
                    continue
                got = self._fill(order, avail if avail < order.leaves else order.leaves, t)
                if got:
                    liq.take(side, price, got)

    # -- a print ----------------------------------------------------------------------------
    def on_print(self, price: int, size: int, aggressor: Side | None, t: int) -> None:
        """A print on the tape fills eligible resting orders (module docstring)."""
        if aggressor is not BUY:
            self._print_fills(BUY, price, size, t)
        if aggressor is not SELL:
            self._print_fills(SELL, price, size, t)

    def _print_fills(self, side: Side, price: int, size: int, t: int) -> None:
        buy = side is BUY
        orders = [o for o in self.orders.values() if o.side is side and (o.price >= price if buy else o.price <= price)]  # type: ignore[operator]
        if not orders:
            return
        orders.sort(key=priority)
        budget = size
        on_trade = self.queue.on_trade
        for order in orders:
            if not order.open:
                continue
            if order.price == price:
                order.ahead, executable = on_trade(order.ahead, budget)
            else:
                order.ahead, executable = 0, budget
            want = executable if executable < order.leaves else order.leaves
            if want > 0:
                budget -= self._fill(order, want, t)
