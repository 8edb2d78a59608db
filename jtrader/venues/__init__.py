"""Venue adapters, sans-I/O: raw websocket frames and REST bodies in, typed market messages out.

One adapter object per venue (it tracks several named connections). No sockets here: ``live``
feeds frames from the network, ``replay`` from recordings, tests from real captured frames.

::

    adapter = CoinbaseAdapter(instruments)          # or BinanceAdapter(instruments)
    adapter.on_connect(ts, "ws1")
    for msg in adapter.on_frame(ts, frame, "ws1"):  # never raises on bad frames: see stats
        ...
    adapter.is_resyncing("BTC-USD")                 # never trade on a book known to be wrong

Error policy: :mod:`jtrader.venues.stats`. Sync rules, timestamp conventions and the bar rule
are in the adapters' docstrings (:mod:`jtrader.venues.coinbase.adapter`,
:mod:`jtrader.venues.binance.adapter`). Each venue is a package (``venues/coinbase/``,
``venues/binance/``); what both need is written once (:mod:`jtrader.venues.instruments`,
:mod:`jtrader.venues.rules`, :mod:`jtrader.venues._common`).
"""

from jtrader.venues._common import default_instrument
from jtrader.venues.binance import BinanceAdapter
from jtrader.venues.checks import BookTickerCheck
from jtrader.venues.coinbase import CoinbaseAdapter
from jtrader.venues.stats import AdapterStats, VenueAdapter

__all__ = ["AdapterStats", "BinanceAdapter", "BookTickerCheck", "CoinbaseAdapter", "VenueAdapter", "default_instrument"]
