"""Coinbase REST body parsers and subscribe frames under their old import path.

The code lives in :mod:`jtrader.venues.coinbase.rest` (bodies, frames),
:mod:`jtrader.venues.coinbase.products` (products -> instruments with order rules) and
:mod:`jtrader.venues.coinbase.levels` (websocket book levels); this module re-exports it.
"""

from jtrader.venues.coinbase.levels import split_l2_levels
from jtrader.venues.coinbase.products import parse_product, parse_products, product_rules, status_instrument
from jtrader.venues.coinbase.rest import (
    CHANNELS,
    aggressor_from_maker_side,
    parse_candles,
    parse_market_ticker,
    parse_product_book,
    subscribe_frames,
    unsubscribe_frames,
)

__all__ = [
    "CHANNELS",
    "aggressor_from_maker_side",
    "parse_candles",
    "parse_market_ticker",
    "parse_product",
    "parse_product_book",
    "parse_products",
    "product_rules",
    "split_l2_levels",
    "status_instrument",
    "subscribe_frames",
    "unsubscribe_frames",
]
