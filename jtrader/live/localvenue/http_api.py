"""The local venue's REST endpoints, on the websocket port (``process_request`` of the server).

Coinbase Advanced Trade public market endpoints (``shared/notes/venue-protocols.md`` 1.1)::

    /api/v3/brokerage/market/products[?product_ids=..]   the recording's own product objects, or made from its grid
    /api/v3/brokerage/market/products/{id}               one product
    /api/v3/brokerage/market/product_book?product_id=&limit=     the server's book now (Coinbase has no version)
    /api/v3/brokerage/market/products/{id}/candles?start=&end=&granularity=
                                                         built from the recording's trades, newest first, <= 350
    /api/v3/brokerage/market/products/{id}/ticker?limit= recent trades and best bid/ask now
    /api/v3/brokerage/time

Binance spot (2.1)::

    /api/v3/exchangeInfo[?symbol=|symbols=]   /api/v3/depth?symbol=&limit=
    /api/v3/klines?symbol=&interval=&startTime=&endTime=&limit=   (built from the recording's trades)
    /api/v3/ticker/bookTicker?symbol=   /api/v3/ticker/price?symbol=   /api/v3/time   /api/v3/ping

``/api/v3/depth`` answers with the book as it stands on the timeline at that moment and its
``lastUpdateId``, consistent with the diff stream position; while the server's own book is not
synced yet (before the recording's first snapshot) the answer waits for it (at most
``book_wait_s``, then HTTP 503). Every Binance response carries ``X-MBX-USED-WEIGHT-1M``; past
the weight limit of the minute the answer is 429 with ``Retry-After``. The ``http_429`` fault
answers a request 429 with ``Retry-After: 0``. The server's clock is the timeline's (the
recording's receive time), not the wall clock.
"""

from __future__ import annotations

import asyncio
import email.utils
import http
import random
import time
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import orjson
from websockets.datastructures import Headers
from websockets.http11 import Response

from jtrader.live.candles import COINBASE_GRANULARITIES, COINBASE_MAX_CANDLES
from jtrader.live.localvenue import render
from jtrader.live.localvenue.market import MarketState, Prescan
from jtrader.model import Instrument

__all__ = ["ApiHost", "RestApi", "json_response"]

_NS_PER_S = 1_000_000_000
_NS_PER_MS = 1_000_000
_BINANCE_INTERVALS = {
    "1s": 1, "1m": 60, "3m": 180, "5m": 300, "15m": 900, "30m": 1800, "1h": 3600, "2h": 7200,
    "4h": 14400, "6h": 21600, "8h": 28800, "12h": 43200, "1d": 86400, "3d": 259200, "1w": 604800,
}  # fmt: skip
_BINANCE_WEIGHTS = {"exchangeInfo": 20, "klines": 2, "bookTicker": 2, "price": 2, "time": 1, "ping": 1}


class ApiHost(Protocol):
    """What the REST endpoints read from the server."""

    venue: str
    market: MarketState
    prescan: Prescan

    def now_ts(self) -> int: ...


def json_response(
    status: int, body: bytes | dict[str, Any] | list[Any], headers: dict[str, str] | None = None
) -> Response:
    """An HTTP response with a JSON body (``Connection: close``: one request per connection)."""
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    head = Headers(
        [
            ("Date", email.utils.formatdate(usegmt=True)),
            ("Connection", "close"),
            ("Content-Type", "application/json"),
            ("Content-Length", str(len(data))),
        ]
    )
    for key, value in (headers or {}).items():
        head[key] = value
    return Response(status, http.HTTPStatus(status).phrase, head, data)


