"""Engine throughput: a trivial strategy over synthetic bars through risk and the simulated exchange.

N = 1,000,000 bars when benchmarks run, 20,000 with ``--benchmark-disable`` (CI). The bars/s
figure is printed and stored in the benchmark's ``extra_info``.

The order-heavy benchmark sends a market order on every bar (a round trip every two bars) and
reports the cost of one order end to end: submit, risk check, exchange arrival and checks,
lock, fill at the next open, OrderAccepted and OrderFilled, tracker, portfolio, the strategy's
``on_order_event``. That is the run's time minus the same run without orders, per order.
"""

from __future__ import annotations

import random
import time

import pytest

from jtrader.model import NS_PER_S, Bar, Instrument, to_atoms
from jtrader.risk import EmergencyLimits, EmergencyManager, RiskLimits, RiskManager
from jtrader.trading import EngineSettings, Strategy, build_engine

BTC = Instrument("BTC-USD", "BTC", "USD", price_tick="0.01", size_lot="0.0001")
T0 = 1_600_000_000 * NS_PER_S
STEP = 60 * NS_PER_S


def synthetic_bars(n: int, seed: int = 42) -> list[Bar]:
    """A seeded random walk of ``n`` one-minute bars around 10,000 USD (ticks of 0.01)."""
    rng = random.Random(seed)
    price = 1_000_000
    out = []
    for i in range(n):
        open_ = price
        price = max(100_000, price + rng.randint(-500, 500))
        out.append(
            Bar(
                T0 + (i + 1) * STEP,
                "BTC-USD",
                open_,
                max(open_, price) + 50,
                min(open_, price) - 50,
                price,
                10_000,
                T0 + i * STEP,
            )
        )
    return out


class EveryHundredBars(Strategy):
    """Flips between flat and 0.1 BTC every 100 bars: a few orders, mostly the per-bar path."""

    def __init__(self) -> None:
        super().__init__()
        self.n = 0

    def on_bar(self, ctx, bar):
        self.n += 1
        if self.n % 100 == 0:
            if ctx.position("BTC-USD"):
                ctx.sell("BTC-USD", ctx.position("BTC-USD"))
            else:
                ctx.buy("BTC-USD", 1_000)


class EveryBar(Strategy):
    """A market order on every bar: buy 0.1 BTC when flat, sell the position when long."""

    def __init__(self, orders: bool = True) -> None:
        super().__init__()
        self.orders = orders
        self.events = 0

    def on_bar(self, ctx, bar):
        if not self.orders:
            return
        position = ctx.position("BTC-USD")
        if position:
            ctx.sell("BTC-USD", position)
        else:
            ctx.buy("BTC-USD", 1_000)

    def on_order_event(self, ctx, event):
        self.events += 1


def run_once(messages: list[Bar], strategy: Strategy | None = None, cash: str = "100000"):
    engine = build_engine(
        [BTC],
        strategy if strategy is not None else EveryHundredBars(),
        {"USD": to_atoms(cash)},
        EngineSettings(taker_bps="10"),
        risk=RiskManager(RiskLimits(max_order_size_lots=10_000, orders_per_second=10)),
        emergency=EmergencyManager(EmergencyLimits(max_drawdown_bps=9_000)),
    )
    return engine.run(messages)


def test_bench_engine_bars_per_second(benchmark, request):
    disabled = request.config.getoption("benchmark_disable")
    n = 20_000 if disabled else 1_000_000
    messages = synthetic_bars(n)
    result = benchmark.pedantic(run_once, args=(messages,), rounds=1, iterations=1)
    assert result.bars == n
    assert result.sent > n // 200
    assert result.fills >= result.sent - 1  # the order on the last bar has no next open
    if not disabled:
        seconds = benchmark.stats.stats.mean
        benchmark.extra_info["bars_per_second"] = round(n / seconds)
        print(f"\nengine: {n} bars in {seconds:.2f} s = {n / seconds:,.0f} bars/s")


#: enough that 10 bps of fees on 100,000 round trips of 0.1 BTC never trip the drawdown trigger
CASH = "100000000"


def test_bench_engine_microseconds_per_order(benchmark, request):
    disabled = request.config.getoption("benchmark_disable")
    n = 2_000 if disabled else 200_000
    messages = synthetic_bars(n)
    started = time.perf_counter()
    idle = run_once(messages, EveryBar(orders=False), CASH)
    idle_seconds = time.perf_counter() - started
    strategy = EveryBar()
    result = benchmark.pedantic(run_once, args=(messages, strategy, CASH), rounds=1, iterations=1)
    assert idle.orders == 0 and idle.bars == n
    assert result.orders == n and result.denials == 0
    assert result.fills == n - 1  # the order sent on the last bar has no next open
    assert strategy.events == 2 * n - 1  # OrderAccepted for each, OrderFilled for all but the last
    if not disabled:
        per_order = (benchmark.stats.stats.mean - idle_seconds) / n
        benchmark.extra_info["us_per_order"] = round(per_order * 1e6, 2)
        print(f"\nengine: {n} market orders, {per_order * 1e6:.2f} us per order end to end")


@pytest.mark.parametrize("n", [2_000])
def test_bench_engine_output_is_deterministic(n):
    first = run_once(synthetic_bars(n))
    second = run_once(synthetic_bars(n))
    assert first.events == second.events and first.fills > 0
