"""A small parameter sweep: every (fast, slow) pair of a grid, one full backtest each.

    python examples/small_sweep.py

The rows are what ``jtrader sweep`` writes (one ``--json`` summary per point, parameters as
columns); invalid points (``fast >= slow``) come back as rows with an ``error``. For big grids
use the command with ``--workers N`` or a dask cluster (``--executor dask``), see the user guide.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
from make_candles import BTC_USD, write_candles

from jtrader.backtest import load_candles
from jtrader.backtest.grid import parse_grid
from jtrader.backtest.sweep import SweepConfig, sweep
from jtrader.strategies import resolve_strategy


def main() -> None:
    candles = write_candles(Path(tempfile.mkdtemp(prefix="jtrader-example-")) / "candles.csv", bars=3000)
    series = load_candles(candles, BTC_USD)
    grid = parse_grid(["fast=5:20:5", "slow=20:60:20"], resolve_strategy("sma_cross"))
    config = SweepConfig("sma_cross", cash=100_000 * 10**18, fee_bps=5)  # cash in atoms (10**-18 USD)
    result = sweep(series, config, grid, workers=1)
    table = result.frame()
    print(table.select("fast", "slow", "return_pct", "max_drawdown_pct", "fills", "error"))
    best = table.filter(pl.col("error").is_null()).sort("return_pct", descending=True).row(0, named=True)
    print(f"best: fast={best['fast']} slow={best['slow']} return {best['return_pct']:+.2f}%")


if __name__ == "__main__":
    main()
