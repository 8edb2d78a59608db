"""Record a live session with no strategy: every frame, REST body, reconnect and resync, as it happened.

:func:`record_session` wires a :class:`~jtrader.live.handler.WebSocketHandler` to a
:class:`~jtrader.recording.RecordingWriter`: the handler hands every record (received frame with
its receive time, frames sent, REST bodies such as products / exchangeInfo and depth snapshots,
connects and disconnects) to the writer before the adapter parses it, so replaying the file
reproduces what the live adapter saw. The writer makes a chunk at least every second of
recorded time, and a task flushes it every ``flush_s`` of wall time, so a process killed with
SIGKILL loses at most about a second (the format's guarantee: readable up to the last complete
chunk).

When ``duration_s`` runs out while a resync is under way (a gap was seen, its resubscribe or REST
snapshot has not come back yet), the session is not cut there: :meth:`Recorder.finish` keeps
receiving until the feed is in sync again (at most ``settle_timeout_s``), then stops between two
frames. The recording then ends with every book known, its last gap followed by its resync, and
its replay counts the same resyncs as the live session. If the resync does not finish in time,
the session stops anyway, says so in the log, and the summary's ``resyncing_at_end`` names the
books left resyncing (their replay ends resyncing too). A signal or ``max_frames`` stops at once.
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
    """When to stop (``duration_s`` of wall time, ``max_frames`` received; None = until stopped).

    ``settle_timeout_s``: once ``duration_s`` ran out, how long to go on receiving so that a resync
    under way can finish (see :meth:`Recorder.finish`); 0 stops at once.
    """

    out: str | Path
    duration_s: float | None = None
    max_frames: int | None = None
    settle_timeout_s: float = 10.0
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
        if not options.settle_timeout_s >= 0:
            raise ConfigError(f"--settle-timeout must be >= 0 s, got {options.settle_timeout_s}")
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
        #: wall seconds spent after the duration waiting for a resync to finish (0.0 when none was)
        self.settle_s = 0.0

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

    def resync_pending(self) -> bool:
        """True while a connection is open and the feed is not in sync (a resync is under way)."""
        handler = self.handler
        return handler.is_connected and not handler.in_sync

    async def finish(self, reason: str) -> None:
        """Stop once no resync is pending, waiting at most ``settle_timeout_s`` (then stop anyway).

        The check runs between frames, and :meth:`stop` takes no frame after it, so a session that
        finishes in sync ends on a frame that left every book known. With no connection open (the
        feed is reconnecting) there is nothing to finish: it stops at once, and the recording ends
        on its ``disconnect`` record.
        """
        loop = asyncio.get_running_loop()
        start = loop.time()
        if self.resync_pending() and not self.stopped_by:
            log.info("%s: a resync is under way; waiting up to %.1f s for it", reason, self.options.settle_timeout_s)
        while not self.stopped_by and self.resync_pending():
            if loop.time() - start >= self.options.settle_timeout_s:
                log.warning(
                    "%s: still resyncing after %.1f s (%s); stopping: the recording ends with it unfinished",
                    reason,
                    self.options.settle_timeout_s,
                    ", ".join(self.resyncing_products()) or "a resubscribe or snapshot awaited",
                )
                break
            await asyncio.sleep(min(self.handler.config.tick_s, 0.02))
        self.settle_s = loop.time() - start
        self.stop(reason)

    def resyncing_products(self) -> list[str]:
        """The plan's products whose book is resyncing (not known) right now, sorted."""
        resyncing = self.handler.adapter.resyncing
        return sorted(p for p in self.plan.products if p in resyncing)

    async def _timer(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        await self.finish("duration")

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
            "settle_s": round(self.settle_s, 3),
            "resyncing_at_end": self.resyncing_products(),
            "state": handler.state.value,
            "last_error": str(handler.last_error) if handler.last_error is not None else None,
            "counters": handler.counters.as_dict(),
            "adapter": handler.adapter.stats.as_dict(),
        }


async def record_session(plan: FeedPlan, options: RecordOptions) -> dict[str, Any]:
    """Record ``plan``'s feed into ``options.out`` until a stop condition; return the summary."""
    return await Recorder(plan, options).run()
