"""The backtest's output tables (``trades.parquet``, ``equity.parquet``) built from integer columns.

Columns and types are those :func:`jtrader.backtest.report.write_outputs` has always written;
the values are built with polars kernels instead of one ``Decimal`` per value, exactly:

* a price is ``ticks x tick``: an ``Int64 -> Decimal(38, 0)`` cast times the tick as a
  ``Decimal(38, price_precision)`` literal (polars multiplies decimals exactly; the scale of the
  product is the tick's);
* sizes likewise with the lot; money (notional, fee, equity) is ``atoms x 10**-18`` as
  ``Decimal(38, 18)``, with the atoms carried in Int128 (10**23 atoms is 100,000 units: more than
  an int64 holds).

The same run gives the same bytes as the per-value writer (tested file against file). The fill
columns and the trades table are :mod:`jtrader.trading.tables`' (replays write the same table).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jtrader.model import Instrument
from jtrader.trading.tables import atoms_column, decimal_column, fill_columns, trades_frame

if TYPE_CHECKING:
    from jtrader.backtest.runner import BacktestResult

__all__ = ["equity_frame", "fill_columns", "result_frames", "trades_frame", "write_tables"]


def equity_frame(instrument: Instrument, bar_ts: Sequence[int], close: Sequence[int], equity: Sequence[int]) -> Any:
    """One row per bar: ``ts`` (its close time, Datetime ns UTC), ``close`` (decimal price),
    ``equity`` (Decimal(38, 18) quote units) from close times in ns, closes in ticks, equity in atoms."""
    import polars as pl

    raw = pl.DataFrame(
        {
            "ts": pl.Series(bar_ts, dtype=pl.Int64),
            "close": pl.Series(close, dtype=pl.Int64),
            "equity": pl.Series(equity, dtype=pl.Int128),
        }
    )
    return raw.select(
        pl.col("ts").cast(pl.Datetime("ns", "UTC")),
        decimal_column(pl.col("close"), instrument.price_tick, instrument.price_precision).alias("close"),
        atoms_column(pl.col("equity")).alias("equity"),
    )


def result_frames(result: BacktestResult) -> tuple[Any, Any]:
    """``(trades, equity)`` of ``result`` as polars DataFrames: what :func:`write_tables` writes.

    The equity table has one row per bar that ran (``len(result.equity)``: all of them, or the
    prefix an interrupted run processed).
    """
    import numpy as np

    series = result.series
    instrument = result.instrument
    n = len(result.equity)
    trades = trades_frame(instrument, fill_columns(result.fills))
    bar_ts = np.asarray(series.start[:n], dtype=np.int64) + series.interval_ns
    equity = equity_frame(instrument, bar_ts, series.close[:n], result.equity)
    return trades, equity


def write_tables(result: BacktestResult, out_dir: str | Path) -> tuple[Path, Path]:
    """Write ``trades.parquet`` and ``equity.parquet`` of ``result`` into ``out_dir`` (which must exist)."""
    trades, equity = result_frames(result)
    out = Path(out_dir)
    trades_path, equity_path = out / "trades.parquet", out / "equity.parquet"
    trades.write_parquet(trades_path)
    equity.write_parquet(equity_path)
    return trades_path, equity_path
