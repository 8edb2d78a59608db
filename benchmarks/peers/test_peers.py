"""jtrader against backtesting.py, backtrader and vectorbt: agreement first, then speed.

Each peer runs the same seeded candles and the same rule (:mod:`peers.candles`); the benchmark
asserts the same round trips and final equity to 1e-6 relative before it reports a speed ratio
(``extra_info["jtrader_speedup"]``: peer time / jtrader time, in-process, best of the rounds).
Sizes: 1,000,000 bars (backtrader: 100,000, it is much slower) and a 100-point grid on 100,000
bars for the sweep; under ``--benchmark-disable`` 3,000 bars and a 4-point grid. Peers missing
(the ``bench`` extra is optional) skip with the reason. Whole-process figures: ``report.py``.
"""

from __future__ import annotations

import os
import time
from decimal import Decimal
from typing import Any

import pytest

from peers.candles import (
    FEE_BPS,
    run_backtesting,
    run_backtrader,
    run_jtrader,
    run_vectorbt,
    seeded_series,
    tick_frame,
)

PEERS = {
    "backtesting.py": ("backtesting", run_backtesting, 1_000_000),
    "backtrader": ("backtrader", run_backtrader, 100_000),
    "vectorbt": ("vectorbt", lambda frame: run_vectorbt(frame)[0], 1_000_000),
}
SMALL = 3_000


def best_of(rounds: int, run: Any) -> tuple[float, Any]:
    timings, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = run()
        timings.append(time.perf_counter() - started)
    return min(timings), result


@pytest.mark.parametrize("peer", sorted(PEERS))
def test_bench_candle_backtest_against_a_peer(benchmark: Any, bench_full: bool, peer: str) -> None:
    module, run_peer, full_size = PEERS[peer]
    pytest.importorskip(module, reason=f"{peer} is in the optional bench extra (pip install -e '.[bench]')")
    n = full_size if bench_full else SMALL
    series = seeded_series(n)
    frame = tick_frame(series)
    rounds = 3 if bench_full else 1
    run_peer(tick_frame(seeded_series(200)))  # warm up (vectorbt compiles its numba kernels once per process)
    ours_s, ours = best_of(rounds, lambda: run_jtrader(series))
    theirs = benchmark.pedantic(run_peer, args=(frame,), rounds=rounds, iterations=1)
    assert ours.round_trips > 0
    assert theirs.agrees_with(ours), (theirs, ours)
    benchmark.extra_info.update(bars=n, round_trips=ours.round_trips, jtrader_s=round(ours_s, 4))
    if benchmark.stats:
        benchmark.extra_info["jtrader_speedup"] = round(benchmark.stats.stats.min / ours_s, 2)


def test_bench_parameter_grid_against_vectorbt(benchmark: Any, bench_full: bool) -> None:
    pytest.importorskip("vectorbt", reason="vectorbt is in the optional bench extra (pip install -e '.[bench]')")
    from jtrader.backtest.grid import parse_grid
    from jtrader.backtest.sweep import SweepConfig, sweep
    from jtrader.model import to_atoms
    from jtrader.strategies import SmaCross

    n, specs = (100_000, ["fast=5:50:5", "slow=60:150:10"]) if bench_full else (SMALL, ["fast=5,10", "slow=20,30"])
    series = seeded_series(n)
    frame = tick_frame(series)
    grid = parse_grid(specs, SmaCross)
    points = list(grid.points())
    fast = [p["fast"] for p in points]
    slow = [p["slow"] for p in points]
    run_vectorbt(tick_frame(seeded_series(200)), fast=[5, 10], slow=[20, 30])  # numba warm-up
    config = SweepConfig("sma_cross", to_atoms("100000"), Decimal(FEE_BPS))
    workers = os.cpu_count() or 1
    ours_s, result = best_of(1, lambda: sweep(series, config, grid, executor="local", workers=workers))
    theirs = benchmark.pedantic(run_vectorbt, args=(frame, fast, slow), rounds=1, iterations=1)
    assert len(theirs) == len(result.rows) == len(points)
    for row, outcome in zip(result.rows, theirs, strict=True):
        assert row["error"] is None
        assert outcome.round_trips == row["round_trips"]
        assert abs(outcome.final_equity / float(row["final_equity"]) - 1) <= 1e-6
    benchmark.extra_info.update(bars=n, points=len(points), jtrader_s=round(ours_s, 3), workers=workers)
    if benchmark.stats:
        benchmark.extra_info["jtrader_speedup"] = round(benchmark.stats.stats.min / ours_s, 2)
