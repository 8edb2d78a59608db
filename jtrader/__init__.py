"""jtrader: backtest, replay and paper-trade crypto strategies on one exact, deterministic core.

The public API is re-exported here; submodules starting with ``_`` are private.
"""

from jtrader._version import __version__
from jtrader.book import OrderBook
from jtrader.errors import JTraderError
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

__all__ = [
    "Bar",
    "BookDelta",
    "BookSnapshot",
    "Instrument",
    "JTraderError",
    "OrderBook",
    "OrderType",
    "Quote",
    "Side",
    "TimeInForce",
    "Trade",
    "__version__",
]
