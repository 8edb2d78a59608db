"""``SimulatedExchange.on_bar``: the candle hot path is ``on_market`` + ``advance`` in one call, nothing else."""

from __future__ import annotations

import random

import pytest
from sim_helpers import BUY, LIMIT, MARKET, SELL, STOP, SYM, T0, U, bar, exchange, order, trade

from jtrader.errors import DataError, TimestampError
from jtrader.model import Bar
from jtrader.sim import ConstantLatency, FeeModel

M = 60 * 10**9


def scripted_bars(n: int, seed: int) -> list[Bar]:
    rng = random.Random(seed)
    price = 1_000
    out = []
    for i in range(n):
        op = price
        price = max(10, price + rng.randint(-20, 20))
        out.append(
            bar(T0 + (i + 1) * M, op, max(op, price) + rng.randint(0, 5), min(op, price) - rng.randint(0, 5), price)
        )
    return out


def orders_for(i: int, b: Bar) -> list:  # type: ignore[type-arg]
    """A deterministic mix of market, limit and stop orders sent after some bars."""
    ts = b.ts
    if i % 7 == 0:
        return [order(ts, f"m{i}", BUY if i % 2 else SELL, MARKET, 2)]
    if i % 11 == 0:
        return [order(ts, f"l{i}", BUY, LIMIT, 3, price=b.close - 10)]
    if i % 13 == 0:
        return [order(ts, f"s{i}", SELL, STOP, 1, stop_price=b.close - 8)]
    return []


def run(feed_bar, *, latency: int, bar_fill: str) -> list:  # type: ignore[no-untyped-def,type-arg]
    ex = exchange(
        usd=10_000_000,
        btc=1_000,
        fees=FeeModel(taker_bps="10"),
        latency=ConstantLatency(latency, latency),
        bar_fill=bar_fill,
    )
    delivered = []
    for i, b in enumerate(scripted_bars(400, seed=7)):
        delivered.append((i, feed_bar(ex, b)))
        for cmd in orders_for(i, b):
            ex.submit(cmd)
    return delivered


@pytest.mark.parametrize("bar_fill", ["next_open", "close"])
@pytest.mark.parametrize("latency", [0, 30 * 10**9, 90 * 10**9])
def test_on_bar_delivers_exactly_what_on_market_then_advance_deliver(latency: int, bar_fill: str) -> None:
    def two_calls(ex, b):  # type: ignore[no-untyped-def]
        ex.on_market(b)
        return list(ex.advance(b.ts))

    def one_call(ex, b):  # type: ignore[no-untyped-def]
        return list(ex.on_bar(b))

    reference = run(two_calls, latency=latency, bar_fill=bar_fill)
    fast = run(one_call, latency=latency, bar_fill=bar_fill)
    assert fast == reference
    assert sum(len(events) for _, events in fast) > 100  # orders were accepted, filled, triggered


def test_an_idle_bar_returns_no_events_and_updates_the_last_price() -> None:
    ex = exchange()
    assert ex.on_bar(bar(T0, 100, 105, 95, 101)) == ()
    assert ex.last_price(SYM) == 101
    assert ex.next_wakeup() is None


def test_a_market_order_fills_at_the_next_bars_open_through_on_bar() -> None:
    ex = exchange()
    ex.on_bar(bar(T0, 100, 105, 95, 101))
    ex.submit(order(T0, "m", BUY, MARKET, 2))
    events = ex.on_bar(bar(T0 + M, 103, 106, 99, 104))
    assert [type(e).__name__ for e in events] == ["OrderAccepted", "OrderFilled"]
    assert events[1].price == 103 and events[1].size == 2
    assert ex.balance("BTC").total == 102 * U


def test_a_bar_for_an_unknown_symbol_is_counted_and_ignored() -> None:
    ex = exchange()
    assert ex.on_bar(bar(T0, 100, 105, 95, 101, symbol="ETH-USD")) == ()
    assert ex.ignored_messages == 1
    assert ex.last_price(SYM) is None


def test_on_bar_refuses_a_message_that_is_not_a_bar() -> None:
    ex = exchange()
    with pytest.raises(DataError, match="on_bar\\(\\) takes a Bar, got Trade"):
        ex.on_bar(trade(T0, 100, 1, BUY))  # type: ignore[arg-type]


@pytest.mark.parametrize("ts", [T0 - 1, 1.5, 2**70])
def test_on_bar_refuses_a_time_before_the_exchange_time_or_not_an_int(ts: object) -> None:
    ex = exchange()
    ex.on_bar(bar(T0, 100, 105, 95, 101))
    bad = bar(T0, 100, 105, 95, 102)._replace(ts=ts)
    with pytest.raises(TimestampError, match=r"Bar\.ts"):
        ex.on_bar(bad)
    assert ex.last_price(SYM) == 101  # nothing changed
