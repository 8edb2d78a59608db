"""Turn a recording's records into market messages through the venue adapter.

This is the replay *source*: the only thing that differs from a candle backtest or a paper
session is where the messages come from. Records are handed to the adapter by direction:
``recv`` frames to :meth:`on_frame`, ``http`` bodies to :meth:`on_http`, ``connect`` and
``disconnect`` to the connection hooks; ``send`` frames (our own subscribe requests) carry no
market data and are only counted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from jtrader.model import BookDelta, BookSnapshot, MarketMessage, Quote
from jtrader.recording import Direction, Record

__all__ = ["Pacer", "RecordCounts", "messages_from_records"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class RecordCounts:
    """Records read from the recording, by direction."""

    records: int = 0
    recv: int = 0
    send: int = 0
    http: int = 0
    connect: int = 0
    disconnect: int = 0
    other: int = 0
    first_ts: int = 0
    last_ts: int = 0


class Pacer:
    """Paces a replay by receive time: ``speed`` x real time (``None`` = as fast as possible).

    The wall clock is read here, at the edge, and only to sleep: it never reaches a decision.
    ``sleep`` and ``monotonic`` are injected so tests can drive a fake pair.
    """

    def __init__(self, speed: float | None, sleep: Callable[[float], None], monotonic: Callable[[], float]) -> None:
        self.speed = speed
        self._sleep = sleep
        self._monotonic = monotonic
        self._origin_ts: int | None = None
        self._origin_wall = 0.0
        self.slept_s = 0.0

    def wait_until(self, ts: int) -> None:
        """Sleep until the wall clock reaches the moment of ``ts`` (ns) in paced time."""
        if self.speed is None:
            return
        if self._origin_ts is None:
            self._origin_ts = ts
            self._origin_wall = self._monotonic()
            return
        due = self._origin_wall + (ts - self._origin_ts) / 1e9 / self.speed
        delay = due - self._monotonic()
        if delay > 0:
            self._sleep(delay)
            self.slept_s += delay


def messages_from_records(
    records: Iterable[Record],
    adapter: object,
    counts: RecordCounts,
    pacer: Pacer | None = None,
    after_book: Callable[[BookSnapshot | BookDelta], None] | None = None,
    on_quote: Callable[[Quote], None] | None = None,
) -> Iterator[MarketMessage]:
    """Yield the adapter's market messages for ``records``, in record order.

    ``after_book`` is called with each book message *after* the consumer has processed it
    (that is, when the generator resumes): the engine has then applied it to the book, so a
    check can read the book state the message produced. ``on_quote`` sees every quote first.
    """
    on_frame = adapter.on_frame  # type: ignore[attr-defined]
    on_http = adapter.on_http  # type: ignore[attr-defined]
    on_connect = adapter.on_connect  # type: ignore[attr-defined]
    on_disconnect = adapter.on_disconnect  # type: ignore[attr-defined]
    recv, http = Direction.RECV, Direction.HTTP
    n = recv_n = 0
    for record in records:
        n += 1
        ts = record.ts
        if n == 1:
            counts.first_ts = ts
        direction = record.direction
        if direction == recv:
            recv_n += 1
            msgs = on_frame(ts, record.payload, record.conn)
        elif direction == http:
            counts.http += 1
            msgs = on_http(ts, record.url or "", record.payload)
        elif direction == Direction.CONNECT:
            counts.connect += 1
            msgs = on_connect(ts, record.conn)
        elif direction == Direction.DISCONNECT:
            counts.disconnect += 1
            msgs = on_disconnect(ts, record.conn)
        elif direction == Direction.SEND:
            counts.send += 1
            continue
        else:  # pragma: no cover - the reader only yields known directions
            counts.other += 1
            continue
        if not msgs:
            continue
        if pacer is not None:
            pacer.wait_until(ts)
        for msg in msgs:
            kind = type(msg)
            if kind is Quote and on_quote is not None:
                on_quote(msg)
            yield msg
            if after_book is not None and (kind is BookDelta or kind is BookSnapshot):
                after_book(msg)
        counts.last_ts = ts
    counts.records = n
    counts.recv = recv_n
    if n:
        counts.last_ts = max(counts.last_ts, counts.first_ts)
