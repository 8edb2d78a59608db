"""One client connection of the local venue: outbox, sender, numbering and faults (venue-neutral).

The server's timeline *offers* every source frame (:class:`~jtrader.live.localvenue.market.Delivery`)
to every session; a session takes the ones its subscriptions ask for into a bounded outbox, and
its sender task sends them in order, numbering Coinbase frames per connection and applying the
connection's faults. A full outbox makes the timeline wait (``--speed max`` runs as fast as the
subscribed clients read). The venue protocols are in :mod:`jtrader.live.localvenue.coinbase` and
:mod:`jtrader.live.localvenue.binance`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import deque
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import unquote

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed, InvalidState

from jtrader.live.localvenue.faults import ConnectionFaults
from jtrader.live.localvenue.market import Delivery, MarketState

__all__ = ["STREAM_NAME", "Out", "Session", "SessionHost", "parse_binance_path"]

log = logging.getLogger(__name__)

_SEQ = re.compile(rb'"sequence_num":\s*-?\d+')
#: frames sent with one socket write when the outbox holds several (no faults)
BATCH = 64
#: a Binance stream name: lower-case symbol, ``@``, the stream (``btcusdt@depth@100ms``)
STREAM_NAME = re.compile(r"^[a-z0-9]+@[A-Za-z0-9_@]+$")


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
    if any(not STREAM_NAME.match(name) for name in names):
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
            if self.faults is None:
                await self._send_batch(ws, outbox)
                continue
            out = outbox.popleft()
            if len(outbox) < self.host.outbox_limit:
                self._space.set()
            if not out.faultable:
                await ws.send(self._number(out), text=True)
                self.sent += 1
            else:
                await self._send_with_faults(out)

    async def _send_batch(self, ws: ServerConnection, outbox: deque[Out]) -> None:
        """Send what waits (up to :data:`BATCH` frames) with one socket write, then drain.

        One ``send`` syscall per frame was most of the server's time at ``--speed max`` (each
        write wakes the reader). The frames go through websockets' sans-I/O protocol
        (``ws.protocol``: the same framing, the same outgoing buffer as ``ws.send``) and one
        ``transport.write``; the last frame goes through ``ws.send``, which waits while the
        client is slow to read (back-pressure) and raises once the connection is closing.
        """
        payloads = [self._number(outbox.popleft()) for _ in range(min(len(outbox), BATCH))]
        if len(outbox) < self.host.outbox_limit:
            self._space.set()
        if len(payloads) > 1:
            protocol = ws.protocol
            try:
                for payload in payloads[:-1]:
                    protocol.send_text(payload)
            except InvalidState:
                raise ConnectionClosed(None, None) from None
            ws.transport.write(b"".join(protocol.data_to_send()))
        await ws.send(payloads[-1], text=True)
        self.sent += len(payloads)

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
