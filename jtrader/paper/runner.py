"""The live side of a paper session: one event loop, one websocket handler, one :class:`PaperSession`.

:class:`PaperRunner` wires a :class:`~jtrader.live.handler.WebSocketHandler` to a session: the
handler's ``on_record`` hook writes each record before the adapter parses it, its ``on_messages``
hook feeds the engine, both synchronously on the event loop (one task, one order). Around them:
the instruments fetched first (products / exchangeInfo: the body goes into the recording), a wall-
clock flush every second (between two records, never inside one), the stop conditions
(``--duration`` of wall time, ``--max-messages`` frames, SIGINT/SIGTERM, a strategy error), and
the status line. Nothing here decides anything for the strategy: the wall clock only stops,
flushes and draws.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jtrader.cmdkit.display import format_money
from jtrader.cmdkit.progress import NullTracker
from jtrader.errors import ConfigError
from jtrader.live.handler import HandlerConfig, WebSocketHandler
from jtrader.live.record import fetch_instruments
from jtrader.live.rest import RestClient
from jtrader.model import MarketMessage, format_atoms
from jtrader.recording import Direction, Record

if TYPE_CHECKING:
    from jtrader.live.feeds import FeedPlan
    from jtrader.paper.session import PaperSession

__all__ = ["LatencyHistogram", "PaperOptions", "PaperRunner"]


_RECV = Direction.RECV


@dataclass(slots=True)
class PaperOptions:
    """When to stop (``duration_s`` of wall time, ``max_frames`` received; None = until stopped),
    how often to flush (``flush_s`` of wall time) and to redraw the status line (``status_s``)."""

    duration_s: float | None = None
    max_frames: int | None = None
    flush_s: float = 1.0
    status_s: float = 0.5
    handler: HandlerConfig = field(default_factory=HandlerConfig)


class LatencyHistogram:
    """Receive-to-decision latencies in whole microseconds, counted in 1-us buckets up to 100 ms.

    Memory is fixed (a session of days costs the same as one of seconds); percentiles are exact
    to the microsecond below 100 ms and say ">= 100000" above.
    """

    __slots__ = ("buckets", "count", "max_us")

    LIMIT_US = 100_000

    def __init__(self) -> None:
        self.buckets = [0] * (self.LIMIT_US + 1)
        self.count = 0
        self.max_us = 0

    def add_ns(self, ns: int) -> None:
        """Count one latency of ``ns`` nanoseconds."""
        us = ns // 1000
        self.max_us = max(self.max_us, us)
        self.buckets[us if us < self.LIMIT_US else self.LIMIT_US] += 1
        self.count += 1

    def percentile(self, q: float) -> int | None:
        """The ``q`` (0..1) quantile in us, None when empty."""
        if not self.count:
            return None
        rank = max(1, -(-int(q * self.count * 1000) // 1000))
        seen = 0
        for us, n in enumerate(self.buckets):
            seen += n
            if seen >= rank:
                return us
        return self.LIMIT_US  # pragma: no cover - the counts add up to count

    def as_dict(self) -> dict[str, int | None]:
        """``{"p50", "p99", "max", "count"}`` in us (wall-clock figures: printed, never written to files)."""
        return {"p50": self.percentile(0.5), "p99": self.percentile(0.99), "max": self.max_us, "count": self.count}


class PaperRunner:
    """One live paper session (see the module docstring); :meth:`stop` ends it cleanly.

    ``first_connection`` and ``last_ts`` continue a resumed session's connection ids and receive
    times; ``fetch_instruments`` is False when the session already knows its instruments.
    ``tracker`` draws the status line (a :class:`~jtrader.cmdkit.progress.RichTracker` on a terminal).
    """

    def __init__(
        self,
        session: PaperSession,
        plan: FeedPlan,
        options: PaperOptions,
        *,
        first_connection: int = 1,
        last_ts: int = 0,
        fetch_instruments: bool = True,
        tracker: Any = None,
    ) -> None:
        if options.duration_s is not None and not options.duration_s > 0:
            raise ConfigError(f"--duration must be > 0 s, got {options.duration_s}")
        if options.max_frames is not None and options.max_frames < 1:
            raise ConfigError(f"--max-messages must be >= 1, got {options.max_frames}")
        self.session = session
        self.plan = plan
        self.options = options
        self.fetch_instruments = fetch_instruments
        self.tracker = tracker if tracker is not None else NullTracker()
        self.rest = RestClient(plan.venue, plan.rest_url)
        self.handler = WebSocketHandler(
            plan,
            rest=self.rest,
            adapter=session.adapter,
            on_record=self._on_record,
            on_messages=self._on_messages,
            config=options.handler,
            first_connection=first_connection,
        )
        self.handler.tap.last_ts = last_ts
        self.latency = LatencyHistogram()
        self.stopped_by = ""
        self.received = 0
        self.started = 0.0
        self._shown = 0
        self._shown_at = time.monotonic()
        #: frames per second of wall time since the status line was last drawn
        self.rate = 0.0

    # -- the hooks ----------------------------------------------------------------------------
    def _on_record(self, record: Record) -> None:
        self.session.on_record(record)
        if record.direction is _RECV:
            self.received += 1
            limit = self.options.max_frames
            if limit is not None and self.received >= limit and not self.stopped_by:
                self.stop("max-messages")

    def _on_messages(self, record: Record, messages: list[MarketMessage]) -> None:
        session = self.session
        session.on_messages(record, messages)
        if record.direction is _RECV:
            self.latency.add_ns(time.time_ns() - record.ts)
        if session.over and not self.stopped_by:
            self.stop("strategy-error" if session.error is not None else "error")

    # -- running ------------------------------------------------------------------------------
    def stop(self, reason: str = "stopped") -> None:
        """End the session: the handler closes the connection, :meth:`run` finishes and returns."""
        if not self.stopped_by:
            self.stopped_by = reason
        self.handler.stop()

    async def run(self) -> dict[str, Any]:
        """Fetch the instruments, trade on the feed until a stop condition, finish; return the summary."""
        self.started = time.monotonic()
        loop = asyncio.get_running_loop()
        tasks = [loop.create_task(self._flusher()), loop.create_task(self._status())]
        if self.options.duration_s is not None:
            tasks.append(loop.create_task(self._timer(self.options.duration_s)))
        try:
            if self.fetch_instruments:
                await fetch_instruments(self.plan, self.rest, self.handler)
            if not self.stopped_by and not self.session.over:
                await self.handler.run()
        finally:
            for task in tasks:
                task.cancel()
            await self.handler.close()
            await self.rest.aclose()
            self.session.finish()
            self._show()
            self.tracker.close()
        return self.summary()

    async def _timer(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        self.stop("duration")

    async def _flusher(self) -> None:
        while True:
            await asyncio.sleep(self.options.flush_s)
            writer = self.session.writer
            if writer is not None and not self.session.finished:
                writer.flush()

    async def _status(self) -> None:
        while True:
            await asyncio.sleep(self.options.status_s)
            self._show()

    def _show(self) -> None:
        frames = self.session.frames
        now = time.monotonic()
        if now > self._shown_at:
            self.rate = (frames - self._shown) / (now - self._shown_at)
        self.tracker.advance(frames - self._shown)
        self._shown, self._shown_at = frames, now
        self.tracker.describe(self.status_text())

    def status_text(self) -> str:
        """``paper live | 812 msg/s | equity 100,012.31 USD | open 2 | ACTIVE``: the status line's label
        (the handler's state, frames per second, equity in the first quote currency, open orders,
        the trading state)."""
        engine = self.session.engine
        state = self.handler.state.value
        if engine is None:
            return f"paper {state} | {self.rate:,.0f} msg/s | learning instruments"
        quote = next(iter(engine.instruments.values())).quote
        equity = format_money(format_atoms(engine.portfolio.equity(quote)), 2)
        open_orders = len(engine.ctx.open_orders())
        rate = f"{self.rate:,.0f} msg/s"
        return f"paper {state} | {rate} | equity {equity} {quote} | open {open_orders} | {engine.trading_state.value}"

    def summary(self) -> dict[str, Any]:
        """The session's summary keys beyond the replay's: stop reason, handler counters, latency."""
        handler = self.handler
        counters = handler.counters
        writer = self.session.writer
        return {
            "stopped_by": self.stopped_by or "error",
            "state": handler.state.value,
            "last_error": str(handler.last_error) if handler.last_error is not None else None,
            "reconnects": counters.reconnects,
            "stalls": counters.stalls,
            "handler": counters.as_dict(),
            "chunks": writer.chunks_written if writer is not None else 0,
            "receive_to_decision_us": self.latency.as_dict(),
            "elapsed_s": round(time.monotonic() - self.started, 3),
        }
