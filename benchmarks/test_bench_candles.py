"""The candle phases outside the engine: loading a file, the summary metrics, the output tables.

Full size: 1,000,000 one-minute bars (a Parquet and a CSV file of float prices, as users have
them); under ``--benchmark-disable`` (CI) 20,000. ``extra_info`` holds bars per second. Nothing
here asserts a time; the asserts check that the work was done (and exactly: the loaded ints
equal the generated ones).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from jtrader.backtest.candles import CandleSeries, load_candles
from jtrader.backtest.metrics import max_drawdown_pct, sharpe
from jtrader.backtest.report import summarize
from jtrader.backtest.runner import BacktestResult, run_backtest
from jtrader.backtest.synthetic import random_walk
from jtrader.backtest.tables import write_tables
from jtrader.model import Instrument, to_atoms
from jtrader.risk import RiskLimits, RiskManager
from jtrader.strategies import SmaCross

INSTRUMENT = Instrument("BTC-USD", "BTC", "USD", price_tick="0.01", size_lot="0.00000001")


@pytest.fixture(scope="module")
def bars(bench_full: bool) -> CandleSeries:
    return random_walk(INSTRUMENT, 1_000_000 if bench_full else 20_000, seed=42)


@pytest.fixture(scope="module")
def files(bars: CandleSeries, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    frame = pl.DataFrame(
        {
            "timestamp": pl.Series(bars.start).cast(pl.Datetime("ns", "UTC")),
            "open": np.asarray(bars.open) / 100,
            "high": np.asarray(bars.high) / 100,
            "low": np.asarray(bars.low) / 100,
            "close": np.asarray(bars.close) / 100,
            "volume": np.asarray(bars.volume) / 1e8,
        }
    )
    folder = tmp_path_factory.mktemp("candles")
    frame.write_parquet(folder / "bars.parquet")
    frame.write_csv(folder / "bars.csv")
    return {"parquet": folder / "bars.parquet", "csv": folder / "bars.csv"}


@pytest.fixture(scope="module")
def result(bars: CandleSeries) -> BacktestResult:
    return run_backtest(
        bars, SmaCross(fast=10, slow=30), cash=to_atoms("100000"), fee_bps="10", risk=RiskManager(RiskLimits())
    )


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_bench_load_candles(benchmark: Any, files: dict[str, Path], bars: CandleSeries, kind: str) -> None:
    loaded = benchmark.pedantic(load_candles, args=(files[kind], INSTRUMENT), rounds=3, iterations=1)
    assert loaded.close == bars.close and loaded.volume == bars.volume and loaded.start == bars.start
    if benchmark.stats:
        benchmark.extra_info["bars_per_s"] = round(len(bars) / benchmark.stats.stats.min)


def test_bench_summary_metrics(benchmark: Any, result: BacktestResult) -> None:
    def metrics() -> tuple[float, float]:
        return max_drawdown_pct([result.initial_cash, *result.equity]), sharpe(result.equity, 60 * 10**9)

    drawdown, ratio = benchmark.pedantic(metrics, rounds=3, iterations=1)
    assert 0 < drawdown <= 100 and ratio != 0
    if benchmark.stats:
        benchmark.extra_info["points_per_s"] = round(len(result.equity) / benchmark.stats.stats.min)


def test_bench_summarize(benchmark: Any, result: BacktestResult) -> None:
    summary = benchmark.pedantic(summarize, args=(result, "sma_cross", 0.0), rounds=3, iterations=1)
    assert summary["bars"] == len(result.equity)


def test_bench_output_tables(benchmark: Any, result: BacktestResult, tmp_path: Path) -> None:
    trades, equity = benchmark.pedantic(write_tables, args=(result, tmp_path), rounds=3, iterations=1)
    assert pl.read_parquet(equity).height == len(result.equity)
    assert pl.read_parquet(trades).height == len(result.fills)
