"""Candle backtests: load candles (CSV, Parquet, Binance/freqtrade JSON) and run a strategy on them
through the same engine, risk manager, emergency manager and simulated exchange as every mode.

Polars is imported only when a CSV or Parquet file is read.
"""

from jtrader.backtest.candles import CandleSeries, load_candles
from jtrader.backtest.runner import FILL_MODES, BacktestResult, run_backtest

__all__ = ["FILL_MODES", "BacktestResult", "CandleSeries", "load_candles", "run_backtest"]
