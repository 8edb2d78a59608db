"""The L2 order book: integer-tick levels, snapshot and deltas, reads, checked against a naive reference."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jtrader.book import BookSide, OrderBook
from jtrader.errors import BookError
from jtrader.model import BookDelta, BookSnapshot, Side

TS = 1_786_309_548_000_000_000


def book_with(bids: list[tuple[int, int]], asks: list[tuple[int, int]]) -> OrderBook:
    book = OrderBook("BTC-USD")
    book.apply_snapshot(bids, asks)
    return book


# -- a naive reference: two dicts and sorting -------------------------------------------------
class ReferenceBook:
    def __init__(self) -> None:
        self.bids: dict[int, int] = {}
        self.asks: dict[int, int] = {}
        self.absent_deletes = 0
        self.updates = 0

    def snapshot(self, bids: list[tuple[int, int]], asks: list[tuple[int, int]]) -> None:
        self.bids = {p: s for p, s in bids if s > 0}
        self.asks = {p: s for p, s in asks if s > 0}
        self.updates += len(bids) + len(asks)

    def delta(self, bids: list[tuple[int, int]], asks: list[tuple[int, int]]) -> None:
        for levels, updates in ((self.bids, bids), (self.asks, asks)):
            for price, size in updates:
                self.updates += 1
                if size:
                    levels[price] = size
                elif price in levels:
                    del levels[price]
                else:
                    self.absent_deletes += 1

    def sorted_bids(self) -> list[tuple[int, int]]:
        return sorted(self.bids.items(), reverse=True)

    def sorted_asks(self) -> list[tuple[int, int]]:
        return sorted(self.asks.items())


def assert_same(book: OrderBook, ref: ReferenceBook, probe: int) -> None:
    bids, asks = ref.sorted_bids(), ref.sorted_asks()
    assert book.best_bid == (bids[0][0] if bids else None)
    assert book.best_ask == (asks[0][0] if asks else None)
    assert book.best_bid_size == (bids[0][1] if bids else 0)
    assert book.best_ask_size == (asks[0][1] if asks else 0)
    assert list(book.bids.iter_levels()) == bids
    assert list(book.asks.iter_levels()) == asks
    for n in (0, 1, 2, 5, len(bids) + 3):
        assert book.top(n) == (bids[:n], asks[:n])
    assert len(book) == len(bids) + len(asks)
    assert book.empty == (not bids and not asks)
    assert book.bids.depth_to(probe) == sum(s for p, s in bids if p >= probe)
    assert book.asks.depth_to(probe) == sum(s for p, s in asks if p <= probe)
    assert book.bids.size_at(probe) == ref.bids.get(probe, 0)
    assert book.asks.size_at(probe) == ref.asks.get(probe, 0)
    assert book.absent_deletes == ref.absent_deletes
    assert book.updates == ref.updates
    if bids and asks:
        assert book.spread == asks[0][0] - bids[0][0]
        assert book.mid_x2 == asks[0][0] + bids[0][0]
        assert book.crossed == (bids[0][0] >= asks[0][0])
    else:
        assert book.spread is None
        assert book.mid_x2 is None
        assert not book.crossed
    for side in (book.bids, book.asks):
        assert len(side._heap) <= 2 * len(side) + 64


levels = st.lists(st.tuples(st.integers(100, 160), st.integers(0, 4)), max_size=12)
operations = st.lists(st.tuples(st.sampled_from(["delta", "delta", "delta", "snapshot"]), levels, levels), max_size=40)


@settings(max_examples=300)
@given(ops=operations, probe=st.integers(95, 165))
def test_book_matches_a_naive_reference_after_every_message(ops: list, probe: int) -> None:
    book, ref = OrderBook("BTC-USD"), ReferenceBook()
    for kind, bids, asks in ops:
        if kind == "snapshot":
            book.apply_snapshot(bids, asks)
            ref.snapshot(bids, asks)
        else:
            book.apply_delta(bids, asks)
            ref.delta(bids, asks)
        assert_same(book, ref, probe)


@settings(max_examples=100)
@given(ops=st.lists(st.tuples(st.integers(0, 400), st.integers(0, 3)), max_size=600))
def test_one_side_matches_the_reference_through_long_add_delete_runs(ops: list[tuple[int, int]]) -> None:
    book, ref = OrderBook("X"), ReferenceBook()
    for price, size in ops:
        book.apply_delta([(price, size)], [(price + 1000, size)])
        ref.delta([(price, size)], [(price + 1000, size)])
        assert book.best_bid == max(ref.bids, default=None)
        assert book.best_ask == min(ref.asks, default=None)
    assert_same(book, ref, 200)


# -- snapshot and delta semantics ---------------------------------------------------------------
def test_snapshot_replaces_the_whole_book() -> None:
    book = book_with([(100, 1), (99, 2)], [(101, 3)])
    book.apply_snapshot([(90, 5)], [(95, 6), (96, 1)])
    assert book.top(10) == ([(90, 5)], [(95, 6), (96, 1)])
    assert book.bids.size_at(100) == 0


def test_snapshot_ignores_levels_of_size_zero() -> None:
    book = book_with([(100, 0), (99, 2)], [(101, 0)])
    assert book.top(5) == ([(99, 2)], [])
    assert book.best_ask is None


def test_delta_sets_absolute_sizes_adds_levels_and_deletes_with_zero() -> None:
    book = book_with([(100, 1), (99, 2)], [(101, 3), (102, 4)])
    book.apply_delta([(100, 7), (98, 1)], [(101, 0)])
    assert book.top(5) == ([(100, 7), (99, 2), (98, 1)], [(102, 4)])
    assert book.best_ask == 102


def test_deleting_an_absent_level_is_counted_not_fatal() -> None:
    book = book_with([(100, 1)], [(101, 1)])
    book.apply_delta([(50, 0), (100, 0)], [(500, 0)])
    assert book.absent_deletes == 2
    assert book.best_bid is None
    assert book.best_ask == 101
    book.apply_delta([(100, 0)], [])
    assert book.absent_deletes == 3


def test_updates_counts_every_level_applied_including_snapshot_levels() -> None:
    book = book_with([(100, 1), (99, 1)], [(101, 1)])
    assert book.updates == 3
    book.apply_delta([(100, 0)], [(101, 2), (105, 0)])
    assert book.updates == 6


def test_a_later_level_in_the_same_frame_wins() -> None:
    book = book_with([], [])
    book.apply_delta([(100, 1), (100, 0), (100, 5)], [])
    assert book.top(3) == ([(100, 5)], [])


def test_deleting_the_best_level_moves_best_to_the_next_live_level() -> None:
    book = book_with([(100, 1), (99, 1), (98, 1)], [(101, 1), (102, 1), (103, 1)])
    book.apply_delta([(99, 0), (100, 0)], [(101, 0)])
    assert (book.best_bid, book.best_ask) == (98, 102)
    book.apply_delta([(98, 0)], [(102, 0), (103, 0)])
    assert (book.best_bid, book.best_ask) == (None, None)
    assert book.empty


def test_a_level_deleted_and_added_again_is_live_once() -> None:
    book = book_with([(100, 1), (99, 1)], [])
    for _ in range(5):
        book.apply_delta([(99, 0)], [])
        book.apply_delta([(99, 3)], [])
    book.apply_delta([(100, 0)], [])
    assert book.best_bid == 99
    assert list(book.bids.iter_levels()) == [(99, 3)]
    book.apply_delta([(99, 0)], [])
    assert book.best_bid is None


def test_apply_dispatches_snapshots_and_deltas_and_tracks_the_update_id() -> None:
    book = OrderBook("BTC-USD")
    book.apply(BookSnapshot(TS, 0, "BTC-USD", ((100, 1),), ((101, 1),), update_id=10))
    assert book.update_id == 10
    book.apply(BookDelta(TS, 0, "BTC-USD", ((100, 0), (99, 4)), (), update_id=12, first_update_id=11))
    assert book.update_id == 12
    assert book.top(2) == ([(99, 4)], [(101, 1)])
    book.apply(BookSnapshot(TS, 0, "BTC-USD", ((90, 1),), ((91, 1),)))
    assert book.update_id == 0
    assert book.top(2) == ([(90, 1)], [(91, 1)])


def test_clear_empties_both_sides_and_forgets_the_update_id() -> None:
    book = OrderBook("BTC-USD")
    book.apply(BookSnapshot(TS, 0, "BTC-USD", ((100, 1),), ((101, 1),), update_id=10))
    book.clear()
    assert book.empty
    assert (book.best_bid, book.best_ask, book.update_id, len(book)) == (None, None, 0, 0)
    book.apply_delta([(100, 2)], [])
    assert book.best_bid == 100


# -- reads ----------------------------------------------------------------------------------------
def test_best_prices_sizes_spread_and_mid() -> None:
    book = book_with([(100, 3), (98, 1)], [(104, 2), (110, 9)])
    assert (book.best_bid, book.best_bid_size, book.best_ask, book.best_ask_size) == (100, 3, 104, 2)
    assert book.spread == 4
    assert book.mid_x2 == 204
    assert not book.crossed


def test_an_empty_side_has_no_best_no_spread_and_no_mid() -> None:
    book = book_with([(100, 3)], [])
    assert book.best_ask is None
    assert book.best_ask_size == 0
    assert book.spread is None
    assert book.mid_x2 is None
    assert not book.crossed


@pytest.mark.parametrize(("bid", "ask", "crossed"), [(100, 101, False), (100, 100, True), (102, 100, True)])
def test_a_crossed_or_locked_book_is_detected_not_fixed(bid: int, ask: int, crossed: bool) -> None:
    book = book_with([(bid, 1)], [(ask, 1)])
    assert book.crossed is crossed
    assert book.spread == ask - bid
    assert (book.best_bid, book.best_ask) == (bid, ask)


def test_top_n_larger_than_the_book_returns_every_level_best_first() -> None:
    book = book_with([(98, 1), (100, 2), (99, 3)], [(103, 1), (101, 2)])
    assert book.top(50) == ([(100, 2), (99, 3), (98, 1)], [(101, 2), (103, 1)])
    assert book.top(1) == ([(100, 2)], [(101, 2)])
    assert book.top(0) == ([], [])
    assert book.top(-3) == ([], [])
    assert OrderBook("X").top(1) == ([], [])


def test_iter_levels_walks_a_deep_book_best_first_and_lazily() -> None:
    book = book_with([(p, p) for p in range(1, 1001)], [(p, 1) for p in range(2000, 1000, -1)])
    bids = list(book.bids.iter_levels())
    asks = list(book.asks.iter_levels())
    assert bids == [(p, p) for p in range(1000, 0, -1)]
    assert asks == [(p, 1) for p in range(1001, 2001)]
    walker = book.bids.iter_levels()
    assert [next(walker) for _ in range(3)] == [(1000, 1000), (999, 999), (998, 998)]


def test_iter_levels_of_an_empty_side_yields_nothing() -> None:
    assert list(OrderBook("X").bids.iter_levels()) == []


def test_iter_levels_skips_stale_and_repeated_heap_entries() -> None:
    book = book_with([(100, 1), (99, 2), (98, 3)], [(101, 1), (102, 2), (103, 3)])
    for price, size in ((100, 0), (100, 5), (99, 0), (101, 0), (101, 4), (101, 0), (101, 6), (102, 0)):
        side = book.bids if price < 101 else book.asks
        side.set(price, size)  # deleted and re-added levels leave old entries in the heap
    assert list(book.bids.iter_levels()) == [(100, 5), (98, 3)]
    assert list(book.asks.iter_levels()) == [(101, 6), (103, 3)]


def test_depth_to_sums_the_levels_at_or_better_than_a_price() -> None:
    book = book_with([(100, 1), (99, 2), (97, 4)], [(101, 1), (102, 2), (104, 4)])
    assert book.bids.depth_to(100) == 1
    assert book.bids.depth_to(99) == 3
    assert book.bids.depth_to(98) == 3
    assert book.bids.depth_to(0) == 7
    assert book.bids.depth_to(101) == 0
    assert book.asks.depth_to(102) == 3
    assert book.asks.depth_to(1000) == 7
    assert book.asks.depth_to(100) == 0


def test_side_picks_the_side_an_order_would_rest_on() -> None:
    book = OrderBook("X")
    assert book.side(Side.BUY) is book.bids
    assert book.side(Side.SELL) is book.asks


def test_repr_names_symbol_best_prices_and_level_count() -> None:
    assert repr(book_with([(100, 1)], [(101, 1), (102, 1)])) == "OrderBook('BTC-USD', bid=100, ask=101, levels=3)"


# -- memory ---------------------------------------------------------------------------------------
def test_heap_stays_proportional_to_live_levels_after_many_add_delete_cycles() -> None:
    book = book_with([(1000, 1)], [(2000, 1)])
    for cycle in range(200):
        prices = range(500 + cycle % 7, 1000, 3)
        book.apply_delta([(p, 1) for p in prices], [(p + 2001, 1) for p in prices])
        book.apply_delta([(p, 0) for p in prices], [(p + 2001, 0) for p in prices])
        for side in (book.bids, book.asks):
            assert len(side._heap) <= 2 * len(side) + 64
    assert len(book) == 2
    assert (book.best_bid, book.best_ask) == (1000, 2000)
    assert len(book.bids._heap) <= 66
    assert len(book.asks._heap) <= 66


def test_heap_stays_bounded_when_the_best_level_flickers() -> None:
    side = BookSide(is_bid=False)
    side.load([(p, 1) for p in range(100, 110)])
    for i in range(10_000):
        side.set(99, 1)
        side.set(99, 0)
        side.set(200 + i % 50, 1)
        side.set(200 + i % 50, 0)
        assert len(side._heap) <= 2 * len(side) + 64
    assert side.best == 100
    assert len(side) == 10


def test_clearing_a_side_drops_its_levels_and_heap() -> None:
    side = BookSide(is_bid=True)
    side.load([(1, 1), (2, 2)])
    side.clear()
    assert (len(side), side._heap, side.best) == (0, [], None)


# -- bad input ------------------------------------------------------------------------------------
def test_a_snapshot_with_a_negative_size_raises_book_error_and_changes_nothing() -> None:
    book = book_with([(100, 1)], [(101, 1)])
    with pytest.raises(BookError, match="negative size -3 at price 105"):
        book.apply_snapshot([(90, 1)], [(105, -3)])
    assert book.top(5) == ([(100, 1)], [(101, 1)])
    assert book.updates == 2


def test_a_delta_with_a_negative_size_raises_book_error_at_that_level() -> None:
    book = book_with([(100, 1)], [(101, 1)])
    with pytest.raises(BookError, match="BTC-USD: negative size -1 at price 99 ticks"):
        book.apply_delta([(98, 2), (99, -1), (97, 5)], [])
    assert book.bids.size_at(98) == 2  # applied before the bad level, as documented
    assert book.bids.size_at(97) == 0
    assert book.updates == 3
    with pytest.raises(BookError):
        book.apply_delta([], [(101, -1)])
    assert book.asks.size_at(101) == 1


def test_book_side_set_reports_absent_deletes_and_refuses_negative_sizes() -> None:
    side = BookSide(is_bid=True)
    assert side.set(100, 5) is True
    assert side.set(100, 6) is True
    assert side.set(101, 1) is True
    assert side.best == 101
    assert side.set(101, 0) is True
    assert side.best == 100
    assert side.set(101, 0) is False
    with pytest.raises(BookError, match="negative size"):
        side.set(100, -1)
    assert side.levels == {100: 6}


def test_book_side_load_ignores_zero_levels_and_keeps_the_last_duplicate() -> None:
    side = BookSide(is_bid=False)
    side.load(iter([(105, 1), (103, 0), (104, 2), (105, 7)]))
    assert list(side.iter_levels()) == [(104, 2), (105, 7)]
    assert side.best == 104
    with pytest.raises(BookError):
        side.load([(1, 1), (2, -2)])
    assert side.best == 104


def test_deleting_the_best_level_also_compacts_a_heap_full_of_stale_entries() -> None:
    side = BookSide(is_bid=True)
    side.load([(p, 1) for p in range(1, 101)])
    # stale entries below the best: add and delete a worse price until the heap is at its bound
    while len(side._heap) < 2 * len(side) + 64:
        side.set(0, 1)
        side.set(0, 0)
    assert len(side._heap) == 2 * len(side) + 64
    side.set(100, 0)  # the best: popped from the top, then the heap is over the bound
    assert side.best == 99
    assert len(side._heap) == len(side) == 99
    assert list(side.iter_levels())[:2] == [(99, 1), (98, 1)]
