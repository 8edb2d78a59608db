"""Sweeps: a grid of sma_cross points on one machine (process pool) and on a dask LocalCluster.

Full size: a 100-point grid on 100,000 bars; under ``--benchmark-disable`` (CI) 4 points on
3,000 bars. ``extra_info``: points and bar-points per second. The dask run needs the
``cluster`` extra (CI installs it with ``dev``) and skips with the reason otherwise.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from jtrader.backtest.grid import parse_grid
from jtrader.backtest.sweep import SweepConfig, sweep
from jtrader.backtest.synthetic import random_walk
from jtrader.model import Instrument, to_atoms
from jtrader.strategies import SmaCross

INSTRUMENT = Instrument("BTC-USD", "BTC", "USD", price_tick="0.01", size_lot="0.00000001")
CONFIG = SweepConfig("sma_cross", to_atoms("100000"))


def workload(bench_full: bool) -> tuple[Any, Any]:
    if bench_full:
        return random_walk(INSTRUMENT, 100_000, seed=42), parse_grid(["fast=5:50:5", "slow=60:150:10"], SmaCross)
    return random_walk(INSTRUMENT, 3_000, seed=42), parse_grid(["fast=5,10", "slow=20,30"], SmaCross)


@pytest.mark.parametrize("executor", ["local", "dask"])
def test_bench_sweep(benchmark: Any, bench_full: bool, executor: str) -> None:
    if executor == "dask":
        pytest.importorskip("distributed", reason="dask.distributed is in the cluster extra")
    series, grid = workload(bench_full)
    workers = os.cpu_count() or 1
    result = benchmark.pedantic(
        sweep, args=(series, CONFIG, grid), kwargs={"executor": executor, "workers": workers}, rounds=1, iterations=1
    )
    assert len(result.rows) == len(grid) and result.errors == 0
    benchmark.extra_info.update(points=len(grid), bars=len(series), workers=workers)
    if benchmark.stats:
        seconds = benchmark.stats.stats.min
        benchmark.extra_info["points_per_s"] = round(len(grid) / seconds, 2)
        benchmark.extra_info["bar_points_per_s"] = round(len(grid) * len(series) / seconds)
