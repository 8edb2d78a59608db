"""Peak memory of replay and backtest as the input grows (tracemalloc), reported in ``extra_info``.

Replay streams: its peak must stay flat as the recording grows (checked here, as in
``tests/replay/test_replay_memory.py``). A backtest holds its candles and one equity point per bar,
so its peak grows with the bars; what must stay flat is the peak *per bar* (no per-bar garbage
that piles up). Sizes: replays of 60/120/240 s and backtests of 100k/200k/400k bars (CI: 5/10/20 s
and 5k/10k/20k). Memory is a count of bytes, not a time: asserting bounds on it is fair.
"""

from __future__ import annotations

import tracemalloc
from typing import Any

import pytest

from jtrader.backtest.runner import run_backtest
from jtrader.backtest.synthetic import random_walk
from jtrader.marketgen import generate
from jtrader.model import Instrument, to_atoms
from jtrader.replay.runner import ReplayConfig, replay
from jtrader.strategies import SmaCross

INSTRUMENT = Instrument("BTC-USD", "BTC", "USD", price_tick="0.01", size_lot="0.00000001")


def peak(run: Any) -> int:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        run()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


pytestmark = pytest.mark.skipif(tracemalloc.is_tracing(), reason="tracemalloc is already in use")


def test_bench_replay_peak_memory_is_flat(
    benchmark: Any, bench_full: bool, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("memory")
    sizes = (60, 120, 240) if bench_full else (5, 10, 20)
    paths = {}
    for seconds in sizes:
        paths[seconds] = folder / f"coinbase_{seconds}s.jtrec"
        generate("coinbase", seconds, 5, paths[seconds])
    replay(paths[sizes[0]], ReplayConfig(record_events=False))  # imports and first-use caches
    peaks = {s: peak(lambda s=s: replay(paths[s], ReplayConfig(record_events=False))) for s in sizes}
    benchmark.pedantic(replay, args=(paths[sizes[-1]], ReplayConfig(record_events=False)), rounds=1, iterations=1)
    benchmark.extra_info["peak_bytes_by_seconds"] = peaks
    assert peaks[sizes[-1]] < 2 * peaks[sizes[0]], peaks


def test_bench_backtest_peak_memory_per_bar_is_flat(benchmark: Any, bench_full: bool) -> None:
    sizes = (100_000, 200_000, 400_000) if bench_full else (5_000, 10_000, 20_000)
    cash = to_atoms("100000")

    def backtest(n: int) -> Any:
        series = random_walk(INSTRUMENT, n, seed=1)
        return run_backtest(series, SmaCross(fast=10, slow=30), cash=cash, fee_bps="10")

    backtest(2_000)  # imports and first-use caches
    per_bar = {n: round(peak(lambda n=n: backtest(n)) / n, 1) for n in sizes}
    benchmark.pedantic(backtest, args=(sizes[-1],), rounds=1, iterations=1)
    benchmark.extra_info["peak_bytes_per_bar"] = per_bar
    assert per_bar[sizes[-1]] < 1.5 * per_bar[sizes[0]], per_bar
