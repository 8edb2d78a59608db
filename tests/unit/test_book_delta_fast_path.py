"""OrderBook.apply_delta keeps the best price in a local: the cases where that could go wrong."""

from __future__ import annotations

import pytest

from jtrader.book import OrderBook
from jtrader.errors import BookError


def book_with(bids: list[tuple[int, int]], asks: list[tuple[int, int]]) -> OrderBook:
    book = OrderBook("BTC-USD")
    book.apply_snapshot(bids, asks)
    return book


def test_deleting_the_best_then_adding_a_worse_level_finds_the_true_best() -> None:
    book = book_with([(100, 1), (98, 1)], [(101, 1), (103, 1)])
    book.apply_delta([(100, 0), (97, 5)], [(101, 0), (104, 5)])
    assert (book.best_bid, book.best_ask) == (98, 103)


def test_deleting_the_best_then_adding_it_again_keeps_it_best() -> None:
    book = book_with([(100, 1), (98, 1)], [(101, 1)])
    book.apply_delta([(100, 0), (100, 7)], [(101, 0), (101, 2)])
    assert book.top(1) == ([(100, 7)], [(101, 2)])


def test_deleting_the_best_then_adding_a_better_level_makes_that_the_best() -> None:
    book = book_with([(100, 1), (98, 1)], [(101, 1), (105, 1)])
    book.apply_delta([(100, 0), (99, 3), (100, 0)], [(101, 0), (102, 3)])
    assert book.top(2) == ([(99, 3), (98, 1)], [(102, 3), (105, 1)])


def test_emptying_a_side_leaves_no_best() -> None:
    book = book_with([(100, 1)], [(101, 1)])
    book.apply_delta([(100, 0)], [(101, 0), (101, 0)])
    assert (book.best_bid, book.best_ask, book.absent_deletes) == (None, None, 1)


def test_levels_may_come_from_any_iterable() -> None:
    book = book_with([(100, 1)], [(101, 1)])
    book.apply_delta(iter([(99, 2), (100, 0)]), (level for level in [(102, 4)]))
    assert book.top(2) == ([(99, 2)], [(101, 1), (102, 4)])
    assert book.updates == 2 + 3


def test_a_negative_size_after_deleting_the_best_leaves_a_consistent_book() -> None:
    book = book_with([(100, 1), (98, 1)], [(101, 1)])
    with pytest.raises(BookError, match="negative size -2 at price 97"):
        book.apply_delta([[100, 0], [96, 1], [97, -2], [99, 9]], [])
    assert book.best_bid == 98 and book.bids.size_at(96) == 1 and book.bids.size_at(99) == 0
    assert book.updates == 3 + 2
    book.apply_delta([(98, 0)], [])
    assert book.best_bid == 96


def test_many_deletes_of_the_best_keep_the_heap_bounded() -> None:
    book = book_with([(p, 1) for p in range(1000)], [])
    book.apply_delta([(p, 0) for p in range(999, 10, -1)], [])
    assert book.best_bid == 10
    assert len(book.bids._heap) <= 2 * len(book.bids) + 64
