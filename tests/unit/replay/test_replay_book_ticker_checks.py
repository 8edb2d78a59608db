"""The replay's Binance check layer: the fused ``_checked`` generator does what ``observed`` does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jtrader.book import OrderBook
from jtrader.marketgen import generate
from jtrader.model import BookDelta, BookResync, BookSnapshot, Heartbeat, Quote, Trade
from jtrader.replay.runner import ReplayConfig, _checked, replay
from jtrader.replay.source import observed
from jtrader.venues import BookTickerCheck

SYM = "BTCUSDT"
T0 = 1_700_000_000 * 10**9


def stream() -> list[Any]:
    """Quotes held until the book reaches their id, one that disagrees, a resync, other messages."""
    return [
        Heartbeat(T0, 0),
        Quote(T0 + 1, 0, SYM, 100, 5, 101, 4, 11),  # held: the book is not at 11 yet
        Quote(T0 + 2, 0, SYM, 100, 5, 101, 4, 0),  # no update id: never checked
        BookSnapshot(T0 + 3, 0, SYM, ((100, 5),), ((101, 4),), 10),
        BookDelta(T0 + 4, 0, SYM, ((100, 6),), (), 11, 11),  # lands on 11: the quote disagrees (size 5)
        Quote(T0 + 5, 0, SYM, 100, 6, 101, 4, 11),  # at the book's id: checked now, agrees
        Quote(T0 + 6, 0, "ETHUSDT", 50, 1, 51, 1, 3),  # a symbol without a book: held forever
        BookDelta(T0 + 7, 0, "ETHUSDT", ((50, 1),), (), 3, 3),  # no book: nothing to compare with
        Trade(T0 + 8, 0, SYM, 100, 1, None),
        Quote(T0 + 9, 0, SYM, 99, 1, 101, 4, 14),  # held, then dropped by the resync
        BookResync(T0 + 10, SYM, "gap"),
        BookSnapshot(T0 + 11, 0, SYM, ((99, 1),), ((101, 4),), 20),
    ]


def consume(messages: Any, books: dict[str, OrderBook]) -> list[Any]:
    """What the engine does with book messages, in the order the replay feeds them."""
    seen = []
    for msg in messages:
        if type(msg) in (BookSnapshot, BookDelta) and msg.symbol in books:
            books[msg.symbol].apply(msg)
        seen.append(msg)
    return seen


def through_observed() -> tuple[list[Any], BookTickerCheck]:
    check, books = BookTickerCheck(), {SYM: OrderBook(SYM)}

    def before(msg: Quote | BookResync) -> None:
        if type(msg) is Quote:
            if msg.update_id:
                check.on_quote(msg)
        else:
            check.reset(msg.symbol)

    def after_book(msg: BookSnapshot | BookDelta) -> None:
        book = books.get(msg.symbol)
        if book is not None:
            check.on_book(msg.symbol, msg.update_id, book)

    return consume(observed(iter(stream()), None, before, after_book), books), check


def through_checked() -> tuple[list[Any], BookTickerCheck]:
    check, books = BookTickerCheck(), {SYM: OrderBook(SYM)}
    return consume(_checked(iter(stream()), check, books), books), check


def test_the_checked_layer_passes_every_message_through_in_order() -> None:
    seen, _ = through_checked()
    assert seen == stream()


def test_the_checked_layer_counts_what_the_observed_layer_counts() -> None:
    _, fused = through_checked()
    _, reference = through_observed()
    assert (fused.checked, fused.mismatched, fused.discarded) == (2, 1, 1)
    assert (fused.checked, fused.mismatched, fused.discarded) == (
        reference.checked,
        reference.mismatched,
        reference.discarded,
    )
    assert fused.mismatches == reference.mismatches


def test_a_paced_binance_replay_checks_the_same_quotes_as_an_unpaced_one(tmp_path: Path) -> None:
    path = tmp_path / "binance.jtrec"
    generate("binance", 5, 3, path)
    clock = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    paced = replay(path, ReplayConfig(speed=1000.0, sleep=sleep, monotonic=lambda: clock[0])).summary
    fast = replay(path, ReplayConfig()).summary
    assert paced["book_checks"] == fast["book_checks"]
    assert paced["book_checks"]["checked"] > 0 and paced["book_checks"]["mismatched"] == 0
    assert paced["books"] == fast["books"]
    assert slept and sum(slept) <= (paced["end_ts"] - paced["start_ts"]) / 1e9 / 1000.0 + 1e-9
