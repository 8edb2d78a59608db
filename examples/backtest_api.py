"""Backtest with the Python API: run, read the summary and the tables, save what ``--out`` saves.

    python examples/backtest_api.py [OUT_DIR]

Makes synthetic candles (``make_candles.py``), backtests the bundled ``sma_cross`` on them, prints
the key figures and the first trades, and writes the result directory (summary.json, Parquet
tables, manifest.json) that ``jtrader report`` and ``jtrader verify`` read.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from make_candles import write_candles

import jtrader


def main() -> None:
    work = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="jtrader-example-"))
    candles = write_candles(work / "candles.csv", bars=5000)

    run = jtrader.backtest(candles, "sma_cross", params={"fast": 20, "slow": 120}, fee_bps="5")
    print(run)  # the text `jtrader backtest` prints
    summary = run.summary  # the `--json` object
    print(f"return {summary['return_pct']:+.2f}%, max drawdown {summary['max_drawdown_pct']:.2f}%")

    print(run.trades.select("ts", "side", "price", "size", "fee").head(4))  # a polars DataFrame
    lowest = run.equity.sort("equity").row(0, named=True)  # exact decimals, ts in UTC
    print(f"lowest equity {lowest['equity']:.2f} {summary['quote']} at {lowest['ts']}")

    out = run.save(work / "result")  # what `jtrader backtest ... --out DIR` writes
    print(f"saved {sorted(p.name for p in out.iterdir())} in {out}")
    print(f"check it with: jtrader verify {out}")


if __name__ == "__main__":
    main()
