"""Turn a recording's records into market messages through the venue adapter.

This is the replay *source*: the only thing that differs from a candle backtest or a paper
session is where the messages come from. Records are handed to the adapter by direction:
``recv`` frames to :meth:`on_frame`, ``http`` bodies to :meth:`on_http`, ``connect`` and
``disconnect`` to the connection hooks; ``send`` frames (our own subscribe requests) carry no
market data and are only counted, and so are ``event`` records (a paper session's own order
events: output of the session, never market input).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from jtrader.model import BookDelta, BookResync, BookSnapshot, MarketMessage, Quote
from jtrader.recording import Direction, Record

__all__ = ["Pacer", "RecordCounts", "messages_from_records", "observed"]

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
    #: records that are not market input (``event`` records of a paper session)
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


#: problems logged one by one at WARNING; later ones go to DEBUG (the summary counts them all)
LOGGED_PROBLEMS = 20
_PROBLEM_COUNTERS = ("malformed", "unknown_channel", "duplicates", "gaps")


def _problems(stats: object) -> tuple[int, int, int, int]:
    return (stats.malformed, stats.unknown_channel, stats.duplicates, stats.gaps)  # type: ignore[attr-defined]


def messages_from_records(records: Iterable[Record], adapter: object, counts: RecordCounts) -> Iterator[MarketMessage]:
    """Yield the adapter's market messages for ``records``, in record order, counting records.

    A record the adapter refuses or flags (malformed, unknown channel, duplicate, sequence gap) is
    logged with its position: record number (1-based), receive time and connection.
    """
    stats = adapter.stats  # type: ignore[attr-defined]
    problems = _problems(stats)
    logged = 0
    on_frame = adapter.on_frame  # type: ignore[attr-defined]
    on_http = adapter.on_http  # type: ignore[attr-defined]
    on_connect = adapter.on_connect  # type: ignore[attr-defined]
    on_disconnect = adapter.on_disconnect  # type: ignore[attr-defined]
    recv, http = Direction.RECV, Direction.HTTP
    n = recv_n = 0
    ts = 0
    for ts, direction, conn, payload, url in records:
        n += 1
        if n == 1:
            counts.first_ts = ts
        if direction is recv or direction == recv:
            recv_n += 1
            msgs = on_frame(ts, payload, conn)
        elif direction == http:
            counts.http += 1
            msgs = on_http(ts, url or "", payload)
        elif direction == Direction.CONNECT:
            counts.connect += 1
            msgs = on_connect(ts, conn)
        elif direction == Direction.DISCONNECT:
            counts.disconnect += 1
            msgs = on_disconnect(ts, conn)
        elif direction == Direction.SEND:
            counts.send += 1
            continue
        else:
            counts.other += 1
            continue
        now = (stats.malformed, stats.unknown_channel, stats.duplicates, stats.gaps)  # _problems(stats), inlined
        if now != problems:
            logged = _log_problem(logged, problems, now, (n, ts, conn), stats.last_error)
            problems = now
        if msgs:
            if len(msgs) == 1:
                yield msgs[0]
            else:
                yield from msgs
    counts.records = n
    counts.recv = recv_n
    counts.last_ts = ts


def _log_problem(
    logged: int, before: tuple[int, ...], after: tuple[int, ...], where: tuple[int, int, str], last_error: str
) -> int:
    """Log what the record at ``where`` (number, ts, connection) did to the counters; return the log count."""
    index, ts, conn = where
    what = ", ".join(name for name, old, new in zip(_PROBLEM_COUNTERS, before, after, strict=True) if new != old)
    if "malformed" in what and last_error:
        what = f"{what} ({last_error})"
    logged += 1
    level = logging.WARNING if logged <= LOGGED_PROBLEMS else logging.DEBUG
    log.log(level, "record %d (receive ts %d ns, connection %r): %s; skipped", index, ts, conn, what)
    if logged == LOGGED_PROBLEMS:
        log.warning("further problems are logged at DEBUG only (-vv); the summary counts them all")
    return logged


def observed(
    messages: Iterable[MarketMessage],
    pacer: Pacer | None = None,
    before: Callable[[Quote | BookResync], None] | None = None,
    after_book: Callable[[BookSnapshot | BookDelta], None] | None = None,
) -> Iterator[MarketMessage]:
    """Pass ``messages`` through to the consumer (the engine), with hooks around each one.

    ``before`` sees every quote and resync notice before the consumer does; ``after_book`` sees
    each book message *after* the consumer processed it (when this generator resumes), so a
    check reads the book state the message produced. ``pacer`` sleeps to pace by receive time.
    """
    for msg in messages:
        kind = type(msg)
        if pacer is not None:
            pacer.wait_until(msg.ts)
        if before is not None and (kind is Quote or kind is BookResync):
            before(msg)
        yield msg
        if after_book is not None and (kind is BookDelta or kind is BookSnapshot):
            after_book(msg)
