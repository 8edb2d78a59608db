"""Our resting orders of one instrument, alone: queue positions and the fills prints and crossed books give them.

The fill callback records what it is asked and fills all of it, so the tests see the
RestingOrders' own decisions (how much each order may fill, in which order).
"""

from __future__ import annotations

from typing import Any

from sim_helpers import BUY, LIMIT, SELL, SYM, T0, delta, order, snap

from jtrader.sim.liquidity import Liquidity
from jtrader.sim.orders import WorkingOrder
from jtrader.sim.queue import RiskAverseQueue
from jtrader.sim.resting import RestingOrders


class Book:
    """RestingOrders over a Liquidity, with a fill callback that fills everything it is asked."""

    def __init__(self, bids: list[tuple[int, int]], asks: list[tuple[int, int]]) -> None:
        self.liq = Liquidity(SYM)
        self.liq.on_snapshot(snap(T0, bids, asks))
        self.filled: list[tuple[str, int]] = []
        self.resting = RestingOrders(self.liq, RiskAverseQueue(), self.fill)
        self.seq = 0

    def fill(self, order: WorkingOrder, want: int, t: int) -> int:
        self.filled.append((order.order_id, want))
        order.filled += want
        if order.filled >= order.size:
            order.open = False
            self.resting.remove(order)
        return want

    def add(self, oid: str, side: Any, size: int, price: int) -> WorkingOrder:
        self.seq += 1
        working = WorkingOrder(order(T0, oid, side, LIMIT, size, price=price), size, self.seq, T0)
        self.resting.add(working)
        return working


def test_two_own_orders_at_one_price_share_a_print_behind_the_displayed_queue() -> None:
    book = Book([(100, 100)], [(101, 10)])
    first = book.add("a", BUY, 50, 100)
    second = book.add("b", BUY, 50, 100)
    assert (first.ahead, second.ahead) == (100, 100)  # displayed lots only: our own are not in the book
    book.resting.on_print(100, 150, SELL, T0 + 1)
    assert book.filled == [("a", 50)]  # the print's 150: 100 displayed ahead, then our first 50
    assert second.ahead == 0  # the displayed queue ahead of the second order is gone
    book.resting.on_print(100, 20, SELL, T0 + 2)
    assert book.filled == [("a", 50), ("b", 20)]


def test_a_print_at_our_price_fills_our_orders_first_in_first_out() -> None:
    book = Book([(100, 10)], [(101, 10)])
    book.add("a", BUY, 5, 100)
    book.add("b", BUY, 5, 100)
    book.resting.on_print(100, 18, None, T0 + 1)
    assert book.filled == [("a", 5), ("b", 3)]  # 10 displayed, our 5, then 3 of the 5 behind


def test_one_print_is_one_budget_from_the_orders_it_went_through_to_those_at_its_price() -> None:
    book = Book([(100, 4)], [(103, 10)])
    book.add("at", BUY, 10, 100)
    book.add("through", BUY, 3, 102)
    book.resting.on_print(100, 9, SELL, T0 + 1)
    assert book.filled == [("through", 3), ("at", 2)]  # 3 at 102, then 4 displayed at 100, then us


def test_a_print_fills_only_orders_of_the_eligible_side() -> None:
    book = Book([(99, 1)], [(101, 1)])
    book.add("bid", BUY, 2, 100)
    book.add("ask", SELL, 2, 100)
    book.resting.on_print(100, 1, BUY, T0 + 1)  # a buyer lifted: evidence for resting sells only
    book.resting.on_print(100, 1, SELL, T0 + 2)
    assert book.filled == [("ask", 1), ("bid", 1)]


def test_a_level_shrink_caps_the_queue_and_a_crossed_book_fills_at_our_price_within_what_is_left() -> None:
    book = Book([(100, 30)], [(102, 10)])
    bid = book.add("bid", BUY, 8, 100)
    book.liq.on_delta(delta(T0 + 1, bids=[(100, 12)], asks=[(99, 3), (100, 9)]))
    book.liq.take(BUY, 99, 1)  # something of ours already took one lot at 99
    book.resting.on_book(T0 + 1)
    assert bid.ahead == 12
    assert book.filled == [("bid", 2), ("bid", 6)]
    assert book.liq.available(BUY, 99) == 0 and book.liq.available(BUY, 100) == 3


def test_the_orders_a_taker_would_meet_are_the_opposite_side_within_its_limit_in_priority() -> None:
    book = Book([(90, 1)], [(110, 1)])
    book.add("s102", SELL, 1, 102)
    book.add("s101a", SELL, 1, 101)
    book.add("s101b", SELL, 1, 101)
    book.add("b99", BUY, 1, 99)
    assert [o.order_id for o in book.resting.opposite(BUY, 101)] == ["s101a", "s101b"]
    assert [o.order_id for o in book.resting.opposite(BUY, None)] == ["s101a", "s101b", "s102"]
    assert [o.order_id for o in book.resting.opposite(SELL, 100)] == []
