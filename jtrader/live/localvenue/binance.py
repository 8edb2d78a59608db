"""A Binance spot client of the local venue (``shared/notes/venue-protocols.md`` 1.2, 2.2).

Streams by URL (``/ws/<stream>``, ``/stream?streams=a/b``), or ``SUBSCRIBE`` / ``UNSUBSCRIBE`` /
``LIST_SUBSCRIPTIONS`` / ``SET_PROPERTY`` / ``GET_PROPERTY`` frames answered
``{"result": ..., "id": N}`` (errors ``{"code", "msg", "id"}`` as in BN-WS); combined connections
get ``{"stream", "data"}`` wrappers, raw ones the bare payload; more than ``max_incoming_per_s``
(5) incoming messages in a second closes the connection with 1008 "Too many requests".
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any

import orjson
from websockets.asyncio.server import ServerConnection

from jtrader.live.localvenue.faults import ConnectionFaults
from jtrader.live.localvenue.market import Delivery, binance_stream_kind
from jtrader.live.localvenue.sessions import STREAM_NAME, Out, Session, SessionHost, parse_binance_path

__all__ = ["BINANCE_MAX_INCOMING_PER_S", "BinanceSession"]

log = logging.getLogger(__name__)

#: Binance incoming messages per second per connection (BN-WS "WebSocket Limits")
BINANCE_MAX_INCOMING_PER_S = 5


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
            if not isinstance(params, list) or any(not isinstance(p, str) or not STREAM_NAME.match(p) for p in params):
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
