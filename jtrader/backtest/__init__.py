"""Candle backtests: load candles (CSV, Parquet, Binance/freqtrade JSON) and run a strategy on them
through the same engine, risk manager, emergency manager and simulated exchange as every mode.

The names below are loaded on first use (PEP 562): ``import jtrader`` imports this package (so that
the function ``jtrader.backtest`` can stand beside it, see ``docs/architecture.md``) without paying
for the loader or the runner. Polars is imported only when a CSV or Parquet file is read.
"""

import importlib
import typing

if typing.TYPE_CHECKING:
    from jtrader.backtest.candles import CandleSeries, load_candles
    from jtrader.backtest.runner import FILL_MODES, BacktestResult, run_backtest

__all__ = ["FILL_MODES", "BacktestResult", "CandleSeries", "load_candles", "run_backtest"]

#: names loaded on first use -> the module that defines them
_LAZY = {
    "CandleSeries": "jtrader.backtest.candles",
    "load_candles": "jtrader.backtest.candles",
    "FILL_MODES": "jtrader.backtest.runner",
    "BacktestResult": "jtrader.backtest.runner",
    "run_backtest": "jtrader.backtest.runner",
}


def __getattr__(name: str) -> typing.Any:
    """Load the candle loader or the runner on first use (``from jtrader.backtest import run_backtest``)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'jtrader.backtest' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
