"""Public market-data REST for Coinbase Advanced Trade and Binance spot, on httpx (asyncio).

:class:`RestClient` does the I/O; building URLs and reading bodies stay pure
(:mod:`jtrader.live.candles`, :mod:`jtrader.venues.coinbase_rest`, :mod:`jtrader.venues.binance_rest`).
The transport is injectable (``httpx.AsyncBaseTransport``), so tests plug in recorded cassettes
or a local server instead of patching.

Rate limits (``shared/notes/venue-protocols.md`` 1.1, 2.1, pitfall P6):

* HTTP **429** (too many requests) and **418** (Binance: IP banned after ignoring 429s) carry
  ``Retry-After`` in seconds: the client waits that long (or, without the header, the next
  delay of a seeded exponential backoff) and tries again, at most ``max_retries`` times and never
  waiting more than ``max_wait_s`` at once; past that it raises :class:`RateLimitedError` /
  :class:`IpBannedError` with the venue's code and message.
* Binance reports the weight used in the current minute in ``X-MBX-USED-WEIGHT-1M`` (limit
  6000/min per IP): when a request would take it past ``weight_budget`` of the limit, the client
  waits for the next minute.
* Coinbase public endpoints allow 10 requests/s per IP: requests are paced at that rate.
* 5xx and network errors are retried with the same backoff; other 4xx raise :class:`RestError` at
  once (the request itself is wrong).

Every wait goes through the injected ``sleep``, so tests run at full speed.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import quote

import httpx
import orjson

from jtrader._version import __version__
from jtrader.errors import ConfigError, IpBannedError, MalformedMessageError, RateLimitedError, RestError
from jtrader.live.backoff import FramePacer, backoff_delays
from jtrader.live.candles import CandleRow, candle_requests, parse_candle_rows

__all__ = ["BINANCE_WEIGHT_LIMIT", "RestClient", "RestResponse", "binance_depth_weight", "weight_of"]

log = logging.getLogger(__name__)

#: Binance ``REQUEST_WEIGHT`` per minute per IP (BN-REST ``enums.md``)
BINANCE_WEIGHT_LIMIT = 6000
#: Coinbase public REST requests per second per IP (hummingbot constants; api-evangelist summary)
COINBASE_REQUESTS_PER_S = 10.0
_NS_PER_S = 1_000_000_000


def binance_depth_weight(limit: int) -> int:
    """Weight of ``/api/v3/depth`` by ``limit`` (BN-REST, raised 2023-10-19): 5, 25, 50 or 250."""
    if limit <= 100:
        return 5
    if limit <= 500:
        return 25
    if limit <= 1000:
        return 50
    return 250


def weight_of(url: str) -> int:
    """The Binance weight of a GET of ``url``: ``/depth`` by its ``limit`` (5 when absent), 1 otherwise."""
    if "/depth" not in url:
        return 1
    _, _, rest = url.partition("limit=")
    limit = rest.split("&")[0]
    return binance_depth_weight(int(limit)) if limit.isdigit() else 5


@dataclass(frozen=True, slots=True)
class RestResponse:
    """A successful response: the full ``url`` asked, HTTP ``status`` and the raw ``body`` bytes."""

    url: str
    status: int
    body: bytes


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One default TLS context for every client of the process (building one costs tens of ms)."""
    return ssl.create_default_context()


def _retry_after(response: httpx.Response) -> float:
    text = response.headers.get("retry-after", "")
    try:
        return max(0.0, float(text))
    except ValueError:
        return 0.0


def _venue_error(response: httpx.Response) -> tuple[int | str | None, str]:
    """(code, message) from a venue error body: Binance ``{"code","msg"}``, Coinbase ``{"error","message"}``."""
    try:
        data = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return None, response.text[:200]
    if not isinstance(data, dict):
        return None, str(data)[:200]
    if "msg" in data:
        return data.get("code"), str(data["msg"])
    return data.get("error") or data.get("code"), str(data.get("message", data.get("error", "")))


