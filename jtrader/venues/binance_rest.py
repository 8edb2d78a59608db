"""Binance REST body parsers and subscribe frames under their old import path.

The code lives in :mod:`jtrader.venues.binance.rest` (depth bodies and levels, stream names,
frames) and :mod:`jtrader.venues.binance.exchange_info` (exchangeInfo -> instruments with order
rules); this module re-exports it.
"""

from jtrader.venues.binance.exchange_info import parse_exchange_info, symbol_filters, symbol_instrument, symbol_rules
from jtrader.venues.binance.rest import (
    MAX_STREAMS_PER_CONNECTION,
    combined_stream_url,
    depth_levels,
    parse_depth_snapshot,
    stream_names,
    subscribe_frame,
    unsubscribe_frame,
)

__all__ = [
    "MAX_STREAMS_PER_CONNECTION",
    "combined_stream_url",
    "depth_levels",
    "parse_depth_snapshot",
    "parse_exchange_info",
    "stream_names",
    "subscribe_frame",
    "symbol_filters",
    "symbol_instrument",
    "symbol_rules",
    "unsubscribe_frame",
]
