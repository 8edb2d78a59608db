"""``SimulatedExchange.on_trade`` and ``on_quote``: ``on_market`` + ``advance`` in one call, nothing else."""

from __future__ import annotations

import random

import pytest
from sim_helpers import BUY, LIMIT, MARKET, MS, SELL, STOP, SYM, T0, exchange, order, quote, snap, trade

from jtrader.errors import DataError, TimestampError
from jtrader.model import Quote, Trade
from jtrader.sim import ConstantLatency, FeeModel


def scripted_market(n: int, seed: int, *, depth: bool) -> list:  # type: ignore[type-arg]
    """Trades and quotes around 1000 (with a depth snapshot now and then when ``depth``)."""
    rng = random.Random(seed)
    out: list = []  # type: ignore[type-arg]
    mid = 1000
    for i in range(n):
        ts = T0 + i * 10 * MS
        mid = max(50, mid + rng.randint(-3, 3))
        roll = rng.random()
        if depth and i % 53 == 0:
            out.append(snap(ts, [(mid - 1, 4), (mid - 2, 9)], [(mid + 1, 4), (mid + 2, 9)]))
        elif roll < 0.6:
            out.append(quote(ts, mid - 1, rng.randint(1, 6), mid + 1, rng.randint(1, 6)))
        else:
            out.append(trade(ts, mid + rng.randint(-2, 2), rng.randint(1, 4), BUY if roll < 0.8 else SELL))
    return out


def orders_for(i: int, ts: int) -> list:  # type: ignore[type-arg]
    if i % 9 == 0:
        return [order(ts, f"m{i}", BUY if i % 2 else SELL, MARKET, 2)]
    if i % 11 == 0:
        return [order(ts, f"l{i}", SELL if i % 3 else BUY, LIMIT, 3, price=1002 if i % 3 else 998)]
    if i % 13 == 0:
        return [order(ts, f"s{i}", SELL, STOP, 1, stop_price=995)]
    return []


def run(feed, *, latency: int, depth: bool) -> list:  # type: ignore[no-untyped-def,type-arg]
    ex = exchange(usd=10_000_000, btc=1_000, fees=FeeModel(taker_bps="10"), latency=ConstantLatency(latency, latency))
    delivered = []
    for i, msg in enumerate(scripted_market(800, seed=5, depth=depth)):
        delivered.append((i, feed(ex, msg), ex.book(SYM).top(2), ex.last_price(SYM)))
        for cmd in orders_for(i, msg.ts):
            ex.submit(cmd)
    delivered.append(("open", ex.open_orders(), ex.balance("USD"), ex.balance("BTC")))
    return delivered


def two_calls(ex, msg):  # type: ignore[no-untyped-def]
    ex.on_market(msg)
    return list(ex.advance(msg.ts))


def one_call(ex, msg):  # type: ignore[no-untyped-def]
    fused = {Trade: ex.on_trade, Quote: ex.on_quote}.get(type(msg), ex.on_book)
    return list(fused(msg))


@pytest.mark.parametrize("depth", [False, True], ids=["quote_book", "depth_book"])
@pytest.mark.parametrize("latency", [0, 15 * MS, 200 * MS])
def test_on_trade_and_on_quote_deliver_exactly_what_on_market_then_advance_deliver(latency: int, depth: bool) -> None:
    reference = run(two_calls, latency=latency, depth=depth)
    fast = run(one_call, latency=latency, depth=depth)
    assert fast == reference
    fills = sum(1 for row in fast[:-1] for ev in row[1] if type(ev).__name__ == "OrderFilled")
    assert fills > 20  # market orders, resting limits and stops were filled by trades and quotes


def test_an_idle_trade_returns_no_events_and_sets_the_last_price() -> None:
    ex = exchange()
    assert ex.on_trade(trade(T0, 101, 1, BUY)) == ()
    assert ex.last_price(SYM) == 101
    assert ex.next_wakeup() is None


def test_an_idle_quote_returns_no_events_and_builds_a_one_level_book() -> None:
    ex = exchange()
    assert ex.on_quote(quote(T0, 99, 2, 101, 3)) == ()
    assert ex.book(SYM).top(5) == ([(99, 2)], [(101, 3)])


def test_a_quote_leaves_a_depth_book_alone() -> None:
    ex = exchange()
    ex.on_book(snap(T0, [(99, 1), (98, 4)], [(101, 2)]))
    assert ex.on_quote(quote(T0 + 1, 97, 2, 103, 3)) == ()
    assert ex.book(SYM).top(5) == ([(99, 1), (98, 4)], [(101, 2)])


def test_a_trade_or_quote_delivers_the_events_due_by_its_time() -> None:
    ex = exchange(latency=ConstantLatency(5 * MS, 5 * MS))
    ex.on_quote(quote(T0, 99, 2, 101, 3))
    ex.submit(order(T0, "a", BUY, MARKET, 1))
    assert ex.on_trade(trade(T0 + 5 * MS, 100, 1, SELL)) == ()  # arrives and fills; delivered at +10 ms
    events = ex.on_quote(quote(T0 + 10 * MS, 99, 2, 101, 2))
    assert [type(ev).__name__ for ev in events] == ["OrderAccepted", "OrderFilled"]
    assert ex.next_wakeup() is None


def test_trades_and_quotes_for_an_unknown_symbol_are_counted_and_ignored() -> None:
    ex = exchange()
    assert ex.on_trade(trade(T0, 100, 1, BUY, symbol="ETH-USD")) == ()
    assert ex.on_quote(quote(T0, 99, 1, 101, 1, symbol="ETH-USD")) == ()
    assert ex.ignored_messages == 2
    assert ex.last_price(SYM) is None


@pytest.mark.parametrize(
    ("method", "message", "expected"),
    [
        ("on_trade", quote(T0, 99, 1, 101, 1), r"on_trade\(\) takes a Trade, got Quote"),
        ("on_quote", trade(T0, 100, 1, BUY), r"on_quote\(\) takes a Quote, got Trade"),
    ],
)
def test_the_fused_paths_refuse_a_message_of_another_type(method: str, message: object, expected: str) -> None:
    ex = exchange()
    with pytest.raises(DataError, match=expected):
        getattr(ex, method)(message)


@pytest.mark.parametrize("ts", [T0 - 1, 1.5, 2**70])
def test_the_fused_paths_refuse_a_time_before_the_exchange_time_or_not_an_int(ts: object) -> None:
    ex = exchange()
    ex.on_quote(quote(T0, 99, 1, 101, 2))
    ex.on_trade(trade(T0, 100, 1, BUY))
    with pytest.raises(TimestampError, match=r"Trade\.ts"):
        ex.on_trade(trade(T0, 50, 1, BUY)._replace(ts=ts))
    with pytest.raises(TimestampError, match=r"Quote\.ts"):
        ex.on_quote(quote(T0, 50, 1, 60, 1)._replace(ts=ts))
    assert ex.last_price(SYM) == 100  # nothing changed
    assert ex.book(SYM).top(1) == ([(99, 1)], [(101, 2)])
