"""Throughput of the simulated exchange: limit submit+cancel, market walks, and the per-message paths.

Per message (no order of ours involved, or a few resting far away): idle bars, book deltas with
and without resting orders, prints without resting orders (they consume the book they trade
through) and bookTickers newer than the depth (they trim the levels they show gone).
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from jtrader.model import (
    ATOMS_PER_UNIT,
    Bar,
    BookDelta,
    BookSnapshot,
    CancelOrder,
    Instrument,
    OrderType,
    Quote,
    Side,
    SubmitOrder,
    Trade,
)
from jtrader.sim import FeeModel, SimulatedExchange

T0 = 1_700_000_000 * 10**9
REFRESH_BIDS = tuple((6_500_000 - i, 10**8) for i in range(1, 6))
REFRESH_ASKS = tuple((6_500_000 + i, 10**8) for i in range(1, 6))
INST = Instrument("BTC-USD", "BTC", "USD", "0.01", "0.00000001")


def n_for(request: pytest.FixtureRequest, full: int) -> int:
    """``full`` when timed, 200 under ``--benchmark-disable`` (CI)."""
    return 200 if request.config.getoption("benchmark_disable") else full


def seeded_exchange() -> SimulatedExchange:
    rng = random.Random(42)
    ex = SimulatedExchange(
        [INST],
        balances={"USD": 10**12 * ATOMS_PER_UNIT, "BTC": 10**6 * ATOMS_PER_UNIT},
        fees=FeeModel("1", "5"),
    )
    mid = 6_500_000
    bids = tuple((mid - i, rng.randint(10**5, 10**8)) for i in range(1, 501))
    asks = tuple((mid + i, rng.randint(10**5, 10**8)) for i in range(1, 501))
    ex.on_market(BookSnapshot(T0, 0, "BTC-USD", bids, asks))
    return ex


def test_bench_limit_submit_and_cancel(benchmark: Any, request: pytest.FixtureRequest) -> None:
    n = n_for(request, 10_000)
    rng = random.Random(1)
    prices = [6_500_000 - rng.randint(1, 400) for _ in range(n)]

    def run() -> int:
        ex = seeded_exchange()
        ts = T0 + 1
        for i, price in enumerate(prices):
            ex.submit(SubmitOrder(ts, f"o{i}", "BTC-USD", Side.BUY, OrderType.LIMIT, 10**6, price=price))
        ex.advance(ts)
        for i in range(n):
            ex.cancel(CancelOrder(ts, f"o{i}"))
        return len(ex.advance(ts))

    assert benchmark(run) == n


def test_bench_market_orders_walking_levels(benchmark: Any, request: pytest.FixtureRequest) -> None:
    n = n_for(request, 10_000)

    def run() -> int:
        ex = seeded_exchange()
        ts = T0 + 1
        events = 0
        for i in range(n):
            side = Side.BUY if i % 2 else Side.SELL
            ex.submit(SubmitOrder(ts, f"m{i}", "BTC-USD", side, OrderType.MARKET, 2 * 10**8))
            ts += 1
            # fresh updates of the top levels end our consumption there (as a live feed would)
            ex.on_market(BookDelta(ts, 0, "BTC-USD", REFRESH_BIDS, REFRESH_ASKS))
            events += len(ex.advance(ts))
        return events

    assert benchmark(run) > 2 * n


def test_bench_idle_bars(benchmark: Any, request: pytest.FixtureRequest) -> None:
    n = n_for(request, 100_000)
    bars = [Bar(T0 + i * 60 * 10**9, "BTC-USD", 100, 110, 90, 100 + i % 7, 5, T0) for i in range(n)]

    def run() -> int | None:
        ex = SimulatedExchange([INST], balances={"USD": ATOMS_PER_UNIT})
        on_market = ex.on_market
        for b in bars:
            on_market(b)
        return ex.last_price("BTC-USD")

    assert benchmark(run) == bars[-1].close


def test_bench_book_deltas_with_resting_orders(benchmark: Any, request: pytest.FixtureRequest) -> None:
    n = n_for(request, 100_000)
    rng = random.Random(3)
    deltas = [
        BookDelta(
            T0 + 10 + i,
            0,
            "BTC-USD",
            ((6_500_000 - rng.randint(1, 50), rng.randint(0, 10**8)),),
            ((6_500_000 + rng.randint(1, 50), rng.randint(0, 10**8)),),
        )
        for i in range(n)
    ]

    def run() -> int:
        ex = seeded_exchange()
        for i in range(5):
            ex.submit(SubmitOrder(T0 + 1, f"r{i}", "BTC-USD", Side.BUY, OrderType.LIMIT, 10**6, price=6_499_900 - i))
        ex.advance(T0 + 1)
        for d in deltas:
            ex.on_market(d)
        return len(ex.open_orders())

    assert benchmark(run) == 5


def random_deltas(n: int, seed: int, first_ts: int) -> list[BookDelta]:
    rng = random.Random(seed)
    return [
        BookDelta(
            first_ts + i,
            0,
            "BTC-USD",
            ((6_500_000 - rng.randint(1, 50), rng.randint(0, 10**8)),),
            ((6_500_000 + rng.randint(1, 50), rng.randint(0, 10**8)),),
            i + 1,
            i + 1,
        )
        for i in range(n)
    ]


def test_bench_book_deltas_without_orders(benchmark: Any, request: pytest.FixtureRequest) -> None:
    deltas = random_deltas(n_for(request, 100_000), 4, T0 + 10)

    def run() -> int | None:
        ex = seeded_exchange()
        on_book = ex.on_book
        for d in deltas:
            on_book(d)
        return ex.book("BTC-USD").best_bid

    assert benchmark(run) is not None


def test_bench_trades_without_resting_orders(benchmark: Any, request: pytest.FixtureRequest) -> None:
    """Prints at and a few ticks through the touch, a depth update naming the touch every 4th."""
    n = n_for(request, 100_000)
    rng = random.Random(5)
    messages: list[Any] = []
    for i in range(n):
        buy = rng.random() < 0.5
        price = 6_500_000 + (rng.randint(1, 3) if buy else -rng.randint(1, 3))
        messages.append(
            Trade(T0 + 10 + 2 * i, 0, "BTC-USD", price, rng.randint(1, 10**6), Side.BUY if buy else Side.SELL)
        )
        if i % 4 == 0:
            messages.append(BookDelta(T0 + 11 + 2 * i, 0, "BTC-USD", REFRESH_BIDS, REFRESH_ASKS))

    def run() -> int | None:
        ex = seeded_exchange()
        paths = {Trade: ex.on_trade, BookDelta: ex.on_book}
        for msg in messages:
            paths[type(msg)](msg)
        return ex.last_price("BTC-USD")

    assert benchmark(run) == messages[-2 if type(messages[-1]) is BookDelta else -1].price


def test_bench_book_tickers_on_a_depth_book(benchmark: Any, request: pytest.FixtureRequest) -> None:
    """bookTickers newer than the depth, half of them a tick or two inside the stale touch."""
    n = n_for(request, 100_000)
    rng = random.Random(6)
    quotes = [
        Quote(
            T0 + 10 + i,
            0,
            "BTC-USD",
            6_500_000 - rng.randint(1, 3),
            10**6,
            6_500_000 + rng.randint(1, 3),
            10**6,
            10 + i,
        )
        for i in range(n)
    ]

    def run() -> int | None:
        ex = seeded_exchange()
        ex.on_book(BookSnapshot(T0 + 5, 0, "BTC-USD", REFRESH_BIDS, REFRESH_ASKS, 5))
        on_quote = ex.on_quote
        for q in quotes:
            on_quote(q)
        return ex.book("BTC-USD").best_ask

    assert benchmark(run) == 6_500_001
