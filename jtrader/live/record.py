"""Record a live session with no strategy: every frame, REST body, reconnect and resync, as it happened.

:func:`record_session` wires a :class:`~jtrader.live.handler.WebSocketHandler` to a
:class:`~jtrader.recording.RecordingWriter`: the handler hands every record (received frame with
its receive time, frames sent, REST bodies such as products / exchangeInfo and depth snapshots,
connects and disconnects) to the writer before the adapter parses it, so replaying the file
reproduces what the live adapter saw. The writer makes a chunk at least every second of
recorded time, and a task flushes it every ``flush_s`` of wall time, so a process killed with
SIGKILL loses at most about a second (the format's guarantee: readable up to the last complete
chunk).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jtrader.errors import ConfigError, RestError
from jtrader.live.feeds import FeedPlan
from jtrader.live.handler import HandlerConfig, WebSocketHandler
from jtrader.live.rest import RestClient
from jtrader.recording import Direction, Record, RecordingWriter

__all__ = ["RecordOptions", "Recorder", "fetch_instruments", "record_session"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class RecordOptions:
    """When to stop (``duration_s`` of wall time, ``max_frames`` received; None = until stopped)."""

    out: str | Path
    duration_s: float | None = None
    max_frames: int | None = None
    flush_s: float = 1.0
    handler: HandlerConfig = field(default_factory=HandlerConfig)


async def fetch_instruments(plan: FeedPlan, rest: RestClient, handler: WebSocketHandler) -> None:
    """Fetch the venue's products / exchangeInfo body and hand it to ``handler`` (recorded, then parsed).

    A REST failure is logged, not raised: the instruments' grid is then inferred from the data.
    """
    try:
        response = await rest.get(plan.instruments_url(), weight=20 if plan.venue == "binance" else 1)
    except RestError as exc:
        log.warning("cannot fetch the instruments (%s): their grid will be inferred from the data", exc)
        return
    handler.handle_http(response.url, response.body)


class Recorder:
    """One recording session (see :func:`record_session`); :meth:`stop` ends it cleanly."""

    def __init__(self, plan: FeedPlan, options: RecordOptions, *, created_ns: int | None = None) -> None:
        if options.duration_s is not None and not options.duration_s > 0:
            raise ConfigError(f"--duration must be > 0 s, got {options.duration_s}")
        if options.max_frames is not None and options.max_frames < 1:
            raise ConfigError(f"--max-messages must be >= 1, got {options.max_frames}")
        self.plan = plan
        self.options = options
        metadata = {
            "recorder": "jtrader record",
            "url": plan.connect_url(),
            "rest_url": plan.rest_url,
            "channels": list(plan.channels),
        }
        self.writer = RecordingWriter(
            options.out,
            plan.venue,
            list(plan.products),
            metadata,
            created_ns=created_ns if created_ns is not None else time.time_ns(),
            max_age_ns=1_000_000_000,
        )
        self.rest = RestClient(plan.venue, plan.rest_url)
        self.handler = WebSocketHandler(plan, rest=self.rest, on_record=self.write, config=options.handler)
        self.stopped_by = ""
        self.received = 0
        self.started = 0.0

    def write(self, record: Record) -> None:
        """Write one record the handler hands on (and stop after ``max_frames`` received frames)."""
        self.writer.write(record.ts, record.direction, record.conn, record.payload, record.url)
        if record.direction is Direction.RECV:
            self.received += 1
            limit = self.options.max_frames
            if limit is not None and self.received >= limit and not self.stopped_by:
                self.stop("max-messages")

    def stop(self, reason: str = "stopped") -> None:
        """End the session: the handler closes the connection, :meth:`run` returns the summary."""
        if not self.stopped_by:
            self.stopped_by = reason
        self.handler.stop()

    async def run(self) -> dict[str, Any]:
        """Fetch the instruments, then receive until a stop condition; return the summary."""
        self.started = time.monotonic()
        loop = asyncio.get_running_loop()
        tasks = [loop.create_task(self._flusher())]
        if self.options.duration_s is not None:
            tasks.append(loop.create_task(self._timer(self.options.duration_s)))
        try:
            await fetch_instruments(self.plan, self.rest, self.handler)
            if not self.stopped_by:
                await self.handler.run()
        finally:
            for task in tasks:
                task.cancel()
            await self.handler.close()
            await self.rest.aclose()
            self.writer.close()
        return self.summary()

    async def _timer(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        self.stop("duration")

    async def _flusher(self) -> None:
        while True:
            await asyncio.sleep(self.options.flush_s)
            with contextlib.suppress(Exception):
                self.writer.flush()

    def summary(self) -> dict[str, Any]:
        """The ``--json`` object: what was recorded and the handler's counters."""
        handler = self.handler
        return {
            "venue": self.plan.venue,
            "products": list(self.plan.products),
            "channels": list(self.plan.channels),
            "url": self.plan.connect_url(),
            "out": str(self.options.out),
            "records": self.writer.records_written,
            "chunks": self.writer.chunks_written,
            "stopped_by": self.stopped_by or "error",
            "elapsed_s": round(time.monotonic() - self.started, 3),
            "state": handler.state.value,
            "last_error": str(handler.last_error) if handler.last_error is not None else None,
            "counters": handler.counters.as_dict(),
            "adapter": handler.adapter.stats.as_dict(),
        }


async def record_session(plan: FeedPlan, options: RecordOptions) -> dict[str, Any]:
    """Record ``plan``'s feed into ``options.out`` until a stop condition; return the summary."""
    return await Recorder(plan, options).run()
