"""One client connection of the local venue: its subscriptions, its outbox, its faults.

A session speaks one venue's protocol to one websocket client. The server's timeline *offers*
every source frame (:class:`~jtrader.live.localvenue.market.Delivery`) to every session; a session
takes the ones its subscriptions ask for into a bounded outbox, and its sender task sends them in
order, numbering Coinbase frames per connection and applying the connection's faults. A full
outbox makes the timeline wait (``--speed max`` runs as fast as the subscribed clients read).

Coinbase Advanced Trade (``shared/notes/venue-protocols.md`` 1.2-1.5): ``subscribe`` /
``unsubscribe`` frames, one channel each; a cumulative ``subscriptions`` ack per request;
``sequence_num`` per connection from 0 over every frame; a subscriber to ``level2`` (or
``market_trades``, ``ticker``, ``candles``) gets a snapshot rendered from the server's book at
that moment, unless the recording's own snapshot is still ahead; ``{"type": "error"}`` frames
answer bad requests. A client that repeats the recorded session's requests in order gets the
recorded acks themselves, so it receives exactly the recorded frames.

Binance spot (1.2, 2.2): streams by URL (``/ws/<stream>``, ``/stream?streams=a/b``), or
``SUBSCRIBE`` / ``UNSUBSCRIBE`` / ``LIST_SUBSCRIPTIONS`` / ``SET_PROPERTY`` / ``GET_PROPERTY``
frames answered ``{"result": ..., "id": N}``; combined connections get ``{"stream", "data"}``
wrappers, raw ones the bare payload; more than 5 incoming messages in a second closes the
connection with 1008 "Too many requests".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import deque
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import unquote

import orjson
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from jtrader.live.localvenue import render
from jtrader.live.localvenue.faults import ConnectionFaults
from jtrader.live.localvenue.market import Delivery, MarketState, binance_stream_kind, coinbase_request_key

__all__ = ["BinanceSession", "CoinbaseSession", "Out", "Session", "SessionHost", "parse_binance_path"]

log = logging.getLogger(__name__)

_SEQ = re.compile(rb'"sequence_num":\s*-?\d+')
#: Coinbase channels a public client may subscribe to
COINBASE_CHANNELS = ("heartbeats", "candles", "status", "ticker", "ticker_batch", "level2", "market_trades")
_NEEDS_PRODUCTS = ("candles", "ticker", "ticker_batch", "level2", "market_trades")
#: Binance incoming messages per second per connection (BN-WS "WebSocket Limits")
BINANCE_MAX_INCOMING_PER_S = 5
_STREAM_NAME = re.compile(r"^[a-z0-9]+@[A-Za-z0-9_@]+$")


class SessionHost(Protocol):
    """What a session reads from and tells the server."""

    venue: str
    market: MarketState
    products_known: set[str]
    recorded_requests: list[tuple[str, str, tuple[str, ...]]]
    outbox_limit: int
    #: Binance: incoming messages a second before the connection is closed (1008)
    max_incoming_per_s: int

    def subscriptions_changed(self) -> None: ...


@dataclass(slots=True)
class Out:
    """One frame in an outbox: ``seq`` is the recorded ``sequence_num`` to renumber (Coinbase),
    ``None`` when the frame has none; ``faultable`` frames may be hit by faults."""

    payload: bytes
    seq: int | None = None
    faultable: bool = True
    diff: bool = False


def parse_binance_path(path: str) -> tuple[bool, list[str]] | None:
    """``/stream?streams=a/b`` -> ``(True, [a, b])``; ``/ws/a`` -> ``(False, [a])``; ``/ws`` -> ``(False, [])``.

    None when the path is not a Binance stream path or a stream name is malformed.
    """
    route, _, query = unquote(path).partition("?")
    if route in ("/stream", "/stream/"):
        names: list[str] = []
        for part in query.split("&"):
            key, _, value = part.partition("=")
            if key == "streams" and value:
                names = value.split("/")
        combined = True
    elif route.startswith("/ws"):
        rest = route[3:].strip("/")
        names = rest.split("/") if rest else []
        combined = False
    else:
        return None
    if any(not _STREAM_NAME.match(name) for name in names):
        return None
    return combined, names


class Session:
    """The common part: outbox, sender, faults. ``index`` numbers connections from 1."""

    numbered = False

    def __init__(self, host: SessionHost, ws: ServerConnection, index: int, faults: ConnectionFaults | None) -> None:
        self.host = host
        self.ws = ws
        self.index = index
        self.faults = faults
        self.outbox: deque[Out] = deque()
        self.closed = False
        self.sent = 0
        self.seq = 0
        self._wake = asyncio.Event()
        self._space = asyncio.Event()
        self._held: bytes | None = None

    # -- subscriptions (venue-specific) ------------------------------------------------------------
    @property
    def subscribed(self) -> bool:
        """True when the session asked for any data."""
        raise NotImplementedError

    def route(self, delivery: Delivery) -> Out | None:
        """The frame this session sends for ``delivery``, or None if it did not ask for it."""
        raise NotImplementedError

    async def on_message(self, message: str | bytes) -> None:
        """One frame from the client."""
        raise NotImplementedError

    def error_frame(self, text: str) -> bytes:
        """A venue error frame (for the ``error`` fault and bad requests)."""
        raise NotImplementedError

    # -- flow --------------------------------------------------------------------------------------
    async def offer(self, delivery: Delivery) -> None:
        """Take ``delivery`` if subscribed; wait while the outbox is full (back-pressure on the timeline)."""
        out = self.route(delivery)
        if out is None:
            return
        while len(self.outbox) >= self.host.outbox_limit and not self.closed:
            self._space.clear()
            await self._space.wait()
        if not self.closed:
            self.push(out)

    def push(self, out: Out) -> None:
        """Queue ``out`` now, past the bound (replies and snapshots to the client's own requests)."""
        if self.closed:
            return
        self.outbox.append(out)
        self._wake.set()

    async def run(self) -> None:
        """Read the client's frames until the connection ends; the sender runs beside."""
        sender = asyncio.get_running_loop().create_task(self._sender())
        try:
            async for message in self.ws:
                await self.on_message(message)
        except ConnectionClosed:
            pass
        finally:
            self.close()
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                await sender

    def close(self) -> None:
        """Stop taking frames; wake a timeline waiting for space."""
        self.closed = True
        self.outbox.clear()
        self._space.set()
        self._wake.set()

    def abort(self) -> None:
        """Cut the TCP connection without a close frame (the ``disconnect_every`` fault)."""
        self.close()
        self.ws.transport.abort()

    async def _sender(self) -> None:
        ws = self.ws
        outbox = self.outbox
        while not self.closed:
            if not outbox:
                self._space.set()
                self._wake.clear()
                if self._held is not None:  # a reordered frame waits at most 50 ms for a successor
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), 0.05)
                    if not outbox and self._held is not None:
                        held, self._held = self._held, None
                        await ws.send(held, text=True)
                    continue
                await self._wake.wait()
                continue
            out = outbox.popleft()
            if len(outbox) < self.host.outbox_limit:
                self._space.set()
            if self.faults is None or not out.faultable:
                await ws.send(self._number(out), text=True)
                self.sent += 1
            else:
                await self._send_with_faults(out)

    def _number(self, out: Out) -> bytes:
        if not self.numbered or out.seq is None:
            return out.payload
        n = self.seq
        self.seq = n + 1
        if out.seq == n:
            return out.payload
        return _SEQ.sub(b'"sequence_num":%d' % n, out.payload, count=1)

    async def _send_with_faults(self, out: Out) -> None:
        assert self.faults is not None
        fate = self.faults.fate(is_diff=out.diff, numbered=self.numbered)
        ws = self.ws
        if fate.stall_s:
            await asyncio.sleep(fate.stall_s)
        if fate.error_before:
            await ws.send(self.error_frame("injected fault: venue error"), text=True)
        if fate.skip_seq:
            self.seq += 1
        payload = self._number(out)
        if not fate.drop:
            if fate.malformed:
                payload = payload[: max(1, len(payload) // 2)].decode("utf-8", "ignore").encode()
            if fate.reorder and self._held is None:
                self._held = payload
            else:
                await ws.send(payload, text=True)
                self.sent += 1
                if fate.dup:
                    await ws.send(payload, text=True)
                if self._held is not None:
                    held, self._held = self._held, None
                    await ws.send(held, text=True)
        if fate.disconnect_after:
            log.info("connection %d: injected disconnect after %d frames", self.index, self.faults.frames)
            self.abort()


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


class BinanceSession(Session):
    """A Binance spot client (see the module docstring); ``path`` is its request path."""

    def __init__(
        self, host: SessionHost, ws: ServerConnection, index: int, faults: ConnectionFaults | None, path: str
    ) -> None:
        super().__init__(host, ws, index, faults)
        parsed = parse_binance_path(path) or (False, [])
        self.combined, names = parsed
        #: (SYMBOL, kind) -> the stream name the client used
        self.streams: dict[tuple[str, str], str] = {}
        self._incoming: deque[float] = deque()
        for name in names:
            self._add(name)

    def _add(self, name: str) -> None:
        symbol, _, rest = name.partition("@")
        self.streams[(symbol.upper(), binance_stream_kind(rest))] = name

    def _remove(self, name: str) -> None:
        symbol, _, rest = name.partition("@")
        self.streams.pop((symbol.upper(), binance_stream_kind(rest)), None)

    @property
    def subscribed(self) -> bool:
        return bool(self.streams)

    def route(self, delivery: Delivery) -> Out | None:
        name = self.streams.get((delivery.products[0], delivery.channel)) if delivery.products else None
        if name is None or delivery.data is None:
            return None
        if not self.combined:
            return Out(delivery.data, diff=delivery.diff)
        if delivery.stream == name:
            return Out(delivery.payload, diff=delivery.diff)
        return Out(b'{"stream":"' + name.encode() + b'","data":' + delivery.data + b"}", diff=delivery.diff)

    def error_frame(self, text: str) -> bytes:
        return orjson.dumps({"code": -1, "msg": text})

    def _reply(self, body: dict[str, Any]) -> None:
        self.push(Out(orjson.dumps(body), None, faultable=False))

    async def on_message(self, message: str | bytes) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        incoming = self._incoming
        incoming.append(now)
        while incoming and now - incoming[0] > 1.0:
            incoming.popleft()
        limit = self.host.max_incoming_per_s
        if len(incoming) > limit:
            log.info("connection %d: more than %d messages a second: closing", self.index, limit)
            self.close()
            await self.ws.close(1008, "Too many requests")
            return
        try:
            msg = orjson.loads(message)
        except orjson.JSONDecodeError as exc:
            self._reply({"code": 3, "msg": f"Invalid JSON: {exc}"})
            return
        if not isinstance(msg, dict):
            self._reply({"code": 2, "msg": "Invalid request: request must be a JSON object"})
            return
        request_id = msg.get("id")
        if request_id is not None and type(request_id) is not int and not isinstance(request_id, str):
            self._reply({"code": 2, "msg": "Invalid request: invalid id", "id": None})
            return
        method = msg.get("method")
        params = msg.get("params", [])
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            if not isinstance(params, list) or any(not isinstance(p, str) or not _STREAM_NAME.match(p) for p in params):
                self._reply({"code": 2, "msg": "Invalid request: invalid stream name", "id": request_id})
                return
            for name in params:
                (self._add if method == "SUBSCRIBE" else self._remove)(name)
            self._reply({"result": None, "id": request_id})
            self.host.subscriptions_changed()
        elif method == "LIST_SUBSCRIPTIONS":
            self._reply({"result": sorted(self.streams.values()), "id": request_id})
        elif method == "SET_PROPERTY":
            if params and params[0] == "combined" and len(params) == 2 and isinstance(params[1], bool):
                self.combined = params[1]
                self._reply({"result": None, "id": request_id})
            else:
                self._reply({"code": 0, "msg": "Unknown property", "id": request_id})
        elif method == "GET_PROPERTY":
            if params == ["combined"]:
                self._reply({"result": self.combined, "id": request_id})
            else:
                self._reply({"code": 0, "msg": "Unknown property", "id": request_id})
        else:
            self._reply({"code": 2, "msg": f"Invalid request: unknown method {method!r}", "id": request_id})
