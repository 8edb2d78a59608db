"""What to connect to and what to send, per venue: feed plans. Pure: no sockets, no asyncio.

A :class:`FeedPlan` turns "venue, products, channels, URLs" into the websocket URL, the subscribe
frames, the REST URLs to fetch, when a subscription counts as acknowledged, and the adapter and
recovery policy that go with it. :class:`~jtrader.live.handler.WebSocketHandler` does the I/O.

Venue facts (``shared/notes/venue-protocols.md``; CB-OV/CB-CH = the Coinbase Advanced Trade
websocket overview and channels pages, BN-WS = Binance ``web-socket-streams.md``):

* Coinbase: one endpoint; a subscribe frame per channel (``level2``, ``market_trades``,
  ``ticker``, ...), sent at once after connecting (the venue disconnects clients that have not
  subscribed within 5 s), plus ``heartbeats`` so quiet channels stay open (CB-CH); the
  cumulative ``subscriptions`` ack lists every channel subscribed.
* Binance: combined streams by URL path, ``/stream?streams=btcusdt@depth@100ms/btcusdt@trade``
  (BN-WS), nothing to send and no ack; or ``/stream`` plus one ``SUBSCRIBE`` frame, answered by
  ``{"result": null, "id": N}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import orjson

from jtrader.errors import ConfigError
from jtrader.venues import BinanceAdapter, CoinbaseAdapter, binance_rest, coinbase_rest
from jtrader.venues.recovery import BinanceRecovery, CoinbaseRecovery, RecoveryPolicy

__all__ = [
    "DEFAULT_CHANNELS",
    "DEFAULT_REST_URLS",
    "DEFAULT_WS_URLS",
    "VENUES",
    "BinancePlan",
    "CoinbasePlan",
    "FeedPlan",
    "make_plan",
    "rest_base_for",
]

VENUES = ("coinbase", "binance")
#: the venues' public market-data websocket endpoints (CB-OV; BN-WS)
DEFAULT_WS_URLS = {"coinbase": "wss://advanced-trade-ws.coinbase.com", "binance": "wss://stream.binance.com:9443"}
#: the venues' public REST roots (Coinbase SDK ``BASE_URL``; BN-REST)
DEFAULT_REST_URLS = {"coinbase": "https://api.coinbase.com", "binance": "https://api.binance.com"}
#: channels (Coinbase) / streams (Binance) recorded when none are asked for
DEFAULT_CHANNELS = {
    "coinbase": ("level2", "market_trades", "ticker"),
    "binance": ("depth@100ms", "trade", "bookTicker"),
}


def rest_base_for(ws_url: str) -> str:
    """The REST root on the same host and port as ``ws_url`` (``ws://h:p/x`` -> ``http://h:p``).

    That is where ``jtrader serve`` answers REST; real venues use :data:`DEFAULT_REST_URLS`.
    """
    parts = urlsplit(ws_url)
    if parts.scheme not in ("ws", "wss") or not parts.netloc:
        raise ConfigError(f"websocket URL must be ws://HOST:PORT or wss://HOST:PORT, got {ws_url!r}")
    return urlunsplit(("http" if parts.scheme == "ws" else "https", parts.netloc, "", "", ""))


@dataclass(frozen=True, slots=True)
class FeedPlan:
    """The common part of every plan. Times in seconds (configuration, not market data)."""

    venue: str
    products: tuple[str, ...]
    channels: tuple[str, ...]
    ws_url: str
    rest_url: str
    #: no frame for this long means the feed stalled (the handler reconnects)
    stall_timeout_s: float
    #: reconnect before the venue's own cut (Binance: 24 h per connection); None = never
    max_connection_age_s: float | None
    #: control frames a second the venue tolerates from one client
    send_rate: float

    def connect_url(self) -> str:
        """The websocket URL to open."""
        raise NotImplementedError

    def subscribe_frames(self) -> list[str]:
        """Frames to send right after the connection opens, in order."""
        raise NotImplementedError

    def instruments_url(self) -> str:
        """REST URL of the instruments of :attr:`products` (products / exchangeInfo)."""
        raise NotImplementedError

    def new_adapter(self) -> Any:
        """A fresh sans-I/O adapter for this venue."""
        raise NotImplementedError

    def new_recovery(self) -> RecoveryPolicy:
        """A fresh recovery policy (see :mod:`jtrader.venues.recovery`)."""
        raise NotImplementedError

    def acked(self, adapter: Any, connection: str, control_before: int) -> bool:
        """True once the venue acknowledged every subscription sent on ``connection``.

        ``control_before`` is ``adapter.stats.control`` when the connection opened.
        """
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class CoinbasePlan(FeedPlan):
    """Coinbase Advanced Trade: channel subscribe frames plus ``heartbeats`` (see the module docstring)."""

    def connect_url(self) -> str:
        return self.ws_url

    def subscribe_frames(self) -> list[str]:
        return coinbase_rest.subscribe_frames(self.products, [*self.channels, "heartbeats"])

    def instruments_url(self) -> str:
        query = "&".join(f"product_ids={quote(p)}" for p in self.products)
        return f"{self.rest_url.rstrip('/')}/api/v3/brokerage/market/products?{query}"

    def new_adapter(self) -> CoinbaseAdapter:
        return CoinbaseAdapter()

    def new_recovery(self) -> CoinbaseRecovery:
        return CoinbaseRecovery()

    def acked(self, adapter: Any, connection: str, control_before: int) -> bool:
        subscribed = adapter.subscriptions.get(connection)
        if not subscribed:
            return False
        return all(channel in subscribed for channel in (*self.channels, "heartbeats"))


@dataclass(frozen=True, slots=True)
class BinancePlan(FeedPlan):
    """Binance spot: combined streams by URL path, or ``SUBSCRIBE`` frames (``subscribe_by_frame``)."""

    subscribe_by_frame: bool = False
    #: levels asked of ``/api/v3/depth`` when a book needs a snapshot (5000, the most: levels
    #: deeper than the snapshot stay invisible until they change; weight 250 of 6000 a minute)
    depth_limit: int = 5000
    #: a resyncing symbol whose stream stays quiet this long after (re)connecting is fetched anyway
    diff_wait_s: float = 2.0

    def stream_names(self) -> list[str]:
        """``btcusdt@depth@100ms``... for every product x channel (raises ConfigError on bad names)."""
        return binance_rest.stream_names(self.products, self.channels)

    def connect_url(self) -> str:
        base = self.ws_url.rstrip("/")
        if self.subscribe_by_frame:
            return f"{base}/stream"
        return f"{base}/stream?streams={'/'.join(self.stream_names())}"

    def subscribe_frames(self) -> list[str]:
        if not self.subscribe_by_frame:
            return []
        return [binance_rest.subscribe_frame(self.products, self.channels, 1)]

    def instruments_url(self) -> str:
        symbols = orjson.dumps([p.upper() for p in self.products]).decode()
        return f"{self.rest_url.rstrip('/')}/api/v3/exchangeInfo?symbols={quote(symbols, safe='')}"

    def new_adapter(self) -> BinanceAdapter:
        return BinanceAdapter()

    def new_recovery(self) -> BinanceRecovery:
        return BinanceRecovery(self.rest_url, self.depth_limit, diff_wait_ns=int(self.diff_wait_s * 1e9))

    def acked(self, adapter: Any, connection: str, control_before: int) -> bool:
        if not self.subscribe_by_frame:
            return True
        return bool(adapter.stats.control > control_before)


def make_plan(
    venue: str,
    products: Sequence[str],
    channels: Sequence[str] = (),
    url: str | None = None,
    rest_url: str | None = None,
    *,
    stall_timeout_s: float | None = None,
    subscribe_by_frame: bool = False,
    depth_limit: int = 5000,
) -> FeedPlan:
    """The plan for ``venue`` (``coinbase`` or ``binance``); raises :class:`ConfigError` on bad input.

    ``url`` defaults to the venue's public endpoint; when it is given (``jtrader serve``), the REST
    root defaults to the same host and port (:func:`rest_base_for`). ``channels`` default to
    :data:`DEFAULT_CHANNELS`. ``stall_timeout_s`` defaults to 5 s on Coinbase (heartbeats come
    every second) and 30 s on Binance (a quiet symbol's streams can pause for seconds).
    """
    if venue not in VENUES:
        raise ConfigError(f"unknown venue {venue!r}; expected one of {', '.join(VENUES)}")
    if venue == "coinbase":
        names = tuple(dict.fromkeys(p.strip().upper() for p in products if p.strip()))
    else:
        names = tuple(dict.fromkeys(p.strip().upper().replace("-", "") for p in products if p.strip()))
    if not names:
        raise ConfigError("give at least one product (--products BTC-USD or BTCUSDT)")
    chosen = tuple(dict.fromkeys(channels)) or DEFAULT_CHANNELS[venue]
    ws_url = url or DEFAULT_WS_URLS[venue]
    rest = rest_url or (rest_base_for(ws_url) if url else DEFAULT_REST_URLS[venue])
    rest_base_for(ws_url)  # validates the scheme
    if not 1 <= depth_limit <= 5000:
        raise ConfigError(f"depth limit must be 1..5000 levels, got {depth_limit}")
    if stall_timeout_s is not None and not stall_timeout_s > 0:
        raise ConfigError(f"stall timeout must be > 0 s, got {stall_timeout_s}")
    if venue == "coinbase":
        for channel in chosen:
            if channel not in coinbase_rest.CHANNELS or channel in ("user", "futures_balance_summary", "heartbeats"):
                raise ConfigError(
                    f"Coinbase channel {channel!r} cannot be recorded; use level2, market_trades, ticker..."
                )
        return CoinbasePlan(venue, names, chosen, ws_url, rest, stall_timeout_s or 5.0, None, send_rate=8.0)
    plan = BinancePlan(
        venue,
        names,
        chosen,
        ws_url,
        rest,
        stall_timeout_s or 30.0,
        # BN-WS: a connection is valid for 24 hours; move before the venue's cut
        23.5 * 3600,
        send_rate=4.0,
        subscribe_by_frame=subscribe_by_frame,
        depth_limit=depth_limit,
    )
    plan.stream_names()  # validates the names early
    return plan