class RestApi:
    """REST of one local venue (see the module docstring)."""

    def __init__(
        self,
        host: ApiHost,
        *,
        http_429: float = 0.0,
        seed: int = 0,
        weight_limit: int = 6000,
        book_wait_s: float = 5.0,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.host = host
        self.http_429 = http_429
        self._rng = random.Random(f"jtrader-rest/{seed}")
        self.weight_limit = weight_limit
        self.book_wait_s = book_wait_s
        self._wall = wall_clock
        self._minute = -1
        self.used_weight = 0
        self.requests = 0

    async def handle(self, target: str) -> Response:
        """Answer one GET of ``target`` (path and query)."""
        self.requests += 1
        parts = urlsplit(target)
        path = parts.path.rstrip("/")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        lists = parse_qs(parts.query)
        if self.http_429 and self._rng.random() < self.http_429:
            return self._error(429, -1003, "injected fault: too many requests", {"Retry-After": "0"})
        if self.host.venue == "coinbase":
            return await self._coinbase(path, query, lists)
        return await self._binance(path, query)

    # -- Coinbase ----------------------------------------------------------------------------------
    def _instrument(self, symbol: str) -> Instrument | None:
        return self.host.prescan.instruments.get(symbol)

    def _product_object(self, symbol: str) -> dict[str, Any] | None:
        prescan = self.host.prescan
        obj = prescan.objects.get(symbol)
        if obj is not None:
            return obj
        inst = prescan.instruments.get(symbol)
        return render.coinbase_product(inst) if inst is not None else None

    async def _coinbase(self, path: str, query: dict[str, str], lists: dict[str, list[str]]) -> Response:
        prefix = "/api/v3/brokerage/market"
        if path == "/api/v3/brokerage/time":
            ns = self.host.now_ts()
            return json_response(
                200,
                {"iso": render.rfc3339(ns), "epochSeconds": str(ns // _NS_PER_S), "epochMillis": str(ns // _NS_PER_MS)},
            )
        if path == f"{prefix}/products":
            wanted = lists.get("product_ids") or self.host.prescan.symbols()
            rows = [obj for obj in (self._product_object(p) for p in wanted) if obj is not None]
            return json_response(200, {"products": rows, "num_products": len(rows)})
        if path == f"{prefix}/product_book":
            return self._coinbase_book(query)
        if path.startswith(f"{prefix}/products/"):
            rest = path[len(prefix) + len("/products/") :]
            product, _, tail = rest.partition("/")
            product = unquote(product)
            obj = self._product_object(product)
            if obj is None:
                return self._cb_error(404, "NOT_FOUND", f"product {product!r} not found")
            if tail == "":
                return json_response(200, obj)
            if tail == "candles":
                return self._coinbase_candles(product, query)
            if tail == "ticker":
                return self._coinbase_ticker(product, query)
        return self._cb_error(404, "NOT_FOUND", f"no route {path}")

    def _cb_error(self, status: int, code: str, message: str) -> Response:
        return json_response(status, {"error": code, "error_details": message, "message": message})

    def _coinbase_book(self, query: dict[str, str]) -> Response:
        product = query.get("product_id", "")
        inst = self._instrument(product)
        market = self.host.market
        book = market.books.get(product)
        if inst is None:
            return self._cb_error(404, "NOT_FOUND", f"product {product!r} not found")
        limit = _int(query.get("limit"), 50)
        if book is None or not market.known(product):
            body = {
                "pricebook": {"product_id": product, "bids": [], "asks": [], "time": render.rfc3339(self.host.now_ts())}
            }
            return json_response(200, body)
        return json_response(200, render.coinbase_product_book_body(inst, book, max(1, limit), self.host.now_ts()))

    def _coinbase_candles(self, product: str, query: dict[str, str]) -> Response:
        inst = self._instrument(product)
        names = {v: k for k, v in COINBASE_GRANULARITIES.items()}
        step = names.get(query.get("granularity", ""))
        start, end = _int(query.get("start"), -1), _int(query.get("end"), -1)
        if inst is None or step is None or start < 0 or end < start:
            return self._cb_error(400, "INVALID_ARGUMENT", "start, end (unix s) and a known granularity are required")
        if (end - start) // step + 1 > COINBASE_MAX_CANDLES:
            return self._cb_error(
                400, "INVALID_ARGUMENT", f"number of candles requested should be less than {COINBASE_MAX_CANDLES}"
            )
        price, size = inst.ticks_to_price, inst.lots_to_size
        rows = self.host.prescan.candles(product, start, end + 1, step)
        candles = [
            {
                "start": str(s),
                "low": price(lo),
                "high": price(h),
                "open": price(o),
                "close": price(c),
                "volume": size(v),
            }
            for s, o, h, lo, c, v, *_ in reversed(rows)
        ]
        return json_response(200, {"candles": candles})

    def _coinbase_ticker(self, product: str, query: dict[str, str]) -> Response:
        market = self.host.market
        limit = max(1, _int(query.get("limit"), 10))
        trades = list(reversed(market.trades.get(product, ())))[:limit]
        book = market.books.get(product)
        inst = self._instrument(product)
        body: dict[str, Any] = {"trades": trades, "best_bid": "", "best_ask": ""}
        if book is not None and inst is not None and market.known(product):
            if book.best_bid is not None:
                body["best_bid"] = inst.ticks_to_price(book.best_bid)
            if book.best_ask is not None:
                body["best_ask"] = inst.ticks_to_price(book.best_ask)
        return json_response(200, body)

    # -- Binance -----------------------------------------------------------------------------------
    def _error(self, status: int, code: int, msg: str, headers: dict[str, str] | None = None) -> Response:
        return json_response(status, {"code": code, "msg": msg}, headers)

    def _weigh(self, weight: int) -> dict[str, str] | Response:
        now = self._wall()
        minute = int(now // 60)
        if minute != self._minute:
            self._minute, self.used_weight = minute, 0
        self.used_weight += weight
        headers = {"X-MBX-USED-WEIGHT-1M": str(self.used_weight)}
        if self.used_weight > self.weight_limit:
            headers["Retry-After"] = str(int(60 - now % 60) + 1)
            msg = f"Too much request weight used; current limit is {self.weight_limit} request weight per 1 MINUTE."
            return self._error(429, -1003, msg, headers)
        return headers

    async def _binance(self, path: str, query: dict[str, str]) -> Response:
        name = path.rsplit("/", 1)[-1]
        weight = _BINANCE_WEIGHTS.get(name, 1)
        if name == "depth":
            limit = _int(query.get("limit"), 100)
            weight = 5 if limit <= 100 else 25 if limit <= 500 else 50 if limit <= 1000 else 250
        headers = self._weigh(weight)
        if isinstance(headers, Response):
            return headers
        known = self.host.prescan.instruments
        symbol = query.get("symbol", "").upper()
        if name in ("depth", "klines", "bookTicker", "price") and symbol not in known:
            return self._error(400, -1121, "Invalid symbol.", headers)
        if path == "/api/v3/ping":
            return json_response(200, {}, headers)
        if path == "/api/v3/time":
            return json_response(200, {"serverTime": self.host.now_ts() // _NS_PER_MS}, headers)
        if path == "/api/v3/exchangeInfo":
            return self._exchange_info(query, headers)
        if path == "/api/v3/depth":
            return await self._depth(symbol, _int(query.get("limit"), 100), headers)
        if path == "/api/v3/klines":
            return self._klines(symbol, query, headers)
        if path == "/api/v3/ticker/bookTicker":
            return self._book_ticker(symbol, headers)
        if path == "/api/v3/ticker/price":
            trade = self.host.market.last_trade.get(symbol)
            price = known[symbol].ticks_to_price(trade.price) if trade is not None else "0"
            return json_response(200, {"symbol": symbol, "price": price}, headers)
        return self._error(404, -1, f"no route {path}", headers)

    def _exchange_info(self, query: dict[str, str], headers: dict[str, str]) -> Response:
        prescan = self.host.prescan
        wanted = prescan.symbols()
        if "symbol" in query:
            wanted = [query["symbol"].upper()]
        elif "symbols" in query:
            try:
                names = orjson.loads(query["symbols"])
                wanted = [str(n).upper() for n in names]
            except (orjson.JSONDecodeError, TypeError):
                return self._error(400, -1100, "Illegal characters found in parameter 'symbols'.", headers)
        rows = []
        for symbol in wanted:
            obj = prescan.objects.get(symbol)
            inst = prescan.instruments.get(symbol)
            if obj is None and inst is None:
                return self._error(400, -1121, "Invalid symbol.", headers)
            rows.append(obj if obj is not None else render.binance_symbol_info(inst))  # type: ignore[arg-type]
        return json_response(200, render.exchange_info_body(rows, self.host.now_ts() // _NS_PER_MS), headers)

    async def _depth(self, symbol: str, limit: int, headers: dict[str, str]) -> Response:
        market = self.host.market
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.book_wait_s
        while not self.host.market.known(symbol):  # the market object changes when the server loops
            if loop.time() > deadline:
                return self._error(503, -1007, "Timeout waiting for response from backend server.", headers)
            await asyncio.sleep(0.005)
        market = self.host.market
        inst = market.adapter.instruments[symbol]
        book = market.books[symbol]
        limit = min(max(1, limit), 5000)
        return json_response(200, render.binance_depth_body(inst, book, limit, market.update_id(symbol)), headers)

    def _klines(self, symbol: str, query: dict[str, str], headers: dict[str, str]) -> Response:
        step = _BINANCE_INTERVALS.get(query.get("interval", ""))
        if step is None:
            return self._error(400, -1120, "Invalid interval.", headers)
        inst = self.host.prescan.instruments[symbol]
        limit = min(max(1, _int(query.get("limit"), 500)), 1000)
        start_ms = _int(query.get("startTime"), 0)
        end_ms = _int(query.get("endTime"), 2**62 // _NS_PER_MS)
        rows = self.host.prescan.candles(symbol, start_ms // 1000, end_ms // 1000 + 1, step)
        rows = [row for row in rows if start_ms <= row[0] * 1000 <= end_ms][:limit]
        price, size, quote = inst.ticks_to_price, inst.lots_to_size, render.quote_amount
        # [open time, o, h, l, c, volume, close time, quote volume, trades, taker buy base, taker buy quote, "0"]
        body = [
            [s * 1000, price(o), price(h), price(lo), price(c), size(v), s * 1000 + step * 1000 - 1,
             quote(inst, notional), count, size(buy), quote(inst, buy_notional), "0"]
            for s, o, h, lo, c, v, notional, count, buy, buy_notional in rows
        ]  # fmt: skip
        return json_response(200, body, headers)

    def _book_ticker(self, symbol: str, headers: dict[str, str]) -> Response:
        market = self.host.market
        inst = self.host.prescan.instruments[symbol]
        book = market.books.get(symbol)
        body = {"symbol": symbol, "bidPrice": "0", "bidQty": "0", "askPrice": "0", "askQty": "0"}
        if book is not None and market.known(symbol):
            if book.best_bid is not None:
                body["bidPrice"], body["bidQty"] = (
                    inst.ticks_to_price(book.best_bid),
                    inst.lots_to_size(book.best_bid_size),
                )
            if book.best_ask is not None:
                body["askPrice"], body["askQty"] = (
                    inst.ticks_to_price(book.best_ask),
                    inst.lots_to_size(book.best_ask_size),
                )
        return json_response(200, body, headers)


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default
