"""WebSocketHandler: one live market-data feed, kept right through everything a real feed does.

The handler owns the socket and nothing else of substance: the venue adapter parses (sans-I/O),
the recovery policy decides what a gap needs (:mod:`jtrader.venues.recovery`), the feed plan says
what to connect to and send (:mod:`jtrader.live.feeds`), and the backoff is a pure generator.

Every input the adapter sees becomes a :class:`~jtrader.recording.Record` handed to ``on_record``
*before* the adapter parses it: received frames (``recv``, with the receive time in int ns and
the connection id), frames we sent (``send``), REST bodies (``http``), ``connect`` and
``disconnect``. The records, in the order given, are the whole input of the adapter, so a
recording of them replays to the same messages; ``on_messages(record, messages)`` then gets the
adapter's messages for that record (a paper-trading runner consumes these in order).
Receive times come from ``clock`` (default ``time.time_ns``), made non-decreasing.

States (:class:`HandlerState`)::

    disconnected -> connecting -> subscribing -> live <-> resyncing
         ^              |              |           |          |
         +---- error / stall / close (backoff) ----+----------+        stop() -> closed

* connect with ``connect_timeout_s``; typed errors (:class:`~jtrader.errors.ConnectRefusedError`,
  :class:`~jtrader.errors.ConnectTimeoutError`, :class:`~jtrader.errors.HandshakeRejectedError`);
* subscribe at once (Coinbase wants it within 5 s) and wait ``subscribe_timeout_s`` for the
  venue's ack (:class:`~jtrader.errors.SubscribeTimeoutError`);
* keepalive: websocket ping/pong both ways (the library answers the server's pings, e.g. Binance's
  every 20 s, with the same payload) and the venue's heartbeat channel (Coinbase ``heartbeats``);
* stall: no frame for the plan's ``stall_timeout_s`` while waiting on the socket (time spent in a
  slow consumer does not count) -> :class:`~jtrader.errors.StallError`, reconnect;
* a venue error frame -> :class:`~jtrader.errors.VenueErrorFrame`, reconnect; the server closing
  -> :class:`~jtrader.errors.ConnectionLostError`, reconnect; Binance's 24-hour connection limit
  -> planned reconnect before it (``max_connection_age_s``);
* reconnect after ``backoff_delays`` (exponential, seeded jitter), reset once a connection is live;
* gaps: the policy's actions are carried out (resubscribe, REST snapshot, reconnect).

``is_connected`` is true only while a connection is open and subscribed or subscribing; it is
false after any error. ``last_error`` keeps the last typed error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

from jtrader.errors import (
    ConfigError,
    ConnectionLostError,
    LiveError,
    RestError,
    StallError,
    SubscribeTimeoutError,
    VenueErrorFrame,
)
from jtrader.live.backoff import FramePacer, backoff_delays
from jtrader.live.connect import open_websocket
from jtrader.live.feeds import FeedPlan
from jtrader.live.rest import weight_of
from jtrader.live.sender import ControlQueue
from jtrader.live.state import HandlerConfig, HandlerCounters, HandlerState
from jtrader.live.tap import RecordTap
from jtrader.model import MarketMessage, VenueNotice
from jtrader.recording import Direction, Record
from jtrader.venues.recovery import FetchSnapshot, Reconnect, SendFrames

__all__ = ["HandlerConfig", "HandlerCounters", "HandlerState", "WebSocketHandler"]

log = logging.getLogger(__name__)

_RECV = Direction.RECV


class WebSocketHandler:
    """A live feed of one venue for ``plan``'s products (see the module docstring).

    ``rest`` (a :class:`~jtrader.live.rest.RestClient`) is needed for Binance depth snapshots;
    ``on_record(record)`` and ``on_messages(record, messages)`` are called synchronously on the
    event loop, in order (keep them fast; a slow consumer slows the read and lets the socket
    buffer fill, it never reorders or drops); ``on_state(state)`` sees every state change.
    ``adapter`` replaces the plan's fresh adapter (a resumed paper session hands over the one it
    rebuilt from its recording); connection ids are ``<venue>.ws.<n>`` from ``first_connection``.
    """

    def __init__(
        self,
        plan: FeedPlan,
        *,
        rest: Any = None,
        adapter: Any = None,
        on_record: Callable[[Record], None] | None = None,
        on_messages: Callable[[Record, list[MarketMessage]], None] | None = None,
        config: HandlerConfig | None = None,
        clock: Callable[[], int] = time.time_ns,
        on_state: Callable[[HandlerState], None] | None = None,
        first_connection: int = 1,
    ) -> None:
        if first_connection < 1:
            raise ConfigError(f"first_connection must be >= 1, got {first_connection}")
        self.plan = plan
        #: connection ids count from this number (a resumed paper session goes on after the recorded ones)
        self.first_connection = first_connection
        self.config = config or HandlerConfig()
        self.adapter = adapter if adapter is not None else plan.new_adapter()
        self.recovery = plan.new_recovery()
        self.rest = rest
        self.tap = RecordTap(clock, on_record, on_messages)
        self.on_state = on_state
        self.state = HandlerState.DISCONNECTED
        self.last_error: LiveError | None = None
        #: id of the open connection (``coinbase.ws.3``), "" when none
        self.connection = ""
        self.stall_timeout_s = self.config.stall_timeout_s or plan.stall_timeout_s
        self._ws: ClientConnection | None = None
        self._stopping = False
        self._n_connections = 0
        #: True once the current connection went ``live`` (the reconnect backoff then starts over)
        self.reached_live = False
        self._frames = 0
        self._counts = HandlerCounters()
        self._waiting_since: float | None = None
        self._close_reason: LiveError | None = None
        self._control_before = 0
        self._ack_deadline: float | None = None
        self._opened_at = 0.0
        self._tasks: set[asyncio.Task[Any]] = set()
        self._control = ControlQueue(FramePacer(self.config.send_rate or plan.send_rate, burst=8), self._send_now)
        self._seen_notices = self._seen_gaps = self._seen_buffered = 0
        self._remember_stats()

    # -- what callers read ------------------------------------------------------------------------
    @property
    def is_connected(self) -> bool:
        """True while a connection is open and subscribing, live or resyncing."""
        return self._ws is not None and self.state in (
            HandlerState.SUBSCRIBING,
            HandlerState.LIVE,
            HandlerState.RESYNCING,
        )

    @property
    def counters(self) -> HandlerCounters:
        """A snapshot of the counters (:class:`HandlerCounters`)."""
        out = HandlerCounters(**self._counts.as_dict())
        out.frames = self._frames
        out.messages = self.tap.messages
        out.gaps = self.adapter.stats.gaps
        out.malformed = self.adapter.stats.malformed
        return out

    @property
    def in_sync(self) -> bool:
        """True when the feed is ``live`` with nothing to recover: no book of the plan resyncing, no
        snapshot or resubscribe awaited by the recovery policy, no control frame waiting to go out.

        Stopping at such a moment leaves a recording whose every gap is followed by its resync and
        whose books all replay to known values (see :meth:`jtrader.live.record.Recorder.finish`).
        """
        return (
            self.state is HandlerState.LIVE
            and self._ws is not None
            and self.recovery.idle
            and not self._resyncing()
            and not self._control.frames
        )

    def _set_state(self, state: HandlerState) -> None:
        if state is not self.state:
            log.info("%s feed: %s -> %s", self.plan.venue, self.state.value, state.value)
            self.state = state
            if self.on_state is not None:
                self.on_state(state)

    @property
    def on_record(self) -> Callable[[Record], None] | None:
        """Called with every record, before the adapter parses it (see :class:`RecordTap`)."""
        return self.tap.on_record

    @on_record.setter
    def on_record(self, callback: Callable[[Record], None] | None) -> None:
        self.tap.on_record = callback

    @property
    def on_messages(self) -> Callable[[Record, list[MarketMessage]], None] | None:
        """Called with every record and the adapter's messages for it, in order."""
        return self.tap.on_messages

    @on_messages.setter
    def on_messages(self, callback: Callable[[Record, list[MarketMessage]], None] | None) -> None:
        self.tap.on_messages = callback

    def _remember_stats(self) -> None:
        stats = self.adapter.stats
        self._seen_notices, self._seen_gaps, self._seen_buffered = stats.notices, stats.gaps, stats.buffered

    def _record(self, direction: Direction, payload: bytes, url: str | None = None) -> Record:
        conn = f"{self.plan.venue}.http" if direction is Direction.HTTP else self.connection
        return self.tap.record(direction, conn, payload, url)

    # -- connecting -------------------------------------------------------------------------------
    async def connect(self) -> None:
        """Open one connection and send the subscriptions. Raises a typed :class:`LiveError`.

        On success the state is ``subscribing`` (or ``live`` when the venue sends no ack).
        """
        if self._stopping:
            raise ConnectionLostError("the handler is stopped")
        url = self.plan.connect_url()
        config = self.config
        self._counts.connects += 1
        attempt = self._counts.connects
        self._set_state(HandlerState.CONNECTING)
        log.info("%s feed: connecting to %s (attempt %d)", self.plan.venue, url, attempt)
        try:
            ws = await open_websocket(url, config)
        except ConfigError:
            self._set_state(HandlerState.DISCONNECTED)
            raise
        except LiveError as exc:
            error = exc
        else:
            await self._opened(ws, url)
            return
        self._set_state(HandlerState.DISCONNECTED)
        self.last_error = error
        log.warning("%s feed: attempt %d failed: %s", self.plan.venue, attempt, error)
        raise error

    async def _opened(self, ws: ClientConnection, url: str) -> None:
        self._n_connections += 1
        if self._n_connections > 1:
            self._counts.reconnects += 1
        self._ws = ws
        self._close_reason = None
        self.connection = f"{self.plan.venue}.ws.{self.first_connection - 1 + self._n_connections}"
        record = self._record(Direction.CONNECT, b"", url)
        self.tap.emit(record, self.adapter.on_connect(record.ts, self.connection))
        self._control_before = self.adapter.stats.control
        loop = asyncio.get_running_loop()
        self._opened_at = loop.time()
        self.recovery.subscribed(self.connection, self.plan.products, self.plan.channels)
        frames = self.plan.subscribe_frames()
        self._set_state(HandlerState.SUBSCRIBING)
        for frame in frames:  # at once, unpaced: Coinbase wants them within 5 s
            await self._send_now(frame)
        if self.plan.acked(self.adapter, self.connection, self._control_before):
            self._ack_deadline = None
            self._went_live()
        else:
            self._ack_deadline = loop.time() + self.config.subscribe_timeout_s
        log.info("%s feed: connected as %s", self.plan.venue, self.connection)

    def _went_live(self) -> None:
        self._set_state(HandlerState.RESYNCING if self._resyncing() else HandlerState.LIVE)

    def _resyncing(self) -> bool:
        resyncing = self.adapter.resyncing
        return bool(resyncing) and any(p in resyncing for p in self.plan.products)

    async def _send_now(self, frame: str) -> None:
        ws = self._ws
        if ws is None:
            return
        data = frame.encode()
        record = self._record(Direction.SEND, data)
        self.tap.emit(record, [])
        self._counts.sent += 1
        await ws.send(data, text=True)

    # -- the loop ----------------------------------------------------------------------------------
    async def run(self) -> None:
        """Connect, receive and recover until :meth:`stop`; reconnect with backoff after any error."""
        config = self.config
        delays = backoff_delays(config.backoff_initial_s, 2.0, config.backoff_max_s, seed=config.backoff_seed)
        try:
            while not self._stopping:
                self.reached_live = False
                try:
                    await self.connect()
                    await self.receive()
                except LiveError as exc:
                    self.last_error = exc
                    if not self._stopping:
                        log.warning("%s feed: %s", self.plan.venue, exc)
                finally:
                    await self._teardown()
                if self._stopping:
                    break
                if self.reached_live:  # a connection that worked: start the backoff over
                    delays = backoff_delays(
                        config.backoff_initial_s, 2.0, config.backoff_max_s, seed=config.backoff_seed
                    )
                delay = next(delays)
                log.info("%s feed: reconnecting in %.2f s", self.plan.venue, delay)
                await self._sleep_unless_stopped(delay)
        finally:
            await self._teardown()
            self._set_state(HandlerState.CLOSED)

    async def _sleep_unless_stopped(self, delay: float) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + delay
        while not self._stopping:
            left = end - loop.time()
            if left <= 0:
                return
            await asyncio.sleep(min(left, self.config.tick_s))

    def stop(self) -> None:
        """Ask the handler to close the connection and leave :meth:`run` (safe from a signal handler)."""
        self._stopping = True
        ws = self._ws
        if ws is not None:
            self._spawn(ws.close(1000, "client stopping"))

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def receive(self) -> None:
        """Receive frames on the open connection until it closes (:attr:`reached_live` says whether it
        went ``live``). Raises the typed error that ended the connection; a clean :meth:`stop` returns.
        """
        ws = self._ws
        if ws is None:
            raise ConnectionLostError("not connected")
        if self._stopping:
            return
        watchdog = self._spawn(self._watchdog(ws))
        sender = self._spawn(self._control.run(lambda: self._ws is ws))
        loop = asyncio.get_running_loop()
        recv = ws.recv
        handle = self.handle_frame
        try:
            while True:
                self._waiting_since = loop.time()
                try:
                    frame = await recv(decode=False)
                except ConnectionClosed as exc:
                    self._waiting_since = None
                    if self._stopping:
                        return
                    if self._close_reason is not None:
                        raise self._close_reason from None
                    code = exc.rcvd.code if exc.rcvd is not None else 1006
                    reason = exc.rcvd.reason if exc.rcvd is not None else "no close frame"
                    raise ConnectionLostError(f"connection closed by the venue: {code} {reason}", code) from None
                self._waiting_since = None
                if self._stopping:
                    # a frame still queued in websockets (or arriving while the close completes) after a
                    # stop is not taken: the session ends exactly where stop() was called, so a
                    # recording stopped in sync never ends on a gap its resync did not follow
                    return
                handle(frame)
                if self._stopping:  # stop() called while handling (max-messages): take no more
                    return
                if not self.reached_live and self.state in (HandlerState.LIVE, HandlerState.RESYNCING):
                    self.reached_live = True
        finally:
            self._waiting_since = None
            watchdog.cancel()
            sender.cancel()

    def handle_frame(self, frame: bytes) -> list[MarketMessage]:
        """Everything done with one received frame, in order: record (``on_record``), parse, recover,
        hand on (``on_messages``). The receive-to-hand-off path; returns the adapter's messages.
        """
        self._frames += 1
        conn = self.connection
        tap = self.tap
        record = tap.record(_RECV, conn, frame)
        ts = record.ts
        adapter = self.adapter
        messages = adapter.on_frame(ts, frame, conn)
        stats = adapter.stats
        if (
            adapter.resyncing
            or stats.notices != self._seen_notices
            or stats.gaps != self._seen_gaps
            or not self.recovery.idle
        ):
            self._recover(ts, conn, messages)
        elif self.state is HandlerState.SUBSCRIBING:
            self._check_ack()
        tap.emit(record, messages)
        return messages

    def _check_ack(self) -> None:
        if self.state is HandlerState.SUBSCRIBING and self.plan.acked(
            self.adapter, self.connection, self._control_before
        ):
            self._ack_deadline = None
            self._went_live()

    def _recover(self, ts: int, conn: str, messages: list[MarketMessage]) -> None:
        held = self.adapter.stats.buffered != self._seen_buffered
        self._remember_stats()
        for msg in messages:
            if type(msg) is VenueNotice and msg.kind == "error":
                self._counts.errors += 1
        actions = self.recovery.on_messages(ts, conn, messages, self.adapter.resyncing, held)
        self._act(actions)
        if self.state is HandlerState.SUBSCRIBING:
            self._check_ack()
        elif self.state in (HandlerState.LIVE, HandlerState.RESYNCING):
            self._went_live()

    def _act(self, actions: list[Any]) -> None:
        for action in actions:
            if type(action) is SendFrames:
                if action.connection != self.connection:
                    continue
                self._counts.resyncs += len(action.products)
                log.info("%s feed: resubscribing %s (%s)", self.plan.venue, ", ".join(action.products), action.reason)
                self._control.put(action.frames)
            elif type(action) is FetchSnapshot:
                self._counts.resyncs += 1
                log.info("%s feed: fetching a %s snapshot (%s)", self.plan.venue, action.symbol, action.reason)
                self._spawn(self._fetch(action))
            elif (
                type(action) is Reconnect
                and action.connection == self.connection
                and self._ws is not None
                and self._close_reason is None
            ):
                error: LiveError
                if action.reason.startswith("venue error frame"):
                    error = VenueErrorFrame(action.reason)
                else:
                    error = ConnectionLostError(action.reason, 1000)
                self._close(error)

    def _close(self, error: LiveError) -> None:
        """End the open connection because of ``error`` (raised by :meth:`receive` once it closed)."""
        ws = self._ws
        if ws is None or self._close_reason is not None:
            return
        self._close_reason = error
        self.last_error = error
        self._spawn(ws.close(1000, "client reconnecting"))

    async def _fetch(self, action: FetchSnapshot) -> None:
        """GET a snapshot and hand the body to the adapter (recorded as an ``http`` record)."""
        adapter = self.adapter
        try:
            if self.rest is None:
                raise RestError(f"no REST client to fetch {action.url}", action.url)
            response = await self.rest.get(action.url, weight=weight_of(action.url))
        except RestError as exc:
            log.warning("%s feed: snapshot of %s failed: %s", self.plan.venue, action.symbol, exc)
            self.recovery.on_fetched(self.tap.now(), action.symbol, adapter.resyncing)
            return
        self.handle_http(response.url, response.body)
        self.recovery.on_fetched(self.tap.last_ts, action.symbol, adapter.resyncing)
        if self.state in (HandlerState.LIVE, HandlerState.RESYNCING):
            self._went_live()

    def handle_http(self, url: str, body: bytes) -> list[MarketMessage]:
        """Record a REST body (``http`` record) and hand it to the adapter; returns its messages."""
        record = self._record(Direction.HTTP, body, url)
        self._counts.http += 1
        messages = self.adapter.on_http(record.ts, url, body)
        self.tap.emit(record, messages)
        return messages

    async def _watchdog(self, ws: ClientConnection) -> None:
        """Stall, ack and connection-age deadlines, and the policy's timed retries."""
        loop = asyncio.get_running_loop()
        max_age = self.plan.max_connection_age_s
        while self._ws is ws:
            await asyncio.sleep(self.config.tick_s)
            now = loop.time()
            waiting = self._waiting_since
            if waiting is not None and now - waiting > self.stall_timeout_s and self._close_reason is None:
                self._counts.stalls += 1
                self._close(StallError(f"no frame for {self.stall_timeout_s} s on {self.connection}"))
            elif self._ack_deadline is not None and now > self._ack_deadline and self.state is HandlerState.SUBSCRIBING:
                self._close(SubscribeTimeoutError(f"no subscription ack within {self.config.subscribe_timeout_s} s"))
            elif max_age is not None and now - self._opened_at > max_age:
                self._close(ConnectionLostError(f"planned reconnect after {max_age:.0f} s (venue limit)", 1000))
            elif not self.recovery.idle or self.adapter.resyncing:
                self._act(self.recovery.on_tick(self.tap.now(), self.adapter.resyncing))

    async def _teardown(self) -> None:
        """Close the socket if open; tell the adapter and the policy (``disconnect`` record)."""
        ws = self._ws
        if ws is None:
            if self.state is not HandlerState.CLOSED:
                self._set_state(HandlerState.DISCONNECTED)
            return
        self._ws = None
        self._control.clear()
        self._ack_deadline = None
        with contextlib.suppress(Exception):
            await asyncio.wait_for(ws.close(), self.config.close_timeout_s + 1)
        if not self._stopping:
            # a lost connection: books it fed are stale until resynced (a stop simply ends the session,
            # so a stopped recording replays to the books as they stood, not to a resync)
            record = self._record(Direction.DISCONNECT, b"")
            self.tap.emit(record, self.adapter.on_disconnect(record.ts, self.connection))
        self.recovery.on_disconnect(self.connection)
        self._remember_stats()
        self.connection = ""
        self._set_state(HandlerState.DISCONNECTED)

    async def close(self) -> None:
        """Stop, close the connection and wait for background tasks (fetches) to end."""
        self.stop()
        await self._teardown()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        self._set_state(HandlerState.CLOSED)
