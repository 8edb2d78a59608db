"""Frames and REST bodies the local venue renders from its own books: pure functions.

Prices and sizes are printed from integer ticks and lots with the instrument's grid
(:meth:`~jtrader.model.Instrument.ticks_to_price`, :meth:`~jtrader.model.Instrument.lots_to_size`),
so a client parses back exactly the integers the server holds. Times are int ns in, venue text
out (Coinbase RFC 3339 with ns; Binance int ms).

Shapes follow ``shared/notes/venue-protocols.md`` (sections 1.3, 1.1, 2.1, 2.3).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import orjson

from jtrader.book import OrderBook
from jtrader.model import Instrument

__all__ = [
    "binance_depth_body",
    "binance_symbol_info",
    "coinbase_ack_frame",
    "coinbase_error_frame",
    "coinbase_event_frame",
    "coinbase_heartbeat_frame",
    "coinbase_l2_snapshot_frame",
    "coinbase_product",
    "coinbase_product_book_body",
    "exchange_info_body",
    "level_texts",
    "quote_amount",
    "rfc3339",
    "sorted_levels",
]

_NS_PER_S = 1_000_000_000
_NS_PER_MS = 1_000_000


def rfc3339(ns: int) -> str:
    """``1767225600123456700`` -> ``"2026-01-01T00:00:00.1234567Z"`` (trailing zeros trimmed)."""
    seconds, frac = divmod(ns, _NS_PER_S)
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    if frac:
        text += f".{frac:09d}".rstrip("0")
    return text + "Z"


_TEXT_CACHE_LIMIT = 1 << 16
#: (price grid id, ticks) / (size grid id, -1 - lots) -> text; grids are numbered by their step
_texts: dict[tuple[int, int], str] = {}
_grids: dict[tuple[str, object], int] = {}


def _grid_id(kind: str, step: object) -> int:
    gid = _grids.get((kind, step))
    if gid is None:
        gid = _grids[(kind, step)] = len(_grids)
    return gid


def level_texts(inst: Instrument, levels: list[tuple[int, int]]) -> list[tuple[str, str]]:
    """``[(ticks, lots), ...]`` -> ``[(price text, size text), ...]`` on ``inst``'s grid. Texts are cached by
    grid (books repeat the same prices and sizes, and a resync renders the whole book)."""
    texts = _texts
    if len(texts) >= _TEXT_CACHE_LIMIT:
        texts.clear()
    pg = _grid_id("price", inst.price_tick)
    sg = _grid_id("size", inst.size_lot)
    price, size = inst.ticks_to_price, inst.lots_to_size
    out = []
    for p, q in levels:
        pt = texts.get((pg, p))
        if pt is None:
            pt = texts[(pg, p)] = price(p)
        qt = texts.get((sg, q))
        if qt is None:
            qt = texts[(sg, q)] = size(q)
        out.append((pt, qt))
    return out


def sorted_levels(book: OrderBook, limit: int | None = None) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """``(bids best first, asks best first)`` of ``book``, at most ``limit`` per side (None: all)."""
    bids = sorted(book.bids.levels.items(), reverse=True)
    asks = sorted(book.asks.levels.items())
    if limit is not None:
        bids, asks = bids[:limit], asks[:limit]
    return bids, asks


# -- Coinbase Advanced Trade --------------------------------------------------------------------------
def coinbase_event_frame(channel: str, ts: int, events: list[Any], seq: int = 0) -> bytes:
    """``{"channel", "client_id", "timestamp", "sequence_num", "events"}`` (key order as the venue sends)."""
    return orjson.dumps(
        {"channel": channel, "client_id": "", "timestamp": rfc3339(ts), "sequence_num": seq, "events": events}
    )


def coinbase_l2_snapshot_frame(inst: Instrument, book: OrderBook, ts: int) -> bytes:
    """An ``l2_data`` snapshot of the whole ``book`` (sides ``bid``/``offer``, absolute sizes)."""
    event_time = rfc3339(ts - ts % 1_000)
    bids, asks = sorted_levels(book)
    updates = [
        {"side": "bid", "event_time": event_time, "price_level": p, "new_quantity": q}
        for p, q in level_texts(inst, bids)
    ]
    updates += [
        {"side": "offer", "event_time": event_time, "price_level": p, "new_quantity": q}
        for p, q in level_texts(inst, asks)
    ]
    return coinbase_event_frame("l2_data", ts, [{"type": "snapshot", "product_id": inst.symbol, "updates": updates}])


def coinbase_ack_frame(subscriptions: dict[str, list[str]], ts: int) -> bytes:
    """The cumulative ``subscriptions`` ack (keys are the names clients subscribe with)."""
    return coinbase_event_frame("subscriptions", ts, [{"subscriptions": subscriptions}])


def coinbase_heartbeat_frame(ts: int, counter: int) -> bytes:
    """A ``heartbeats`` frame (``current_time`` in Go's time format, integer counter as real frames have)."""
    clock = rfc3339(ts).replace("T", " ").rstrip("Z")
    return coinbase_event_frame(
        "heartbeats", ts, [{"current_time": f"{clock} +0000 UTC", "heartbeat_counter": counter}]
    )


def coinbase_error_frame(message: str, reason: str = "") -> bytes:
    """``{"type": "error", "message": ...}`` (plus ``reason`` when given), as the venue answers bad requests."""
    body: dict[str, str] = {"type": "error", "message": message}
    if reason:
        body["reason"] = reason
    return orjson.dumps(body)


def coinbase_product(inst: Instrument) -> dict[str, Any]:
    """A ``market/products`` product object for ``inst`` (the fields the parsers read, plus a few)."""
    return {
        "product_id": inst.symbol,
        "price": "",
        "base_increment": _plain(inst.size_lot),
        "quote_increment": _plain(inst.price_tick),
        "price_increment": _plain(inst.price_tick),
        "base_min_size": _plain(inst.min_size) if inst.min_size is not None else _plain(inst.size_lot),
        "quote_min_size": _plain(inst.min_notional),
        "base_currency_id": inst.base,
        "quote_currency_id": inst.quote,
        "status": "online",
        "product_type": "SPOT",
        "trading_disabled": False,
    }


def coinbase_product_book_body(inst: Instrument, book: OrderBook, limit: int, ts: int) -> bytes:
    """``market/product_book`` body: ``pricebook`` with the top ``limit`` levels, plus mid and spread."""
    price, size = inst.ticks_to_price, inst.lots_to_size
    bids, asks = sorted_levels(book, limit)
    body: dict[str, Any] = {
        "pricebook": {
            "product_id": inst.symbol,
            "bids": [{"price": price(p), "size": size(q)} for p, q in bids],
            "asks": [{"price": price(p), "size": size(q)} for p, q in asks],
            "time": rfc3339(ts),
        }
    }
    if bids and asks:
        spread = asks[0][0] - bids[0][0]
        body["spread_absolute"] = price(spread) if spread >= 0 else "-" + price(-spread)
        mid_x2 = asks[0][0] + bids[0][0]
        body["mid_market"] = price(mid_x2 // 2) if mid_x2 % 2 == 0 else _half(price(mid_x2 // 2), inst)
    return orjson.dumps(body)


def quote_amount(inst: Instrument, tick_lots: int) -> str:
    """A notional in tick x lot units (sum of price ticks x size lots) as a plain decimal of the quote."""
    value = Decimal(tick_lots) * Decimal(str(inst.price_tick)) * Decimal(str(inst.size_lot))
    return format(value.normalize(), "f") if value else "0"


def _half(floor_text: str, inst: Instrument) -> str:
    """``floor + tick/2`` printed exactly (one more decimal digit)."""
    return str(Decimal(floor_text) + Decimal(str(inst.price_tick)) / 2)


def _plain(value: object) -> str:
    return format(Decimal(str(value)).normalize(), "f")


# -- Binance spot ------------------------------------------------------------------------------------
def binance_depth_body(inst: Instrument, book: OrderBook, limit: int, update_id: int) -> bytes:
    """``/api/v3/depth`` body: ``lastUpdateId`` and the top ``limit`` levels per side as ``[price, qty]``."""
    bids, asks = sorted_levels(book, limit)
    return orjson.dumps({"lastUpdateId": update_id, "bids": level_texts(inst, bids), "asks": level_texts(inst, asks)})


def binance_symbol_info(inst: Instrument) -> dict[str, Any]:
    """An ``exchangeInfo`` ``symbols[]`` entry with ``PRICE_FILTER``, ``LOT_SIZE`` and ``NOTIONAL``."""
    return {
        "symbol": inst.symbol,
        "status": "TRADING",
        "baseAsset": inst.base,
        "baseAssetPrecision": inst.size_precision,
        "quoteAsset": inst.quote,
        "quotePrecision": inst.price_precision,
        "quoteAssetPrecision": inst.price_precision,
        "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET"],
        "isSpotTradingAllowed": True,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": _plain(inst.price_tick),
                "maxPrice": "0",
                "tickSize": _plain(inst.price_tick),
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": _plain(inst.min_size if inst.min_size is not None else inst.size_lot),
                "maxQty": "0",
                "stepSize": _plain(inst.size_lot),
            },
            {"filterType": "NOTIONAL", "minNotional": _plain(inst.min_notional), "applyMinToMarket": True},
        ],
        "permissionSets": [["SPOT"]],
    }


def exchange_info_body(symbols: Iterable[dict[str, Any]], server_ms: int) -> bytes:
    """``/api/v3/exchangeInfo`` body around ``symbols`` objects."""
    return orjson.dumps(
        {
            "timezone": "UTC",
            "serverTime": server_ms,
            "rateLimits": [
                {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
                {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 5, "limit": 61000},
            ],
            "exchangeFilters": [],
            "symbols": list(symbols),
        }
    )
