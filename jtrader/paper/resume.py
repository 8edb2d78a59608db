"""Open a paper recording for writing: a new session, or one resumed after a crash.

A resume rebuilds the session by replaying what was recorded, through the same
:class:`~jtrader.paper.session.PaperSession` code the live session ran, with the header's
configuration: balances, positions, open orders, risk state (a HALTED session stays halted) and
the strategy's own state come back as they were at the last recorded record. Every event the
rebuild makes is checked against the recorded ones. Then the file is cut after its last complete
chunk (what a killed writer left half-written goes), reopened for appending, and the connections
the crash lost are closed with a ``disconnect`` record (their books resync, as after any lost
connection). The live feed then continues on new connection ids and later receive times, into
the same file: a replay of the whole file crosses the crash like any reconnect.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from jtrader.errors import ConfigError, RecordingError
from jtrader.paper import events as paper_events
from jtrader.paper.config import METADATA_KEY, PaperConfig
from jtrader.paper.session import PaperSession
from jtrader.recording import EVENTS_VERSION, Direction, Record, RecordingReader, RecordingWriter, open_recording

__all__ = ["Reopened", "new_session", "rebuild", "resume_session"]

log = logging.getLogger(__name__)

#: the writer's own size and age triggers are off: the session flushes between records' groups
_CHUNKING = {"max_records": 1 << 40, "max_bytes": 1 << 40, "max_age_ns": None}


@dataclass(slots=True)
class Reopened:
    """A session ready to go live: where connection ids and receive times continue."""

    session: PaperSession
    first_connection: int
    last_ts: int
    #: records rebuilt from the file (0 for a new session)
    records: int = 0
    #: events the rebuild made that the crash had lost, written again
    restored_events: int = 0


def new_session(
    path: str | Path, config: PaperConfig, metadata: dict[str, object], created_ns: int | None = None
) -> Reopened:
    """A new recording at ``path`` (format version 3) with ``config`` in its header, and its session."""
    writer = RecordingWriter(
        path,
        config.venue,
        list(config.products),
        {**metadata, METADATA_KEY: config.to_metadata()},
        created_ns=created_ns if created_ns is not None else time.time_ns(),
        format_version=EVENTS_VERSION,
        **_CHUNKING,  # type: ignore[arg-type]
    )
    return Reopened(PaperSession(config, writer), 1, 0)


def rebuild(path: str | Path) -> tuple[PaperConfig, PaperSession, RecordingReader]:
    """The session recorded in ``path``, rebuilt by replaying it (nothing written); and the reader.

    The session stands as it was after the last recorded record. Refused with
    :class:`ConfigError` / :class:`RecordingError`: a file that is not a paper recording, that has
    damage other than a cut end (corrupt chunks, impossible times), whose session ended (normally
    or by a strategy error), or that does not replay to its own events.
    """
    reader = open_recording(path)
    config = PaperConfig.from_header(reader.header)
    session = PaperSession(config)
    for record in reader:
        if record.direction is Direction.EVENT:
            marker = paper_events.decode(record.payload)["type"]
            if marker == paper_events.END:
                raise ConfigError(f"{path}: the session ended normally; start a new one (resume is for a crash)")
            if marker == paper_events.ERROR:
                raise ConfigError(f"{path}: the session ended with a strategy error; it cannot be resumed")
            if marker != paper_events.RESUMED:
                session.expect_event(record.payload)
            continue
        session.feed_record(record)
    damage = reader.damage
    if damage.corrupt_chunks or damage.bad_timestamps or damage.lost_records:
        raise RecordingError(f"{path} is damaged ({'; '.join(damage.describe())}): it cannot be resumed")
    if session.over:
        raise ConfigError(f"{path}: the session cannot go on ({session.over})")
    return config, session, reader


def resume_session(path: str | Path, now_ns: int | None = None) -> tuple[PaperConfig, Reopened]:
    """Rebuild the session recorded in ``path`` (:func:`rebuild`) and reopen the file to continue it:
    the events the crash lost written again, a ``PaperResumed`` marker, a ``disconnect`` record for
    each connection the crash lost (at ``now_ns``, default the wall clock)."""
    config, session, reader = rebuild(path)
    writer = RecordingWriter.append_to(
        path, reader.header, at=reader.data_end, records_before=reader.records_read, **_CHUNKING
    )
    restored = session.rebuilt(writer)
    last_ts = session.state.counts.last_ts
    ts = max(now_ns if now_ns is not None else time.time_ns(), last_ts + 1)
    session.mark(
        {
            "type": paper_events.RESUMED,
            "ts": ts,
            "after_records": reader.records_read,
            "cut_at": reader.data_end,
            "lost_connections": list(session.open_connections),
        }
    )
    for conn in list(session.open_connections):
        session.feed_record(Record(ts, Direction.DISCONNECT, conn, b"", None))
        ts += 1
    log.info(
        "paper: resumed %s after %d records (%d events checked, %d restored)",
        path,
        reader.records_read,
        session.events_checked,
        len(restored),
    )
    reopened = Reopened(session, session.connections + 1, ts - 1, reader.records_read, len(restored))
    return config, reopened
