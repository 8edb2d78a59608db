"""Every input of a live adapter as a :class:`~jtrader.recording.Record`, stamped and handed on in order."""

from __future__ import annotations

import time
from collections.abc import Callable

from jtrader.model import MarketMessage
from jtrader.recording import Direction, Record

__all__ = ["RecordTap"]

_new_record = tuple.__new__


class RecordTap:
    """Stamps records with receive times and hands them on: ``on_record`` before the adapter parses,
    ``on_messages`` after, with the adapter's messages.

    Receive times come from ``clock`` (int ns since the epoch, default ``time.time_ns``) and never
    go back: a clock stepped backwards (NTP) gives the last time + 1 ns, so a recording made from
    the records is in receive-time order. ``messages`` counts the messages handed on.
    """

    __slots__ = ("clock", "last_ts", "messages", "on_messages", "on_record")

    def __init__(
        self,
        clock: Callable[[], int] = time.time_ns,
        on_record: Callable[[Record], None] | None = None,
        on_messages: Callable[[Record, list[MarketMessage]], None] | None = None,
    ) -> None:
        self.clock = clock
        self.on_record = on_record
        self.on_messages = on_messages
        self.last_ts = 0
        self.messages = 0

    def now(self) -> int:
        """The next receive time (ns): the clock, or the last time + 1 if the clock did not move on."""
        ts = self.clock()
        if ts <= self.last_ts:
            ts = self.last_ts + 1
        self.last_ts = ts
        return ts

    def record(self, direction: Direction, conn: str, payload: bytes, url: str | None = None) -> Record:
        """Stamp a record now and hand it to ``on_record``; returns it."""
        record: Record = _new_record(Record, (self.now(), direction, conn, payload, url))
        if self.on_record is not None:
            self.on_record(record)
        return record

    def emit(self, record: Record, messages: list[MarketMessage]) -> None:
        """Hand ``record``'s messages on (``on_messages``)."""
        self.messages += len(messages)
        if self.on_messages is not None:
            self.on_messages(record, messages)
