"""The paper session itself, sans-I/O: records in (in order), the engine fed, the recording written.

:class:`PaperSession` is what the websocket handler's two hooks call, and what a resume calls
with the records of a recording. For every record, in one task and one order:

1. :meth:`PaperSession.on_record` writes it to the recording (before anything parses it);
2. the adapter parses it (the handler does, or :meth:`PaperSession.feed_record`);
3. :meth:`PaperSession.on_messages` hands the adapter's messages to the engine, one by one, then
   writes the engine events the strategy received meanwhile as ``event`` records, then flushes
   the recording when the record produced events, or a second of receive time passed, or 1 MiB
   waits: chunks therefore always end between two records' groups (a record and its events).

Before the engine exists, messages go to the replay's :class:`~jtrader.replay.runner.Preroll`,
and the engine is built from the adapter's instruments exactly when a replay of the file builds
its own (the products / exchangeInfo body the session fetched first is in the file). Exchange
events reach the strategy only at message boundaries (the engine delivers what is due when the
next message arrives), never on a wall-clock timer. A replay of the recording therefore sees the
same messages in the same order with the same clock, and makes the same decisions.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import TYPE_CHECKING, Any

from jtrader.errors import RecordingError, StrategyError
from jtrader.model import BookDelta, BookResync, BookSnapshot, MarketMessage, Quote
from jtrader.paper import events as paper_events
from jtrader.paper.config import PaperConfig
from jtrader.recording import DamageReport, Direction, Record, RecordingWriter
from jtrader.replay.problems import source_fields
from jtrader.replay.runner import Preroll, ReplayState
from jtrader.trading import event_record

if TYPE_CHECKING:
    from jtrader.trading import Engine

__all__ = ["FLUSH_BYTES", "FLUSH_EVERY_NS", "PaperSession"]

log = logging.getLogger(__name__)

#: the recording is flushed at least every this much receive time (ns) ...
FLUSH_EVERY_NS = 1_000_000_000
#: ... and whenever this many bytes wait (uncompressed)
FLUSH_BYTES = 1 << 20
_RECV, _HTTP, _CONNECT, _DISCONNECT, _SEND, _EVENT = (
    Direction.RECV,
    Direction.HTTP,
    Direction.CONNECT,
    Direction.DISCONNECT,
    Direction.SEND,
    Direction.EVENT,
)


class PaperSession:
    """One paper session: pre-roll, engine, recording (see the module docstring).

    ``writer`` is None while a resume rebuilds the session from its recording; the events the
    rebuild makes are then checked against the recorded ones (:meth:`expect_event`).
    """

    def __init__(self, config: PaperConfig, writer: RecordingWriter | None = None) -> None:
        self.config = config
        self.strategy = config.build_strategy()
        #: the replay's parts: adapter, counts, bookTicker check, books, engine, result; and its summary
        self.state = ReplayState(config.venue, config.replay_config(self.strategy))
        self.adapter = self.state.adapter
        self.writer = writer
        self.engine: Engine | None = None
        self.preroll: Preroll | None = Preroll(config.products)
        #: the strategy error that ended the session, if one did
        self.error: StrategyError | None = None
        #: why the session cannot go on ("" while it can): a strategy error, no instrument, finished
        self.over = ""
        self.finished = False
        #: connection ids opened and not closed (a resume closes them: the crash lost them)
        self.open_connections: dict[str, None] = {}
        self.connections = 0
        #: websocket frames received
        self.frames = 0
        self._events_done = 0
        self._last_flush_ts = 0
        self._feed: Any = None
        # a rebuild checks the events it makes against the recorded ones, in order
        self._made: deque[bytes] = deque()
        self._recorded: deque[bytes] = deque()
        self.events_checked = 0

    # -- the two hooks ------------------------------------------------------------------------
    def on_record(self, record: Record) -> None:
        """Write ``record`` to the recording and count it; called before the adapter parses it."""
        if self.over:
            return
        ts, direction, conn = record.ts, record.direction, record.conn
        if self.writer is not None:
            self.writer.write(ts, direction, conn, record.payload, record.url)
        counts = self.state.counts
        counts.records += 1
        if counts.records == 1:
            counts.first_ts = ts
        counts.last_ts = ts
        if direction is _RECV:
            counts.recv += 1
            self.frames += 1
        elif direction is _HTTP:
            counts.http += 1
        elif direction is _CONNECT:
            counts.connect += 1
            self.connections += 1
            self.open_connections[conn] = None
        elif direction is _DISCONNECT:
            counts.disconnect += 1
            self.open_connections.pop(conn, None)
        else:
            counts.send += 1

    def on_messages(self, record: Record, messages: list[MarketMessage]) -> None:
        """Feed the adapter's messages for ``record`` to the engine, record the events, flush as due."""
        if self.over:
            return
        if messages:
            try:
                if self.preroll is not None:
                    messages = self._preroll(messages)
                feed = self._feed
                for msg in messages:
                    feed(msg)
            except StrategyError as exc:
                self._failed(exc)
                return
        wrote = self._record_events() if self.engine is not None else False
        writer = self.writer
        if writer is not None and (
            wrote or record.ts - self._last_flush_ts >= FLUSH_EVERY_NS or writer.buffered_bytes >= FLUSH_BYTES
        ):
            writer.flush()
            self._last_flush_ts = record.ts

    def feed_record(self, record: Record) -> None:
        """The whole path of one record without a handler: record it, parse it, feed the engine."""
        self.on_record(record)
        if self.over:
            return
        adapter = self.adapter
        ts, direction, conn = record.ts, record.direction, record.conn
        if direction is _RECV:
            messages = adapter.on_frame(ts, record.payload, conn)
        elif direction is _HTTP:
            messages = adapter.on_http(ts, record.url or "", record.payload)
        elif direction is _CONNECT:
            messages = adapter.on_connect(ts, conn)
        elif direction is _DISCONNECT:
            messages = adapter.on_disconnect(ts, conn)
        else:
            messages = []
        self.on_messages(record, messages)

    # -- the engine ---------------------------------------------------------------------------
    def _preroll(self, messages: list[MarketMessage]) -> list[MarketMessage]:
        """Buffer messages until the pre-roll ends; then build and start the engine; return the rest."""
        preroll = self.preroll
        assert preroll is not None
        for i, msg in enumerate(messages):
            if preroll.add(msg):
                self._start_engine()
                return messages[i + 1 :] if self.engine is not None else []
        return []

    def _start_engine(self) -> None:
        """Build the engine the way a replay of the file does, start it, feed it the pre-roll."""
        preroll = self.preroll
        assert preroll is not None
        self.preroll = None
        instruments = self.state.instruments_of(preroll.symbols)
        if not instruments:
            self.over = "no product of the feed could be read: nothing to trade"
            log.error("paper: %s", self.over)
            return
        engine = self.engine = self.state.start_engine(instruments)
        self._feed = engine.feed if self.state.check is None else self._checked_feed
        engine.start(preroll.buffered[0].ts)
        feed = self._feed
        for msg in preroll.buffered:
            feed(msg)

    def _checked_feed(self, msg: MarketMessage) -> None:
        """Binance: the replay's bookTicker checks around the engine's step (they decide nothing)."""
        kind = type(msg)
        state = self.state
        if kind is Quote or kind is BookResync:
            state.before(msg)  # type: ignore[arg-type]
        self.engine.feed(msg)  # type: ignore[union-attr]
        if kind is BookDelta or kind is BookSnapshot:
            state.after_book(msg)  # type: ignore[arg-type]

    def _record_events(self) -> bool:
        """Write the engine events not written yet as ``event`` records; True when there were any."""
        engine = self.engine
        assert engine is not None
        events = engine.result.events
        n = len(events)
        if n == self._events_done:
            return False
        instruments = engine.instruments
        payloads = [paper_events.encode(event_record(ev, instruments)) for ev in events[self._events_done : n]]
        self._events_done = n
        self._write_own(payloads)
        return True

    def _write_own(self, payloads: list[bytes]) -> None:
        """The session's own records: written, or (during a rebuild) checked against the recorded ones."""
        if self.writer is None:
            self._made.extend(payloads)
            self._match()
            return
        ts = self.engine.clock.now if self.engine is not None else self.state.counts.last_ts
        write = self.writer.write
        for payload in payloads:
            write(ts, _EVENT, paper_events.CONN, payload)

    def _failed(self, exc: StrategyError) -> None:
        """A strategy callback raised: record the events so far and the error; the session is over."""
        self.error = exc
        if self.engine is not None:
            self._record_events()
        marker = {"type": paper_events.ERROR, "message": str(exc), "callback": exc.callback, "ts": exc.ts}
        self._write_own([paper_events.encode(marker)])
        self.over = f"strategy error: {exc}"
        if self.writer is not None:
            self.writer.flush()

    # -- a rebuild (resume) -------------------------------------------------------------------
    def expect_event(self, payload: bytes) -> None:
        """A recorded ``event`` record met during a rebuild: the rebuilt session must make the same."""
        self._recorded.append(payload)
        self._match()

    def _match(self) -> None:
        made, recorded = self._made, self._recorded
        while made and recorded:
            ours, theirs = made.popleft(), recorded.popleft()
            self.events_checked += 1
            if ours != theirs:
                raise RecordingError(
                    f"the recording does not replay to the events it holds (event {self.events_checked}: "
                    f"recorded {theirs[:300]!r}, replayed {ours[:300]!r}); it cannot be resumed"
                )

    def rebuilt(self, writer: RecordingWriter) -> list[bytes]:
        """End a rebuild: every recorded event was made again; write from now on to ``writer``.

        Returns the events the rebuild made that the recording lost (written now: they belong
        right after the last recorded record).
        """
        if self._recorded:
            raise RecordingError(
                f"the recording holds {len(self._recorded)} event(s) the replay did not make; it cannot be resumed"
            )
        missing = list(self._made)
        self._made.clear()
        self.writer = writer
        self._write_own(missing)
        return missing

    def mark(self, obj: dict[str, Any]) -> None:
        """Write one of the session's own markers (``PaperResumed``)."""
        self._write_own([paper_events.encode(obj)])

    # -- the end ------------------------------------------------------------------------------
    def finish(self) -> None:
        """End the session: finish the pre-roll if it is still open (as a replay does at the end of its
        data), drain the engine, ``on_stop``, record the last events and the ``PaperEnd`` marker,
        close the recording (end marker). After a strategy error: close the recording only."""
        if self.finished:
            return
        self.finished = True
        try:
            if not self.over:
                if self.preroll is not None and self.preroll.buffered:
                    self._start_engine()
                if self.engine is not None and not self.over:
                    self.state.result = self.engine.finish()
                    self._record_events()
                    self._write_own([paper_events.encode(self._end_marker())])
        except StrategyError as exc:
            self._failed(exc)
        finally:
            self.over = self.over or "finished"
            if self.writer is not None:
                self.writer.close()

    def _end_marker(self) -> dict[str, Any]:
        summary = self.summary()
        keys = ("final_equity", "equity_currency", "equity", "positions", "orders", "fills", "trading_state")
        return {"type": paper_events.END, "ts": self.engine.clock.now, **{k: summary[k] for k in keys}}  # type: ignore[union-attr]

    def summary(self) -> dict[str, Any]:
        """The replay summary of this session (the same keys as ``jtrader replay --json``)."""
        state = self.state
        engine = self.engine
        if engine is not None and state.result is None:  # not finished (a strategy error, a status line)
            state.result = engine.result
        if engine is not None and not self.finished:
            engine.result.trading_state = engine.trading_state
        return state.summary("jtrader", source_fields(_Clean()))


class _Clean:
    """A source without damage: a live session reads no file."""

    damage = DamageReport()
