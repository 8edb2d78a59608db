"""LocalVenue: ``jtrader serve``, a local exchange that speaks a venue's protocol from a recording.

One market timeline per server, as on a real venue: the source records go, in order, through the
venue adapter into the server's books (:class:`~jtrader.live.localvenue.market.MarketState`), and
each frame is offered to every connected session (:mod:`jtrader.live.localvenue.sessions`). The
timeline starts when the first client subscribes and runs at ``speed`` x the recorded pace
(``None`` = ``max``: as fast as the subscribed clients read, paused while none is subscribed).
A client that (re)subscribes later gets the book as it stands at that moment (Coinbase snapshot
frame, Binance REST depth), then the updates: a reconnect loses what it missed, and the client's
resync has to recover it. At the end of the recording the server keeps its clients connected
(Coinbase subscribers keep getting heartbeats) unless ``loop``: then every connection is closed
(1012, service restart) and the market starts again from the beginning.

REST is answered on the same host and port (:mod:`jtrader.live.localvenue.http_api`); faults
are seeded per connection (:mod:`jtrader.live.localvenue.faults`). The wall clock is read only to
pace the timeline and to space heartbeats: what the clients receive never depends on it at
``--speed max`` without faults.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Any

import orjson
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.http11 import Request, Response

from jtrader.errors import ConfigError
from jtrader.live.localvenue.binance import BINANCE_MAX_INCOMING_PER_S, BinanceSession
from jtrader.live.localvenue.coinbase import CoinbaseSession
from jtrader.live.localvenue.faults import ConnectionFaults, FaultSpec
from jtrader.live.localvenue.http_api import RestApi, json_response
from jtrader.live.localvenue.market import MarketState, Prescan
from jtrader.live.localvenue.sessions import Session, parse_binance_path
from jtrader.recording import Direction, open_source

__all__ = ["LocalVenue"]

log = logging.getLogger(__name__)

_NS_PER_S = 1_000_000_000


class LocalVenue:
    """A local venue serving ``path`` (any recording jtrader reads; ``format`` as in ``open_source``).

    ``speed``: None (max) or a positive factor of the recorded pace; ``loop``: start over at the
    end; ``faults``/``seed``: see :mod:`~jtrader.live.localvenue.faults`; ``subscribe_timeout_s``:
    Coinbase closes a connection that has not subscribed by then (the venue's 5 s);
    ``outbox_limit``: frames queued per connection before the timeline waits;
    ``heartbeat_fill_s``: a Coinbase heartbeats subscriber that got none for this long gets one
    made by the server; ``gate_wait_s``: how long the timeline waits, at a recorded subscribe
    request, for a client repeating the recorded session to send the same request;
    ``max_incoming_per_s``: Binance closes a connection that sends more messages a second (1008).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        format: str = "auto",
        speed: float | None = None,
        loop: bool = False,
        faults: FaultSpec | None = None,
        seed: int = 0,
        subscribe_timeout_s: float = 5.0,
        outbox_limit: int = 1024,
        heartbeat_fill_s: float = 1.5,
        gate_wait_s: float = 1.0,
        book_wait_s: float = 5.0,
        max_incoming_per_s: int = BINANCE_MAX_INCOMING_PER_S,
    ) -> None:
        if speed is not None and not speed > 0:
            raise ConfigError(f"speed must be max or > 0, got {speed}")
        self.source = open_source(path, format)
        header = self.source.header
        if header.venue not in ("coinbase", "binance"):
            raise ConfigError(f"cannot serve a {header.venue!r} recording: only coinbase and binance")
        self.venue = header.venue
        self.speed = speed
        self.loop = loop
        self.faults = faults or FaultSpec()
        self.seed = seed
        self.subscribe_timeout_s = subscribe_timeout_s
        self.outbox_limit = outbox_limit
        self.heartbeat_fill_s = heartbeat_fill_s
        self.gate_wait_s = gate_wait_s
        self.max_incoming_per_s = max_incoming_per_s
        self.prescan = Prescan.scan(self.venue, header.products, self.source)
        self.recorded_requests = self.prescan.recorded_requests
        self.products_known = set(self.prescan.symbols())
        self.market = self._new_market()
        self.api = RestApi(self, http_429=self.faults.http_429, seed=seed, book_wait_s=book_wait_s)
        self.sessions: list[Session] = []
        self.connections = 0
        #: recorded frames offered to the sessions, and times the recording was played
        self.delivered = 0
        self.plays = 0
        self.finished = False
        self._fault_counts: dict[str, int] = {}
        self._server: Server | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._subscribed: asyncio.Event | None = None
        self._started: asyncio.Event | None = None
        self.host = "127.0.0.1"
        self.port = 0

    def _new_market(self) -> MarketState:
        return MarketState(self.venue, dict(self.prescan.instruments), self.prescan.recorded_conn)

    @property
    def url(self) -> str:
        """``ws://HOST:PORT`` of the running server."""
        return f"ws://{self.host}:{self.port}"

    def now_ts(self) -> int:
        """The venue's clock: the timeline's position (recorded receive time, ns)."""
        return self.market.now_ts or self.prescan.first_ts

    # -- lifecycle --------------------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on ``host:port`` (0 picks a free port); returns :attr:`url`."""
        self._subscribed = asyncio.Event()
        self._started = asyncio.Event()
        self._server = await serve(
            self._handle,
            host,
            port,
            process_request=self._process_request,
            compression=None,
            max_size=1 << 20,
            ping_interval=20,
            ping_timeout=60,
        )
        sock = next(iter(self._server.sockets))
        self.host, self.port = sock.getsockname()[:2]
        loop = asyncio.get_running_loop()
        self._tasks.append(loop.create_task(self._timeline()))
        if self.venue == "coinbase":
            self._tasks.append(loop.create_task(self._heartbeats()))
        log.info("serving a %s recording on %s", self.venue, self.url)
        return self.url

    async def close(self) -> None:
        """Close every connection and stop."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> LocalVenue:
        if self._server is None:
            await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def wait_finished(self, poll_s: float = 0.01) -> None:
        """Wait until the timeline has played the whole recording (without ``loop``)."""
        while not self.finished:
            await asyncio.sleep(poll_s)

    def fault_counts(self) -> dict[str, int]:
        """Faults injected so far, by kind, over every connection (open or closed)."""
        out = dict(self._fault_counts)
        for session in self.sessions:
            if session.faults is not None:
                for name, count in session.faults.counts.items():
                    out[name] = out.get(name, 0) + count
        return out

    @property
    def idle(self) -> bool:
        """True when the recording is over and every outbox is empty."""
        return self.finished and all(not s.outbox for s in self.sessions)

    # -- connections ------------------------------------------------------------------------------
    async def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        if request.headers.get("Upgrade", "").lower() != "websocket":
            return await self.api.handle(request.path)
        if self.venue == "binance":
            parsed = parse_binance_path(request.path)
            if parsed is None:
                return json_response(400, {"code": -1121, "msg": f"Invalid stream path {request.path!r}"})
            unknown = [n for n in parsed[1] if n.partition("@")[0].upper() not in self.products_known]
            if unknown:
                return json_response(400, {"code": -1121, "msg": f"Invalid symbol in stream {unknown[0]!r}"})
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        self.connections += 1
        index = self.connections
        faults = ConnectionFaults(self.faults, self.seed, index) if self.faults.active else None
        session: Session
        if self.venue == "coinbase":
            session = CoinbaseSession(self, ws, index, faults)
        else:
            assert ws.request is not None
            session = BinanceSession(self, ws, index, faults, ws.request.path)
        self.sessions.append(session)
        log.info("connection %d opened (%d open)", index, len(self.sessions))
        watchdog = None
        if self.venue == "coinbase":
            watchdog = asyncio.get_running_loop().create_task(self._require_subscribe(session))
        else:
            self.subscriptions_changed()
        try:
            await session.run()
        finally:
            if watchdog is not None:
                watchdog.cancel()
            if faults is not None:
                for name, count in faults.counts.items():
                    self._fault_counts[name] = self._fault_counts.get(name, 0) + count
            self.sessions.remove(session)
            self.subscriptions_changed()
            log.info("connection %d closed after %d frames", index, session.sent)

    async def _require_subscribe(self, session: Session) -> None:
        await asyncio.sleep(self.subscribe_timeout_s)
        if isinstance(session, CoinbaseSession) and not session.ever_subscribed and not session.closed:
            log.info("connection %d: no subscribe within %.1f s: closing", session.index, self.subscribe_timeout_s)
            await session.ws.close(1008, "subscribe within 5 seconds of connecting")

    def subscriptions_changed(self) -> None:
        """A session's subscriptions changed: start the timeline, pause or resume it at max speed."""
        assert self._subscribed is not None and self._started is not None
        if any(s.subscribed for s in self.sessions):
            self._subscribed.set()
            self._started.set()
        else:
            self._subscribed.clear()

    # -- the timeline -----------------------------------------------------------------------------
    async def _timeline(self) -> None:
        assert self._subscribed is not None and self._started is not None
        await self._started.wait()
        loop = asyncio.get_running_loop()
        while True:
            self.plays += 1
            origin: tuple[int, float] | None = None
            pending_yield = 0
            for record in self.source:
                if self.speed is None:
                    if not self._subscribed.is_set():
                        await self._subscribed.wait()
                else:
                    if origin is None:
                        origin = (record.ts, loop.time())
                    due = origin[1] + (record.ts - origin[0]) / _NS_PER_S / self.speed
                    delay = due - loop.time()
                    if delay > 0.0005:
                        await asyncio.sleep(delay)
                        pending_yield = 0
                delivery = self.market.process(record)
                if record.direction == Direction.SEND and record.conn == self.market.recorded_conn:
                    await self._gate(self.market.requests_seen)
                if delivery is not None:
                    self.delivered += 1
                    for session in list(self.sessions):
                        await session.offer(delivery)
                pending_yield += 1
                if pending_yield >= 16:  # let the senders run
                    pending_yield = 0
                    await asyncio.sleep(0)
            if not self.loop:
                break
            await self._restart()
        self.finished = True
        for session in self.sessions:
            if isinstance(session, CoinbaseSession):
                session.flush_acks()
        log.info("recording played to the end (%d frames delivered)", self.delivered)

    async def _gate(self, requests_seen: int) -> None:
        """Wait (at most ``gate_wait_s``) until clients repeating the recorded session sent this request."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.gate_wait_s
        while loop.time() < deadline:
            waiting = [
                s
                for s in self.sessions
                if isinstance(s, CoinbaseSession) and s.replay_mode and not s.closed and s.requests < requests_seen
            ]
            if not waiting:
                return
            await asyncio.sleep(0.002)

    async def _restart(self) -> None:
        """``--loop``: close every connection (service restart) and start a new market."""
        log.info("recording over: restarting the market (play %d)", self.plays + 1)
        for session in list(self.sessions):
            if isinstance(session, BinanceSession):  # BN-WS: serverShutdown comes before a maintenance close
                notice = {"e": "serverShutdown", "E": self.now_ts() // 1_000_000}
                frame = {"stream": "!serverShutdown", "data": notice} if session.combined else notice
                with contextlib.suppress(Exception):
                    await session.ws.send(orjson.dumps(frame), text=True)
            session.close()
            with contextlib.suppress(Exception):
                await session.ws.close(1012, "service restart: the recording starts again")
        self.market = self._new_market()
        assert self._subscribed is not None
        if self.speed is None:
            await self._subscribed.wait()

    async def _heartbeats(self) -> None:
        """Coinbase: heartbeats for subscribers the recording leaves without (quiet market, or over)."""
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.heartbeat_fill_s / 3)
            now = loop.time()
            for session in list(self.sessions):
                if (
                    isinstance(session, CoinbaseSession)
                    and session.wants_heartbeats
                    and now - session.last_heartbeat > self.heartbeat_fill_s
                ):
                    self.market.heartbeat_counter += 1
                    session.heartbeat(self.market.heartbeat_counter, self.now_ts())
