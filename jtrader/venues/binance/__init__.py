"""Binance spot: the sans-I/O adapter, its frame parsers, the depth sync rules and the REST parsers.

* :mod:`~jtrader.venues.binance.adapter`: :class:`BinanceAdapter` (dispatch, commits);
* :mod:`~jtrader.venues.binance.frames`: depth diffs, trades, bookTickers, klines;
* :mod:`~jtrader.venues.binance.sync`: the diff-depth sync state machine;
* :mod:`~jtrader.venues.binance.exchange_info`: instruments and their order rules;
* :mod:`~jtrader.venues.binance.rest`: depth bodies and levels, stream names, subscribe frames.

``jtrader.venues.binance_rest`` still offers every REST function under its old path.
"""

from jtrader.venues.binance.adapter import BinanceAdapter
from jtrader.venues.binance.sync import HOLD_LIMIT
from jtrader.venues.checks import BookTickerCheck

__all__ = ["HOLD_LIMIT", "BinanceAdapter", "BookTickerCheck"]