class RestClient:
    """Public REST of one venue (``coinbase`` or ``binance``) rooted at ``base_url``.

    ``transport``: an httpx transport (tests); ``timeout_s``: per request; ``max_retries`` and
    ``max_wait_s``: see the module docstring; ``seed``: of the backoff jitter; ``sleep`` and
    ``wall_clock`` (s since the epoch, for Binance's minute windows) are injectable.
    ``requests`` and ``retries`` count what was sent; ``used_weight`` is Binance's last report.
    """

    def __init__(
        self,
        venue: str,
        base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout_s: float = 10.0,
        max_retries: int = 4,
        max_wait_s: float = 60.0,
        seed: int | None = 0,
        weight_budget: float = 0.9,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        if venue not in ("coinbase", "binance"):
            raise ConfigError(f"unknown venue {venue!r}")
        self.venue = venue
        self.base_url = base_url.rstrip("/")
        self.max_retries = max_retries
        self.max_wait_s = max_wait_s
        self.seed = seed
        self.weight_budget = weight_budget
        self._sleep = sleep
        self._wall = wall_clock
        self._pacer = FramePacer(COINBASE_REQUESTS_PER_S, burst=10) if venue == "coinbase" else None
        self.requests = 0
        self.retries = 0
        self.used_weight = 0
        self._weight_minute = -1
        self._client = httpx.AsyncClient(
            transport=transport,
            verify=_ssl_context(),
            timeout=timeout_s,
            headers={"User-Agent": f"jtrader/{__version__}", "Accept": "application/json"},
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def __aenter__(self) -> RestClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def url(self, path_or_url: str) -> str:
        """``path_or_url`` as a full URL (paths are taken under :attr:`base_url`)."""
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return f"{self.base_url}{path_or_url if path_or_url.startswith('/') else '/' + path_or_url}"

    async def get(self, path_or_url: str, weight: int = 1) -> RestResponse:
        """GET with the rate-limit and retry rules of the module docstring; typed errors on failure."""
        url = self.url(path_or_url)
        delays = backoff_delays(0.5, 2.0, 30.0, seed=self.seed)
        attempt = 0
        while True:
            await self._throttle(weight)
            self.requests += 1
            try:
                response = await self._client.get(url)
            except httpx.HTTPError as exc:
                error: RestError = RestError(f"GET {url}: {type(exc).__name__}: {exc}", url)
                wait = next(delays)
            else:
                self._note_weight(response)
                status = response.status_code
                if status < 300:
                    return RestResponse(url, status, response.content)
                code, message = _venue_error(response)
                text = f"GET {url}: HTTP {status}" + (f" ({code}: {message})" if code or message else "")
                if status in (418, 429):
                    retry_after = _retry_after(response)
                    cls = IpBannedError if status == 418 else RateLimitedError
                    error = cls(text, url, status, code, retry_after)
                    wait = retry_after if retry_after > 0 else next(delays)
                elif status >= 500:
                    error = RestError(text, url, status, code)
                    wait = next(delays)
                else:
                    raise RestError(text, url, status, code)
            if attempt >= self.max_retries or wait > self.max_wait_s:
                raise error
            attempt += 1
            self.retries += 1
            log.warning("%s; retry %d of %d in %.2f s", error, attempt, self.max_retries, wait)
            await self._sleep(wait)

    async def _throttle(self, weight: int) -> None:
        if self._pacer is not None:
            wait = self._pacer.delay(time.monotonic())
            if wait > 0:
                await self._sleep(wait)
            return
        now = self._wall()
        minute = int(now // 60)
        if minute != self._weight_minute:
            self._weight_minute = minute
            self.used_weight = 0
        if self.used_weight + weight > BINANCE_WEIGHT_LIMIT * self.weight_budget:
            wait = 60 - now % 60 + 0.05
            log.warning("Binance weight %d of %d used this minute: waiting %.1f s", self.used_weight, 6000, wait)
            await self._sleep(wait)
            self._weight_minute = minute + 1
            self.used_weight = 0

    def _note_weight(self, response: httpx.Response) -> None:
        used = response.headers.get("x-mbx-used-weight-1m")
        if used is not None and used.isdigit():
            self.used_weight = int(used)

    async def get_json(self, path_or_url: str, weight: int = 1) -> object:
        """:meth:`get`, body parsed as JSON (:class:`RestError` when it is not JSON)."""
        response = await self.get(path_or_url, weight)
        try:
            return orjson.loads(response.body)
        except orjson.JSONDecodeError as exc:
            raise RestError(f"GET {response.url}: body is not JSON: {exc}", response.url, response.status) from exc

    # -- venue endpoints ---------------------------------------------------------------------------
    async def instruments(self, products: list[str]) -> RestResponse:
        """Coinbase ``market/products?product_ids=...`` / Binance ``exchangeInfo?symbols=[...]`` (raw body)."""
        if self.venue == "coinbase":
            query = "&".join(f"product_ids={quote(p)}" for p in products)
            return await self.get(f"/api/v3/brokerage/market/products?{query}")
        symbols = orjson.dumps([p.upper() for p in products]).decode()
        return await self.get(f"/api/v3/exchangeInfo?symbols={quote(symbols, safe='')}", weight=20)

    async def order_book(self, product: str, limit: int = 100) -> RestResponse:
        """Coinbase ``market/product_book`` / Binance ``depth`` (raw body; parse with the venue's parser)."""
        if self.venue == "coinbase":
            return await self.get(f"/api/v3/brokerage/market/product_book?product_id={quote(product)}&limit={limit}")
        return await self.get(
            f"/api/v3/depth?symbol={quote(product.upper())}&limit={limit}", weight=binance_depth_weight(limit)
        )

    async def ticker(self, product: str) -> dict[str, str]:
        """Best bid and ask as decimal strings: ``{"best_bid": ..., "best_ask": ...}``."""
        if self.venue == "coinbase":
            data = await self.get_json(f"/api/v3/brokerage/market/products/{quote(product)}/ticker?limit=1")
            keys = ("best_bid", "best_ask")
        else:
            data = await self.get_json(f"/api/v3/ticker/bookTicker?symbol={quote(product.upper())}", weight=2)
            keys = ("bidPrice", "askPrice")
        if not isinstance(data, dict) or any(not isinstance(data.get(k), str) for k in keys):
            raise RestError(f"{self.venue} ticker of {product}: unexpected body {str(data)[:120]}")
        return {"best_bid": data[keys[0]], "best_ask": data[keys[1]]}

    async def server_time(self) -> int:
        """The venue's clock, int ns since the epoch."""
        if self.venue == "coinbase":
            data = await self.get_json("/api/v3/brokerage/time")
            key, scale = "epochMillis", 1_000_000
        else:
            data = await self.get_json("/api/v3/time")
            key, scale = "serverTime", 1_000_000
        value = data.get(key) if isinstance(data, dict) else None
        if isinstance(value, str) and value.isdigit():
            value = int(value)
        if type(value) is not int:
            raise RestError(f"{self.venue} server time: unexpected body {str(data)[:120]}")
        return value * scale

    async def candles(
        self,
        product: str,
        start_ns: int,
        end_ns: int,
        interval: str = "1m",
        progress: Callable[[int, int, int], None] | None = None,
    ) -> list[CandleRow]:
        """Candles of ``product`` opening in ``[start_ns, end_ns)``, oldest first, one row per open time.

        Pages as :func:`jtrader.live.candles.candle_requests` plans them; ``progress(page, pages,
        rows)`` is called after each page.
        """
        requests = candle_requests(self.venue, product, start_ns, end_ns, interval)
        rows: dict[int, CandleRow] = {}
        weight = 2 if self.venue == "binance" else 1
        for index, request in enumerate(requests, 1):
            response = await self.get(request.path, weight)
            try:
                page = parse_candle_rows(self.venue, response.body, request.start, request.end)
            except MalformedMessageError as exc:
                raise RestError(f"GET {response.url}: {exc}", response.url, response.status) from exc
            for row in page:
                rows[row.start] = row
            if progress is not None:
                progress(index, len(requests), len(rows))
        return [rows[start] for start in sorted(rows)]
