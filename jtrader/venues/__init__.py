"""Venue adapters, sans-I/O: raw websocket frames and REST bodies in, typed market messages out.

One adapter object per venue (it tracks several named connections). No sockets here: ``live``
feeds frames from the network, ``replay`` from recordings, tests from real captured frames.

::

    adapter = CoinbaseAdapter(instruments)          # or BinanceAdapter(instruments)
    adapter.on_connect(ts, "ws1")
    for msg in adapter.on_frame(ts, frame, "ws1"):  # never raises on bad frames: see stats
        ...
    adapter.is_resyncing("BTC-USD")                 # never trade on a book known to be wrong

Error policy, sync rules and timestamp conventions are in the docstrings of
:mod:`jtrader.venues._common`, :mod:`jtrader.venues.coinbase` and :mod:`jtrader.venues.binance`.
"""

from jtrader.venues._common import AdapterStats, VenueAdapter, default_instrument
from jtrader.venues.binance import BinanceAdapter
from jtrader.venues.checks import BookTickerCheck
from jtrader.venues.coinbase import CoinbaseAdapter

__all__ = ["AdapterStats", "BinanceAdapter", "BookTickerCheck", "CoinbaseAdapter", "VenueAdapter", "default_instrument"]
