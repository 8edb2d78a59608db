"""Coinbase Advanced Trade: the sans-I/O adapter, its channel parsers and the REST body parsers.

* :mod:`~jtrader.venues.coinbase.adapter`: :class:`CoinbaseAdapter` (envelope, sequence numbers,
  book state; commits what the parsers return);
* :mod:`~jtrader.venues.coinbase.l2`, :mod:`~jtrader.venues.coinbase.levels`: book frames;
* :mod:`~jtrader.venues.coinbase.channels`: trades, ticker, heartbeats, status, subscriptions;
* :mod:`~jtrader.venues.coinbase.candles`: the completed-bar rule;
* :mod:`~jtrader.venues.coinbase.products`: instruments and their order rules;
* :mod:`~jtrader.venues.coinbase.rest`: other REST bodies and the subscribe frames.

``jtrader.venues.coinbase_rest`` still offers every REST function under its old path.
"""

from jtrader.venues.coinbase.adapter import CoinbaseAdapter

__all__ = ["CoinbaseAdapter"]
