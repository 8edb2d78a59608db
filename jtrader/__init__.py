"""jtrader: backtest, replay and paper-trade crypto strategies on one exact, deterministic core.

The public API is re-exported here; submodules starting with ``_`` are private. What a user needs
to write and run a strategy: :class:`Strategy` and its :class:`Context`; the runners
:func:`run_backtest` (candles, with :func:`load_candles`) and :func:`run_replay` (recordings, with
:class:`ReplayConfig`); :func:`build_engine` and :class:`EngineSettings` to wire an engine
yourself; the model types (:class:`Instrument`, messages, enums).

The runners and loaders are imported on first use (PEP 562), so ``import jtrader`` and
``jtrader --help`` never pay for the candle or recording libraries.
"""

import importlib
import typing

from jtrader._variant import IGNORED_IN_SOURCE_TREE  # noqa: F401  (imported first: guards against stale .so)
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

if typing.TYPE_CHECKING:
    from jtrader.backtest import BacktestResult, CandleSeries, load_candles, run_backtest
    from jtrader.replay import ReplayConfig, ReplayOutcome, run_replay

__all__ = [
    "BacktestResult",
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
    "Side",
    "Strategy",
    "StrategyError",
    "TimeInForce",
    "Trade",
    "__version__",
    "build_engine",
    "load_candles",
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
