"""The Python API of results: run a backtest or a replay in one call and read what it did.

``jtrader.backtest(...)`` and ``jtrader.replay(...)`` (:func:`backtest`, :func:`replay`) take
the command's parameters with its defaults and return a :class:`BacktestRun` or a
:class:`ReplayRun` (both :class:`Run`): the ``--json`` summary, the trades and the equity as
polars DataFrames with exact decimals, the events as dicts, ``save(dir)`` for the ``--out``
files and ``report(path)`` for the HTML report::

    import jtrader

    run = jtrader.backtest("candles.csv", "sma_cross", params={"fast": 10, "slow": 30})
    run.summary["return_pct"], run.trades, run.equity.to_pandas()
    run.save("results/bt", report=True)           # what `jtrader backtest ... --out results/bt --report` writes

Nothing heavy is imported until a table is read (polars) or a report written (plotly).
"""

from jtrader.results.backtest_run import BacktestRun, backtest
from jtrader.results.replay_run import ReplayRun, replay
from jtrader.results.run import Run

__all__ = ["BacktestRun", "ReplayRun", "Run", "backtest", "replay"]
