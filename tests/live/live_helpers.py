"""Helpers of the live tests: final books of a recording, waiting with a deadline, recording in-process."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

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


def binance_observable_losses(path: Path) -> list[int]:
    """Record numbers at which a Binance client must see a lost diff, worked out from the recording alone
    with the venue's rules (BN-WS "How to manage a local order book correctly"), independently of the adapter.

    A loss is observable only once the symbol's book is synced: from a REST snapshot ``L`` whose first
    later diff has ``U <= L + 1``, until the next loss or the disconnect of the connection feeding it.
    Diffs lost before that (under load the snapshot may come a second after the connect) are, rightly,
    never seen: the snapshot already contains them.
    """
    states: dict[str, dict[str, Any]] = {}  # symbol -> connection, synced, last u, held (U, u)
    losses: list[int] = []

    def step(state: dict[str, Any], first: int, last: int, n: int) -> None:
        if last <= state["u"]:
            return  # already in the book (a duplicate, or older than the snapshot)
        if first > state["u"] + 1:
            losses.append(n)
            state.update(synced=False, held=[(first, last)])
            return
        state["u"] = last

    for n, (_, direction, conn, payload, url) in enumerate(open_source(path)):
        if direction == Direction.DISCONNECT:
            for state in states.values():
                if state["conn"] == conn:
                    state.update(synced=False, held=[])
        elif direction == Direction.RECV:
            try:
                data = orjson.loads(payload)
            except orjson.JSONDecodeError:
                continue  # a malformed frame: the loss shows on the next diff
            data = data.get("data", data) if isinstance(data, dict) else None
            if not isinstance(data, dict) or data.get("e") != "depthUpdate":
                continue
            state = states.setdefault(data["s"], {"synced": False, "u": 0, "held": []})
            state["conn"] = conn
            if state["synced"]:
                step(state, data["U"], data["u"], n)
            else:
                state["held"].append((data["U"], data["u"]))
        elif direction == Direction.HTTP and url is not None and "/depth" in url:
            try:
                body = orjson.loads(payload)
            except orjson.JSONDecodeError:
                continue
            if not isinstance(body, dict) or "lastUpdateId" not in body:
                continue  # an error answer (a 429, say): no snapshot
            symbol, snapshot = parse_qs(urlsplit(url).query)["symbol"][0], body["lastUpdateId"]
            state = states.setdefault(symbol, {"conn": None, "synced": False, "u": 0, "held": []})
            if state["synced"]:
                state["u"] = max(state["u"], snapshot)
                continue
            held = [(first, last) for first, last in state["held"] if last > snapshot]
            if held and held[0][0] > snapshot + 1:
                state["held"] = held  # the snapshot is older than the stream: wait for another
                continue
            state.update(synced=True, u=snapshot, held=[])
            for first, last in held:
                if state["synced"]:
                    step(state, first, last, n)
                else:
                    state["held"].append((first, last))
    return losses
