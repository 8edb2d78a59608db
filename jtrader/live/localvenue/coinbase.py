"""A Coinbase Advanced Trade client of the local venue (``shared/notes/venue-protocols.md`` 1.2-1.5).

``subscribe`` / ``unsubscribe`` frames, one channel each; a cumulative ``subscriptions`` ack per
request; ``sequence_num`` per connection from 0 over every frame (numbered by the session's
sender); a subscriber to ``level2`` (or ``market_trades``, ``ticker``, ``candles``) gets a snapshot
rendered from the server's book at that moment, unless the recording's own snapshot is still
ahead; ``{"type": "error"}`` frames answer bad requests. A client that repeats the recorded
session's requests in order gets the recorded acks themselves, so it receives exactly the
recorded frames.
"""

from __future__ import annotations

import asyncio

import orjson
from websockets.asyncio.server import ServerConnection

from jtrader.live.localvenue import render
from jtrader.live.localvenue.faults import ConnectionFaults
from jtrader.live.localvenue.market import Delivery, coinbase_request_key
from jtrader.live.localvenue.sessions import Out, Session, SessionHost

__all__ = ["COINBASE_CHANNELS", "CoinbaseSession"]

#: Coinbase channels a public client may subscribe to
COINBASE_CHANNELS = ("heartbeats", "candles", "status", "ticker", "ticker_batch", "level2", "market_trades")
_NEEDS_PRODUCTS = ("candles", "ticker", "ticker_batch", "level2", "market_trades")


class CoinbaseSession(Session):
    """A Coinbase Advanced Trade client (see the module docstring)."""

    numbered = True

    def __init__(self, host: SessionHost, ws: ServerConnection, index: int, faults: ConnectionFaults | None) -> None:
        super().__init__(host, ws, index, faults)
        #: channel -> products, in subscription order
        self.subs: dict[str, list[str]] = {}
        self.requests = 0
        #: still repeating the recorded session's requests, in order, from the start of the market
        self.replay_mode = host.market.requests_seen == 0 and bool(host.recorded_requests)
        #: recorded acks this session waits for (by request number)
        self.awaiting_acks: set[int] = set()
        self.last_heartbeat = 0.0
        self.ever_subscribed = False

    @property
    def subscribed(self) -> bool:
        return any(self.subs.values())

    @property
    def wants_heartbeats(self) -> bool:
        """True when subscribed to the ``heartbeats`` channel."""
        return "heartbeats" in self.subs

    def route(self, delivery: Delivery) -> Out | None:
        if delivery.ack_index is not None:
            if delivery.ack_index in self.awaiting_acks:
                self.awaiting_acks.discard(delivery.ack_index)
                return Out(delivery.payload, delivery.seq)
            return None
        subs = self.subs.get(delivery.channel)
        if subs is None:
            return None
        if delivery.channel == "heartbeats":
            self.last_heartbeat = asyncio.get_running_loop().time()
        elif delivery.products and not any(p in subs for p in delivery.products):
            return None
        return Out(delivery.payload, delivery.seq)

    def error_frame(self, text: str) -> bytes:
        return render.coinbase_error_frame(text)

    def _error(self, message: str, reason: str = "") -> None:
        self.push(Out(render.coinbase_error_frame(message, reason), None, faultable=False))

    async def on_message(self, message: str | bytes) -> None:
        try:
            msg = orjson.loads(message)
        except orjson.JSONDecodeError:
            self._error("failure to parse the request: not JSON")
            return
        if not isinstance(msg, dict):
            self._error("failure to parse the request: not a JSON object")
            return
        kind = msg.get("type")
        channel = msg.get("channel")
        products = msg.get("product_ids", [])
        if kind not in ("subscribe", "unsubscribe"):
            self._error(f"unknown message type {kind!r}: expected subscribe or unsubscribe")
            return
        if channel not in COINBASE_CHANNELS:
            self._error("Failed to subscribe", f"channel {channel!r} is not supported")
            return
        if not isinstance(products, list) or any(not isinstance(p, str) for p in products):
            self._error("Failed to subscribe", "product_ids must be a list of strings")
            return
        if kind == "subscribe" and channel in _NEEDS_PRODUCTS and not products:
            self._error("Failed to subscribe", f"channel {channel!r} needs product_ids")
            return
        unknown = [p for p in products if p not in self.host.products_known]
        if unknown and channel != "heartbeats":
            self._error("Failed to subscribe", f"unknown product_id {unknown[0]!r}")
            return
        index = self.requests
        self.requests += 1
        recorded = self.host.recorded_requests
        replay = self.replay_mode and index < len(recorded) and recorded[index] == coinbase_request_key(msg)
        if not replay:
            self.replay_mode = False
        if kind == "subscribe":
            self._subscribe(channel, products, render_snapshots=not replay)
        else:
            self._unsubscribe(channel, products)
        if replay and self.host.market.acks_seen <= index:
            self.awaiting_acks.add(index)
        else:
            self.push(Out(render.coinbase_ack_frame(self._ack_body(), self._now()), 0))
        self.host.subscriptions_changed()

    def _now(self) -> int:
        return self.host.market.now_ts or 0

    def _subscribe(self, channel: str, products: list[str], render_snapshots: bool) -> None:
        self.ever_subscribed = True
        have = self.subs.setdefault(channel, [])
        if channel == "heartbeats":
            if not have:
                have.append("heartbeats")
                self.last_heartbeat = asyncio.get_running_loop().time()
            return
        have.extend(p for p in products if p not in have)
        if render_snapshots:
            for product in products:
                self._snapshot(channel, product)

    def _snapshot(self, channel: str, product: str) -> None:
        """What a subscriber gets at once: the state now, when the server knows it (see the module docstring)."""
        market = self.host.market
        ts = self._now()
        if channel == "level2":
            book = market.books.get(product)
            inst = market.adapter.instruments.get(product)
            if book is not None and inst is not None and market.known(product):
                self.push(Out(render.coinbase_l2_snapshot_frame(inst, book, ts), 0))
        elif channel == "market_trades" and market.trades.get(product):
            rows = list(reversed(market.trades[product]))
            self.push(Out(render.coinbase_event_frame("market_trades", ts, [{"type": "snapshot", "trades": rows}]), 0))
        elif channel in ("ticker", "ticker_batch") and product in market.tickers:
            event = {"type": "snapshot", "tickers": [market.tickers[product]]}
            self.push(Out(render.coinbase_event_frame(channel, ts, [event]), 0))
        elif channel == "candles" and product in market.candles:
            event = {"type": "snapshot", "candles": [market.candles[product]]}
            self.push(Out(render.coinbase_event_frame("candles", ts, [event]), 0))

    def _unsubscribe(self, channel: str, products: list[str]) -> None:
        if channel not in self.subs:
            return
        if not products or channel == "heartbeats":
            del self.subs[channel]
            return
        left = [p for p in self.subs[channel] if p not in products]
        if left:
            self.subs[channel] = left
        else:
            del self.subs[channel]

    def _ack_body(self) -> dict[str, list[str]]:
        return {channel: list(products) for channel, products in self.subs.items()}

    def flush_acks(self) -> None:
        """Acks still awaited from the recording when it ended: render them now."""
        if self.awaiting_acks:
            self.awaiting_acks.clear()
            self.push(Out(render.coinbase_ack_frame(self._ack_body(), self._now()), 0))

    def heartbeat(self, counter: int, ts: int) -> None:
        """Send a heartbeat the recording did not have (the market is quiet or over)."""
        self.last_heartbeat = asyncio.get_running_loop().time()
        self.push(Out(render.coinbase_heartbeat_frame(ts, counter), 0))
