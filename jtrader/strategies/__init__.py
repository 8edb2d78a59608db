"""Bundled strategies and the way to name one: a registry name or ``path/to/file.py:ClassName``.

* ``sma_cross`` (:class:`SmaCross`): long-only SMA crossover on bars, market orders.
* ``breakout`` (:class:`Breakout`): Donchian breakout on bars with stop orders.
* ``market_maker`` (:class:`MarketMaker`): post-only quotes around the L2 mid (replay, paper).
"""

from jtrader.strategies.breakout import Breakout
from jtrader.strategies.loader import BUNDLED, build_strategy, describe, parse_params, resolve_strategy
from jtrader.strategies.market_maker import MarketMaker
from jtrader.strategies.sma_cross import SmaCross

__all__ = [
    "BUNDLED",
    "Breakout",
    "MarketMaker",
    "SmaCross",
    "build_strategy",
    "describe",
    "parse_params",
    "resolve_strategy",
]
