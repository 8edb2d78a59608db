"""``SimulatedExchange.on_book``: the replay hot path is ``on_market`` + ``advance`` in one call, nothing else."""

from __future__ import annotations

import random

import pytest
from sim_helpers import BUY, LIMIT, MARKET, MS, SELL, STOP, SYM, T0, delta, exchange, order, snap, trade

from jtrader.errors import DataError, TimestampError
from jtrader.model import BookDelta, BookSnapshot
from jtrader.sim import ConstantLatency, FeeModel


def scripted_book(n: int, seed: int) -> list[BookSnapshot | BookDelta]:
    """A snapshot, then deltas moving the touch around 1000, with a fresh snapshot now and then."""
    rng = random.Random(seed)
    out: list[BookSnapshot | BookDelta] = [snap(T0, [(999, 5), (998, 5)], [(1001, 5), (1002, 5)])]
    mid = 1000
    for i in range(1, n):
        ts = T0 + i * 10 * MS
        mid = max(50, mid + rng.randint(-3, 3))
        if i % 97 == 0:
            out.append(snap(ts, [(mid - 1, 4), (mid - 2, 9)], [(mid + 1, 4), (mid + 2, 9)]))
            continue
        bids = [(mid - rng.randint(1, 4), rng.randint(0, 6)) for _ in range(rng.randint(0, 3))]
        asks = [(mid + rng.randint(1, 4), rng.randint(0, 6)) for _ in range(rng.randint(0, 3))]
        out.append(delta(ts, bids, asks))
    return out


def orders_for(i: int, msg: BookSnapshot | BookDelta) -> list:  # type: ignore[type-arg]
    ts = msg.ts
    if i % 9 == 0:
        return [order(ts, f"m{i}", BUY if i % 2 else SELL, MARKET, 2)]
    if i % 11 == 0:
        return [order(ts, f"l{i}", SELL, LIMIT, 3, price=1003)]
    if i % 13 == 0:
        return [order(ts, f"s{i}", SELL, STOP, 1, stop_price=995)]
    return []


def run(feed, *, latency: int) -> list:  # type: ignore[no-untyped-def,type-arg]
    ex = exchange(usd=10_000_000, btc=1_000, fees=FeeModel(taker_bps="10"), latency=ConstantLatency(latency, latency))
    delivered = []
    for i, msg in enumerate(scripted_book(600, seed=11)):
        delivered.append((i, feed(ex, msg), ex.book(SYM).top(3)))
        for cmd in orders_for(i, msg):
            ex.submit(cmd)
    return delivered


@pytest.mark.parametrize("latency", [0, 15 * MS, 200 * MS])
def test_on_book_delivers_exactly_what_on_market_then_advance_deliver(latency: int) -> None:
    def two_calls(ex, msg):  # type: ignore[no-untyped-def]
        ex.on_market(msg)
        return list(ex.advance(msg.ts))

    def one_call(ex, msg):  # type: ignore[no-untyped-def]
        return list(ex.on_book(msg))

    reference = run(two_calls, latency=latency)
    fast = run(one_call, latency=latency)
    assert fast == reference
    assert sum(len(events) for _, events, _ in fast) > 100  # orders were accepted and filled


def test_an_idle_book_message_returns_no_events_and_updates_the_book() -> None:
    ex = exchange()
    assert ex.on_book(snap(T0, [(99, 1)], [(101, 2)])) == ()
    assert ex.on_book(delta(T0 + 1, [(100, 3)], [(101, 0)])) == ()
    assert ex.book(SYM).top(1) == ([(100, 3)], [])
    assert ex.next_wakeup() is None


def test_a_book_message_for_an_unknown_symbol_is_counted_and_ignored() -> None:
    ex = exchange()
    assert ex.on_book(delta(T0, [(100, 3)], symbol="ETH-USD")) == ()
    assert ex.on_book(snap(T0, [(100, 3)], [], symbol="ETH-USD")) == ()
    assert ex.ignored_messages == 2


def test_on_book_refuses_a_message_that_is_not_a_book_message() -> None:
    ex = exchange()
    with pytest.raises(DataError, match="on_book\\(\\) takes a BookSnapshot or BookDelta, got Trade"):
        ex.on_book(trade(T0, 100, 1, BUY))  # type: ignore[arg-type]


@pytest.mark.parametrize("ts", [T0 - 1, 1.5, 2**70])
def test_on_book_refuses_a_time_before_the_exchange_time_or_not_an_int(ts: object) -> None:
    ex = exchange()
    ex.on_book(snap(T0, [(99, 1)], [(101, 2)]))
    with pytest.raises(TimestampError, match=r"BookDelta\.ts"):
        ex.on_book(delta(T0, [(100, 5)])._replace(ts=ts))
    assert ex.book(SYM).top(1) == ([(99, 1)], [(101, 2)])  # nothing changed
