"""jtrader: backtest, replay and paper-trade crypto strategies on one exact, deterministic core.

The public API is re-exported here; submodules starting with ``_`` are private.

* Run and read results in one call: :func:`backtest` (candles) and :func:`replay` (recordings)
  return a :class:`BacktestRun` / :class:`ReplayRun` with the ``--json`` summary, the trades and
  equity as polars DataFrames, the events, ``save(dir)`` and ``report(path)``.
* Write a strategy: :class:`Strategy` and its :class:`Context`; the model types
  (:class:`Instrument`, messages, enums).
* The runners underneath: :func:`run_backtest` (with :func:`load_candles`) and :func:`run_replay`
  (with :class:`ReplayConfig`); :func:`build_engine` and :class:`EngineSettings` to wire an
  engine yourself.

``jtrader.backtest`` and ``jtrader.replay`` are those two functions here, and also the names of
the subpackages (``from jtrader.backtest import run_backtest`` works as always): the
subpackages are imported first, then the functions are bound over the package attributes.
``import jtrader.backtest as m`` therefore gives the function; write
``from jtrader.backtest import ...`` or ``importlib.import_module("jtrader.backtest")`` for the
package. ``docs/architecture.md`` ("The Python API") says why.

The runners, loaders and tables are imported on first use (PEP 562), so ``import jtrader`` and
``jtrader --help`` never pay for the candle or recording libraries, polars or pandas.
"""

import importlib
import typing

import jtrader._variant  # noqa: F401  (imported first: guards against stale compiled modules)
from jtrader._version import __version__
from jtrader.book import OrderBook
from jtrader.errors import JTraderError, StrategyError
from jtrader.model import (
    Bar,
    BookDelta,
    BookSnapshot,
    Instrument,
    OrderType,
    Quote,
    Side,
    TimeInForce,
    Trade,
)
from jtrader.trading import Context, EngineSettings, Strategy, build_engine

# The subpackages first: the import system sets ``jtrader.backtest`` to the package the first time
# it is imported, which would replace the function bound below. Both packages load their contents
# lazily, so this costs nothing.
importlib.import_module("jtrader.backtest")
importlib.import_module("jtrader.replay")

from jtrader.results import BacktestRun, ReplayRun, backtest, replay  # noqa: E402

if typing.TYPE_CHECKING:
    from jtrader.backtest import BacktestResult, CandleSeries, load_candles, run_backtest
    from jtrader.replay import ReplayConfig, ReplayOutcome, run_replay

__all__ = [
    "BacktestResult",
    "BacktestRun",
    "Bar",
    "BookDelta",
    "BookSnapshot",
    "CandleSeries",
    "Context",
    "EngineSettings",
    "Instrument",
    "JTraderError",
    "OrderBook",
    "OrderType",
    "Quote",
    "ReplayConfig",
    "ReplayOutcome",
    "ReplayRun",
    "Side",
    "Strategy",
    "StrategyError",
    "TimeInForce",
    "Trade",
    "__version__",
    "backtest",
    "build_engine",
    "load_candles",
    "replay",
    "run_backtest",
    "run_replay",
]

#: names loaded on first use -> the public module that defines them
_LAZY = {
    "BacktestResult": "jtrader.backtest",
    "CandleSeries": "jtrader.backtest",
    "load_candles": "jtrader.backtest",
    "run_backtest": "jtrader.backtest",
    "ReplayConfig": "jtrader.replay",
    "ReplayOutcome": "jtrader.replay",
    "run_replay": "jtrader.replay",
}


def __getattr__(name: str) -> typing.Any:
    """Load a runner or loader on first use (``jtrader.run_backtest``, ``jtrader.run_replay``...)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'jtrader' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
