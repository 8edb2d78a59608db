"""Engine throughput: a trivial strategy over synthetic bars through risk and the simulated exchange.

N = 1,000,000 bars when benchmarks run, 20,000 with ``--benchmark-disable`` (CI). The bars/s
figure is printed and stored in the benchmark's ``extra_info``.
"""

from __future__ import annotations

import random

import pytest

from jtrader.model import NS_PER_S, Bar, Instrument, to_atoms
from jtrader.risk import EmergencyLimits, EmergencyManager, RiskLimits, RiskManager
from jtrader.sim import ConstantLatency, FeeModel, SimulatedExchange
from jtrader.trading import Engine, Portfolio, Strategy

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


def run_once(messages: list[Bar]):
    balances = {"USD": to_atoms("100000")}
    exchange = SimulatedExchange(
        [BTC], balances=balances, fees=FeeModel(maker_bps="0", taker_bps="10"), latency=ConstantLatency(0, 0)
    )
    engine = Engine(
        [BTC],
        EveryHundredBars(),
        exchange,
        Portfolio([BTC], balances),
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


@pytest.mark.parametrize("n", [2_000])
def test_bench_engine_output_is_deterministic(n):
    first = run_once(synthetic_bars(n))
    second = run_once(synthetic_bars(n))
    assert first.events == second.events and first.fills > 0
