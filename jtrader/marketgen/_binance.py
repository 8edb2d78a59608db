"""A synthetic Binance spot session: REST ``exchangeInfo`` and depth snapshot, combined-stream frames.

Timeline: an ``http`` record with ``/api/v3/exchangeInfo`` (``PRICE_FILTER.tickSize``,
``LOT_SIZE.stepSize``); ``connect`` to ``/stream?streams=<s>@depth@100ms/<s>@trade/<s>@bookTicker``;
then, per symbol:

* every book change gets the next **update id**; ``depthUpdate`` events every 100 ms carry the
  final size of each level changed in the window, ``U`` = first and ``u`` = last id of the
  window, contiguous (``U`` = previous ``u`` + 1), no ``pu`` (spot);
* ``@trade`` frames (``m`` = buyer is maker, i.e. the seller was the aggressor), each taking size
  from the best level (that change is in the depth stream too);
* ``@bookTicker`` whenever the best bid/ask or their sizes change, with ``u`` = the update id of
  the state it shows, so where a depth event ends at the same ``u`` the book's top equals it;
* like the real capture, three depth events arrive before the REST depth snapshot
  (``/api/v3/depth?symbol=<S>&limit=1000``); its ``lastUpdateId`` lies inside the third event
  (``U <= lastUpdateId + 1 <= u``), the book state right after that update id.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from decimal import Decimal

import orjson

from jtrader.marketgen._book import Change, SynthBook
from jtrader.marketgen._text import ProductSpec, decimal_formatter
from jtrader.recording import Direction

__all__ = ["HTTP_CONN", "WS_CONN", "binance_session"]

HTTP_CONN = "binance.http.1"
WS_CONN = "binance.ws.1"
REST = "https://api.binance.com/api/v3"
_MS = 1_000_000
_BOOK, _TRADE, _DEPTH, _SNAPSHOT = 0, 1, 2, 3
_SNAPSHOT_LEVELS = 1_000

Out = tuple[int, Direction, str, bytes, str | None]


class _Product:
    def __init__(self, spec: ProductSpec, rng: random.Random, depth: int) -> None:
        self.spec = spec
        self.stream = spec.symbol.lower()
        self.book = SynthBook(rng, spec.start_ticks, depth, spec.size_exp)
        self.price = decimal_formatter(spec.tick, 8)
        self.size = decimal_formatter(spec.lot, 8)
        self.update_id = 40_000_000_000 + rng.randrange(10_000_000_000)
        self.trade_id = 3_000_000_000 + rng.randrange(1_000_000_000)
        self.window_first: int | None = None
        self.pending_bids: dict[int, int] = {}
        self.pending_asks: dict[int, int] = {}
        self.depth_events = 0
        self.snapshot: tuple[int, bytes] | None = None
        self.shown_top: tuple[int, int, int, int] | None = None

    def apply(self, changes: list[Change]) -> None:
        """Give each change its update id and remember it for the next depth event."""
        for is_bid, price, size in changes:
            self.update_id += 1
            if self.window_first is None:
                self.window_first = self.update_id
            (self.pending_bids if is_bid else self.pending_asks)[price] = size
            if self.depth_events == 2 and self.snapshot is None:
                self.snapshot = (self.update_id, self.snapshot_body())

    def snapshot_body(self) -> bytes:
        book = self.book
        bids = [[self.price(p), self.size(book.bids[p])] for p in reversed(book.bid_px[-_SNAPSHOT_LEVELS:])]
        asks = [[self.price(p), self.size(book.asks[p])] for p in book.ask_px[:_SNAPSHOT_LEVELS]]
        return orjson.dumps({"lastUpdateId": self.update_id, "bids": bids, "asks": asks})

    def symbol_info(self) -> dict[str, object]:
        spec = self.spec
        return {
            "symbol": spec.symbol,
            "status": "TRADING",
            "baseAsset": spec.base,
            "baseAssetPrecision": 8,
            "quoteAsset": spec.quote,
            "quotePrecision": 8,
            "quoteAssetPrecision": 8,
            "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"],
            "icebergAllowed": True,
            "ocoAllowed": True,
            "isSpotTradingAllowed": True,
            "isMarginTradingAllowed": False,
            "filters": [
                {
                    "filterType": "PRICE_FILTER",
                    "minPrice": f"{Decimal(spec.tick):.8f}",
                    "maxPrice": "1000000.00000000",
                    "tickSize": f"{Decimal(spec.tick):.8f}",
                },
                {
                    "filterType": "LOT_SIZE",
                    "minQty": f"{Decimal(spec.lot):.8f}",
                    "maxQty": "9000.00000000",
                    "stepSize": f"{Decimal(spec.lot):.8f}",
                },
                {
                    "filterType": "NOTIONAL",
                    "minNotional": "5.00000000",
                    "applyMinToMarket": True,
                    "maxNotional": "9000000.00000000",
                    "applyMaxToMarket": False,
                    "avgPriceMins": 5,
                },
            ],
            "permissions": [],
            "permissionSets": [["SPOT"]],
        }


def binance_session(
    specs: list[ProductSpec],
    *,
    start_ns: int,
    end_ns: int,
    rng: random.Random,
    levels_per_update: int | None,
    depth: int,
    stats: dict[str, int],
) -> Iterator[Out]:
    """Yield ``(ts_ns, direction, conn, payload, url)`` of one session from ``start_ns`` to ``end_ns``."""
    products = [_Product(spec, rng, depth) for spec in specs]
    recv = Direction.RECV
    state = {"exchange_ms": 0, "frames": 0, "levels": 0}

    def exchange_ms(ts: int) -> int:
        ms = max(state["exchange_ms"], (ts - 2 * _MS - rng.randrange(8 * _MS)) // _MS)
        state["exchange_ms"] = ms
        return ms

    def frame(ts: int, stream: str, data: dict[str, object]) -> Out:
        state["frames"] += 1
        return (ts, recv, WS_CONN, orjson.dumps({"stream": stream, "data": data}), None)

    def book_ticker(ts: int, p: _Product) -> Iterator[Out]:
        top = p.book.top()
        if top != p.shown_top:
            p.shown_top = top
            bid, bid_size, ask, ask_size = top
            data = {"u": p.update_id, "s": p.spec.symbol, "b": p.price(bid), "B": p.size(bid_size)}
            data |= {"a": p.price(ask), "A": p.size(ask_size)}
            yield frame(ts + 1, f"{p.stream}@bookTicker", data)

    ts = start_ns + 120 * _MS
    info = {
        "timezone": "UTC",
        "serverTime": ts // _MS - 40,
        "rateLimits": [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
            {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 5, "limit": 61000},
        ],
        "exchangeFilters": [],
        "symbols": [p.symbol_info() for p in products],
    }
    yield (ts, Direction.HTTP, HTTP_CONN, orjson.dumps(info), f"{REST}/exchangeInfo")
    ts += 80 * _MS
    streams = "/".join(f"{p.stream}@depth@100ms/{p.stream}@trade/{p.stream}@bookTicker" for p in products)
    yield (ts, Direction.CONNECT, WS_CONN, b"", f"wss://stream.binance.com:9443/stream?streams={streams}")

    queue: list[tuple[int, int, int]] = [(ts + 100 * _MS + rng.randrange(10 * _MS), _DEPTH, -1)]
    for i in range(len(products)):
        queue.append((ts + rng.randrange(1, 20 * _MS), _BOOK, i))
        queue.append((ts + rng.randrange(50 * _MS, 400 * _MS), _TRADE, i))
    heapq.heapify(queue)
    last_ts = ts
    while queue:
        ts, kind, i = heapq.heappop(queue)
        if ts >= end_ns:
            break
        ts = max(ts, last_ts + 1)
        if kind == _BOOK:
            p = products[i]
            changes: list[Change] = []
            wanted = levels_per_update or rng.randrange(1, 4)
            while len(changes) < wanted:
                p.book.step(changes)
            p.apply(changes)
            yield from book_ticker(ts, p)
            ts += 1
            heapq.heappush(queue, (ts + rng.randrange(4 * _MS, 30 * _MS), _BOOK, i))
        elif kind == _TRADE:
            p = products[i]
            buy, price, size, change = p.book.trade()
            p.apply([change])
            p.trade_id += 1
            trade_ms = exchange_ms(ts)
            data = {"e": "trade", "E": trade_ms, "s": p.spec.symbol, "t": p.trade_id, "p": p.price(price)}
            data |= {"q": p.size(size), "T": trade_ms, "m": not buy, "M": True}
            yield frame(ts, f"{p.stream}@trade", data)
            yield from book_ticker(ts, p)
            ts += 1
            heapq.heappush(queue, (ts + rng.randrange(30 * _MS, 600 * _MS), _TRADE, i))
        elif kind == _DEPTH:
            for p in products:
                if p.window_first is None:
                    continue
                if p.depth_events == 2 and p.snapshot is not None and p.snapshot[0] == p.update_id:
                    extra: list[Change] = []
                    p.book.step(extra)  # the snapshot must fall strictly inside the third event
                    p.apply(extra)
                bids = [[p.price(px), p.size(q)] for px, q in sorted(p.pending_bids.items(), reverse=True)]
                asks = [[p.price(px), p.size(q)] for px, q in sorted(p.pending_asks.items())]
                data = {"e": "depthUpdate", "E": exchange_ms(ts), "s": p.spec.symbol, "U": p.window_first}
                data |= {"u": p.update_id, "b": bids, "a": asks}
                state["levels"] += len(bids) + len(asks)
                yield frame(ts, f"{p.stream}@depth@100ms", data)
                ts += rng.randrange(5_000, 50_000)
                p.window_first = None
                p.pending_bids = {}
                p.pending_asks = {}
                p.depth_events += 1
                if p.depth_events == 3 and p.snapshot is not None:
                    heapq.heappush(queue, (ts + rng.randrange(5 * _MS, 40 * _MS), _SNAPSHOT, products.index(p)))
                if p.shown_top != p.book.top():  # the extra step may have moved the top
                    yield from book_ticker(ts, p)
                    ts += 1
            heapq.heappush(queue, (ts - ts % (100 * _MS) + 100 * _MS + rng.randrange(5 * _MS), _DEPTH, -1))
        else:
            p = products[i]
            url = f"{REST}/depth?symbol={p.spec.symbol}&limit={_SNAPSHOT_LEVELS}"
            yield (ts, Direction.HTTP, HTTP_CONN, p.snapshot[1] if p.snapshot else b"{}", url)
        last_ts = ts
    stats["frames"] = state["frames"]
    stats["level_updates"] = state["levels"]
