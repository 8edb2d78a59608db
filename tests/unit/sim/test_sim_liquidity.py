"""The Liquidity of one instrument, alone: the book, and what prints, our fills and newer quotes took from it."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sim_helpers import BUY, SELL, SYM, T0, U, delta, instrument, quote, snap

from jtrader.book import OrderBook
from jtrader.model import BookDelta, Quote, Side
from jtrader.sim import FeeModel
from jtrader.sim.liquidity import Liquidity

INST = instrument()


def booked(update_id: int = 0) -> Liquidity:
    liq = Liquidity(SYM)
    liq.on_snapshot(snap(T0, [(99, 5), (98, 5), (97, 5)], [(101, 5), (102, 5), (103, 5)])._replace(update_id=update_id))
    return liq


def ask_avail(liq: Liquidity) -> list[tuple[int, int]]:
    return [(p, liq.available(BUY, p)) for p in (101, 102, 103)]


def bid_avail(liq: Liquidity) -> list[tuple[int, int]]:
    return [(p, liq.available(SELL, p)) for p in (99, 98, 97)]


def test_a_buy_print_through_the_touch_takes_every_ask_below_it_and_its_size_at_its_price() -> None:
    liq = booked()
    liq.on_print(102, 3, BUY)
    assert ask_avail(liq) == [(101, 0), (102, 2), (103, 5)]
    assert bid_avail(liq) == [(99, 5), (98, 5), (97, 5)]  # the bids are below the print: untouched


def test_a_sell_print_mirrors_it_on_the_bids() -> None:
    liq = booked()
    liq.on_print(98, 7, SELL)
    assert bid_avail(liq) == [(99, 0), (98, 0), (97, 5)]  # 7 at 98 takes the 5 displayed, no more


def test_a_print_also_removes_the_other_sides_levels_it_crosses() -> None:
    liq = booked()
    liq.on_print(100, 1, BUY)  # inside the spread: nothing displayed traded
    liq.on_print(98, 1, BUY)  # a buy print at 98: an ask rested there, so no bid was above it
    assert bid_avail(liq) == [(99, 0), (98, 5), (97, 5)]
    assert ask_avail(liq) == [(101, 5), (102, 5), (103, 5)]


@pytest.mark.parametrize(
    ("price", "asks", "bids"),
    [
        (101, [(101, 3), (102, 5), (103, 5)], [(99, 5), (98, 5), (97, 5)]),  # reaches the asks: a buy
        (99, [(101, 5), (102, 5), (103, 5)], [(99, 3), (98, 5), (97, 5)]),  # reaches the bids: a sell
        (100, [(101, 5), (102, 5), (103, 5)], [(99, 5), (98, 5), (97, 5)]),  # inside the spread: nothing
    ],
)
def test_a_print_without_aggressor_takes_from_the_side_its_price_reaches(
    price: int, asks: list[tuple[int, int]], bids: list[tuple[int, int]]
) -> None:
    liq = booked()
    liq.on_print(price, 2, None)
    assert ask_avail(liq) == asks and bid_avail(liq) == bids


def test_consumption_lasts_until_a_newer_depth_message_names_the_level_or_a_snapshot() -> None:
    liq = booked()
    liq.on_print(103, 1, BUY)
    assert liq.on_delta(delta(T0 + 1, asks=[(101, 5)])) is True  # names 101 (same size): fresh again
    assert ask_avail(liq) == [(101, 5), (102, 0), (103, 4)]
    liq.on_snapshot(snap(T0 + 2, [(99, 5)], [(102, 2)]))
    assert liq.available(BUY, 102) == 2 and liq.consumed_ask == {}


def test_our_fills_are_consumed_until_the_level_updates() -> None:
    liq = booked()
    liq.take(BUY, 101, 4)
    liq.take(SELL, 99, 5)
    assert liq.available(BUY, 101) == 1 and liq.available(SELL, 99) == 0


def test_a_quote_newer_than_the_depth_hides_the_levels_it_shows_gone_until_the_depth_catches_up() -> None:
    liq = booked(update_id=10)
    liq.newer_quote(Quote(T0 + 1, 0, SYM, 98, 5, 102, 1, 12))  # bookTicker u=12 > depth u=10
    assert ask_avail(liq) == [(101, 0), (102, 5), (103, 5)]
    assert bid_avail(liq) == [(99, 0), (98, 5), (97, 5)]
    # a depth message older than the quote names 101 again: the quote still says it is gone
    assert liq.on_delta(BookDelta(T0 + 2, 0, SYM, (), ((101, 6),), 11, 11))
    assert liq.available(BUY, 101) == 0
    # the depth catches up (u=12 >= 12): the depth rules again and the quote is forgotten
    liq.on_delta(BookDelta(T0 + 3, 0, SYM, (), ((101, 6),), 12, 12))
    assert liq.available(BUY, 101) == 6 and liq.ticker is None


def test_resync_empties_the_book_drops_deltas_and_a_snapshot_ends_it() -> None:
    liq = booked()
    liq.on_print(101, 1, BUY)
    liq.resync()
    assert liq.book.empty and liq.consumed_ask == {} and liq.book.update_id == 0
    assert liq.on_delta(delta(T0 + 1, asks=[(101, 1)])) is False and liq.dropped_deltas == 1
    liq.on_snapshot(snap(T0 + 2, [(99, 1)], [(101, 1)]))
    assert not liq.resyncing and liq.available(BUY, 101) == 1


def test_a_quote_book_is_rebuilt_by_each_quote_and_the_first_feed_starts_the_book_once() -> None:
    started: list[int] = []
    liq = Liquidity(SYM, started.append)
    liq.on_quote(quote(T0, 99, 2, 101, 3))
    liq.on_print(101, 2, BUY)
    assert liq.available(BUY, 101) == 1
    liq.on_quote(quote(T0 + 1, 99, 2, 101, 3))
    assert liq.available(BUY, 101) == 3 and liq.from_quotes
    liq.on_delta(delta(T0 + 2, asks=[(102, 1)]))
    assert not liq.from_quotes and started == [T0]


def test_a_walk_takes_only_what_is_left_and_changes_nothing() -> None:
    liq = booked()
    liq.on_print(102, 2, BUY)
    walk = liq.walk(BUY, [], None, 6, None, INST, FeeModel(), "NONE")
    assert [(price, lots) for _, price, lots, _ in walk.steps] == [(102, 3), (103, 3)]
    assert walk.lots == 6 and liq.available(BUY, 102) == 3
    budget = liq.walk(BUY, [], 102, None, 306 * U, INST, FeeModel(), "NONE")
    assert [(price, lots) for _, price, lots, _ in budget.steps] == [(102, 3)]


@pytest.mark.parametrize("far", [5, 10_000])
def test_everything_better_than_a_print_is_gone_however_far_and_a_later_delta_brings_back_what_it_names(
    far: int,
) -> None:
    liq = Liquidity(SYM)
    liq.on_snapshot(snap(T0, [(100 + far, 1), (100, 2), (99, 3)], [(200, 1), (201, 2), (200 + far, 3)]))
    liq.on_print(99, 1, SELL)
    liq.on_print(200 + far, 1, BUY)
    assert [liq.available(SELL, p) for p in (100 + far, 100, 99)] == [0, 0, 2]
    assert [liq.available(BUY, p) for p in (200, 201, 200 + far)] == [0, 0, 2]
    liq.on_delta(delta(T0 + 1, bids=[(100, 4)], asks=[(201, 5), (199, 1)]))  # named: fresh again
    assert [liq.available(SELL, p) for p in (100 + far, 100)] == [0, 4]
    assert [liq.available(BUY, p) for p in (199, 200, 201)] == [1, 0, 5]
    liq.on_print(201 + far, 1, BUY)  # a later print through them takes them again
    liq.on_print(99, 1, SELL)
    assert liq.available(BUY, 201) == 0 and liq.available(SELL, 100) == 0


def test_an_empty_side_or_a_bound_behind_the_touch_takes_nothing() -> None:
    liq = booked()
    liq.on_print(100, 1, BUY)  # nothing displayed below 100 on the asks, nothing above it on the bids
    assert ask_avail(liq) == [(101, 5), (102, 5), (103, 5)] and liq.asks_gone_below is None
    empty = Liquidity(SYM)
    empty.on_print(100, 1, None)
    assert empty.available(BUY, 100) == 0 and empty.consumed_ask == {}


def test_only_the_newest_quote_counts_and_prints_still_consume_after_the_depth_catches_up() -> None:
    liq = booked(update_id=10)
    liq.newer_quote(Quote(T0 + 1, 0, SYM, 97, 5, 103, 1, 12))
    assert ask_avail(liq) == [(101, 0), (102, 0), (103, 5)] and bid_avail(liq) == [(99, 0), (98, 0), (97, 5)]
    liq.newer_quote(Quote(T0 + 2, 0, SYM, 99, 5, 101, 1, 13))  # the market came back
    assert ask_avail(liq) == [(101, 5), (102, 5), (103, 5)] and bid_avail(liq) == [(99, 5), (98, 5), (97, 5)]
    liq.on_print(102, 1, BUY)
    liq.on_snapshot(snap(T0 + 3, [(99, 5)], [(101, 5), (102, 5)])._replace(update_id=13))
    assert liq.ticker is None and liq.available(BUY, 101) == 5  # a snapshot ends everything


# -- the marks against a level-by-level model of the same rules ---------------------------------------------
class LevelByLevel:
    """The consumption rules kept the slow, obvious way: the set of displayed levels a print took
    (everything it traded through), less the prices a depth message named since."""

    def __init__(self) -> None:
        self.book = OrderBook(SYM)
        self.hidden_asks: set[int] = set()
        self.hidden_bids: set[int] = set()
        self.consumed_ask: dict[int, int] = {}
        self.consumed_bid: dict[int, int] = {}

    def reset(self) -> None:
        self.hidden_asks.clear(), self.hidden_bids.clear(), self.consumed_ask.clear(), self.consumed_bid.clear()

    def on_delta(self, bids: list[tuple[int, int]], asks: list[tuple[int, int]]) -> None:
        self.book.apply_delta(bids, asks)
        for price, _ in bids:
            self.hidden_bids.discard(price), self.consumed_bid.pop(price, None)
        for price, _ in asks:
            self.hidden_asks.discard(price), self.consumed_ask.pop(price, None)

    def on_print(self, price: int, size: int, aggressor: Side | None) -> None:
        asks, bids = self.book.asks, self.book.bids
        ask, bid = asks.best, bids.best
        if ask is not None and ask < price:
            self.hidden_asks.update(p for p in asks.levels if p < price)
        if bid is not None and bid > price:
            self.hidden_bids.update(p for p in bids.levels if p > price)
        if aggressor is BUY or (aggressor is None and ask is not None and price >= ask):
            level, consumed = asks.levels.get(price), self.consumed_ask
        elif aggressor is SELL or (aggressor is None and bid is not None and price <= bid):
            level, consumed = bids.levels.get(price), self.consumed_bid
        else:
            return
        if level:
            consumed[price] = min(consumed.get(price, 0) + size, level)

    def available(self, side: Side, price: int) -> int:
        if side is BUY:
            return (
                0
                if price in self.hidden_asks
                else self.book.asks.levels.get(price, 0) - self.consumed_ask.get(price, 0)
            )
        return 0 if price in self.hidden_bids else self.book.bids.levels.get(price, 0) - self.consumed_bid.get(price, 0)


PRICES = st.integers(90, 110)
LEVELS = st.lists(st.tuples(PRICES, st.integers(0, 4)), max_size=6)
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("delta"), LEVELS, LEVELS),
        st.tuples(st.just("print"), PRICES, st.integers(1, 5), st.sampled_from([BUY, SELL, None])),
        st.tuples(st.just("take"), st.sampled_from([BUY, SELL]), PRICES, st.integers(1, 3)),
        st.tuples(st.just("snapshot"), LEVELS, LEVELS),
    ),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(ops=OPS)
def test_the_gone_marks_take_exactly_what_a_level_by_level_record_takes_and_clear_once_nothing_is_beyond_them(
    ops: list[tuple[Any, ...]],
) -> None:
    liq, model = Liquidity(SYM), LevelByLevel()
    start = [(p, 1) for p in range(95, 100)], [(p, 1) for p in range(101, 106)]
    liq.on_snapshot(snap(T0, *start))
    model.book.apply_snapshot(*start)
    for op in ops:
        if op[0] == "delta":
            bids, asks = dict(op[1]), dict(op[2])  # one size per price, as venues send
            liq.on_delta(delta(T0, bids=list(bids.items()), asks=list(asks.items())))
            model.on_delta(list(bids.items()), list(asks.items()))
        elif op[0] == "print":
            liq.on_print(op[1], op[2], op[3])
            model.on_print(op[1], op[2], op[3])
        elif op[0] == "take":
            side, price, lots = op[1], op[2], op[3]
            if model.available(side, price) >= lots:  # the engine takes only what is available
                liq.take(side, price, lots)
                (model.consumed_ask if side is BUY else model.consumed_bid)[price] = (
                    model.consumed_ask if side is BUY else model.consumed_bid
                ).get(price, 0) + lots
        else:
            bids, asks = [lv for lv in op[1] if lv[1]], [lv for lv in op[2] if lv[1]]
            liq.on_snapshot(snap(T0, bids, asks))
            model.book.apply_snapshot(dict(bids).items(), dict(asks).items())
            model.reset()
        for price in range(89, 112):
            assert liq.available(BUY, price) == model.available(BUY, price), (op, price)
            assert liq.available(SELL, price) == model.available(SELL, price), (op, price)
        if op[0] == "delta":  # a mark with nothing displayed beyond it is gone, and so is its heap
            best_ask, best_bid = liq.book.asks.best, liq.book.bids.best
            if liq.asks_gone_below is not None:
                assert best_ask is not None and best_ask < liq.asks_gone_below
            else:
                assert not liq.asks_back and not liq.asks_back_order
            if liq.bids_gone_above is not None:
                assert best_bid is not None and best_bid > liq.bids_gone_above
            else:
                assert not liq.bids_back and not liq.bids_back_order
