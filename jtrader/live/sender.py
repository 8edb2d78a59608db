"""Control frames waiting to go out on one connection, sent no faster than the venue allows."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from websockets.exceptions import ConnectionClosed

from jtrader.live.backoff import FramePacer

__all__ = ["ControlQueue"]


class ControlQueue:
    """Subscribe / unsubscribe frames queued by the recovery policy, sent in order by :meth:`run`.

    Venues disconnect clients that send too fast (Binance: 5 messages a second per connection;
    Coinbase: 8 a second per IP), so frames go out at ``pacer``'s rate through ``send``. A request
    already waiting to go out is not queued twice (a burst of gaps asks for one resubscribe).
    """

    def __init__(self, pacer: FramePacer, send: Callable[[str], Awaitable[None]]) -> None:
        self.pacer = pacer
        self._send = send
        self.frames: list[str] = []
        self._wakeup = asyncio.Event()

    def put(self, frames: tuple[str, ...]) -> bool:
        """Queue ``frames`` (in order); False when the same frames already wait."""
        if all(frame in self.frames for frame in frames):
            return False
        self.frames.extend(frames)
        self._wakeup.set()
        return True

    def clear(self) -> None:
        """Forget what waits (the connection closed: a new one subscribes afresh)."""
        self.frames.clear()

    async def run(self, still_open: Callable[[], bool]) -> None:
        """Send queued frames while ``still_open()``; returns when the connection closed."""
        loop = asyncio.get_running_loop()
        with contextlib.suppress(ConnectionClosed):
            while still_open():
                if not self.frames:
                    self._wakeup.clear()
                    await self._wakeup.wait()
                    continue
                wait = self.pacer.delay(loop.time())
                if wait > 0:
                    await asyncio.sleep(wait)
                if not still_open() or not self.frames:
                    return
                await self._send(self.frames.pop(0))
