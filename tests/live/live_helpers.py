"""Helpers of the live tests: final books of a recording, waiting with a deadline, recording in-process."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jtrader.book import OrderBook
from jtrader.live.feeds import BinancePlan, make_plan
from jtrader.live.handler import HandlerConfig
from jtrader.live.localvenue import LocalVenue
from jtrader.live.record import Recorder, RecordOptions
from jtrader.model import BookDelta, BookResync, BookSnapshot
from jtrader.recording import Direction, open_source
from jtrader.venues import BinanceAdapter, CoinbaseAdapter

Books = dict[str, tuple[dict[int, int], dict[int, int]]]

#: transport settings that make a test fast: short backoff, quick retries (never a wall-clock assertion)
FAST = {
    "backoff_initial_s": 0.01,
    "backoff_max_s": 0.05,
    "subscribe_timeout_s": 2.0,
    "send_rate": 1000.0,
    "tick_s": 0.02,
}


def replay_books(path: str | Path) -> tuple[Books, Any]:
    """Every book of ``path`` after replaying it through a fresh adapter (all levels), and the adapter stats.

    A book the recording leaves resyncing is left out: it is not known.
    """
    source = open_source(path)
    adapter: Any = CoinbaseAdapter() if source.header.venue == "coinbase" else BinanceAdapter()
    books: dict[str, OrderBook] = {}
    for ts, direction, conn, payload, url in source:
        if direction == Direction.RECV:
            messages = adapter.on_frame(ts, payload, conn)
        elif direction == Direction.HTTP:
            messages = adapter.on_http(ts, url or "", payload)
        elif direction == Direction.CONNECT:
            messages = adapter.on_connect(ts, conn)
        elif direction == Direction.DISCONNECT:
            messages = adapter.on_disconnect(ts, conn)
        else:
            continue
        for msg in messages:
            if type(msg) in (BookSnapshot, BookDelta):
                books.setdefault(msg.symbol, OrderBook(msg.symbol)).apply(msg)
            elif type(msg) is BookResync:
                books.pop(msg.symbol, None)
    return {s: (dict(b.bids.levels), dict(b.asks.levels)) for s, b in books.items()}, adapter.stats


async def until(condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Wait until ``condition()`` holds; fail the test after ``timeout`` seconds (a hang guard, not a measure)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.01)


async def record_until_settled(
    venue: LocalVenue,
    out: Path,
    *,
    stall_timeout_s: float = 2.0,
    timeout: float = 20.0,
    quiet_s: float = 0.3,
    **handler: Any,
) -> dict[str, Any]:
    """Record ``venue`` (already started) to ``out`` until the recording is over, every outbox is empty,
    the client is in sync (live, no book resyncing, no resync awaited, no control frame queued) for a
    short quiet spell; return the summary. The stop takes effect between two frames: no frame is
    taken after it."""
    plan = make_plan(venue.venue, list(venue.prescan.products), (), venue.url, stall_timeout_s=stall_timeout_s)
    if isinstance(plan, BinancePlan):
        plan = dataclasses.replace(plan, diff_wait_s=0.05)
    config = HandlerConfig(**{**FAST, **handler})
    recorder = Recorder(plan, RecordOptions(out=out, handler=config))
    task = asyncio.get_running_loop().create_task(recorder.run())
    h = recorder.handler
    quiet_since: list[float] = []

    def settled() -> bool:
        ok = venue.idle and h.in_sync and not h.adapter.resyncing
        if not ok:
            quiet_since.clear()
            return False
        if not quiet_since:
            quiet_since.append(time.monotonic())
        return time.monotonic() - quiet_since[0] > quiet_s

    try:
        await until(lambda: settled() or task.done(), timeout, "the recording to settle")
    finally:
        recorder.stop("test")
        summary = await asyncio.wait_for(task, 10)
    return summary


def recorded_requests(path: str | Path) -> tuple[list[bytes], list[bytes], str | None]:
    """(sent frames, received frames, first connect URL) of a recording."""
    sends, recvs, url = [], [], None
    for record in open_source(path):
        if record.direction == Direction.SEND:
            sends.append(record.payload)
        elif record.direction == Direction.RECV:
            recvs.append(record.payload)
        elif record.direction == Direction.CONNECT and url is None:
            url = record.url
    return sends, recvs, url
