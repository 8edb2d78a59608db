"""One entry point for every recording format: :func:`read_records` and :func:`open_source`.

``jtrader replay`` and ``jtrader convert`` read jtrader, cryptofeed and hftbacktest files the same
way: a :class:`RecordingHeader` plus an iterable of :class:`Record` in receive-time order, and a
:class:`~jtrader.recording.damage.DamageReport` (``source.damage``) saying what the last read
lost. A ``venue`` that contradicts the file's own is refused (:class:`~jtrader.errors.ConfigError`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from jtrader.errors import RecordingError
from jtrader.recording._format import Record, RecordingHeader, chosen_venue
from jtrader.recording._textfiles import detect_format
from jtrader.recording.cryptofeed import CryptofeedSource
from jtrader.recording.damage import DamageReport
from jtrader.recording.hftbacktest import HftbacktestSource
from jtrader.recording.reader import RecordingReader

__all__ = ["FORMATS", "JtraderSource", "RecordSource", "detect_format", "open_source", "read_records"]

#: the formats :func:`open_source` understands, besides ``"auto"``
FORMATS = ("jtrader", "cryptofeed", "hftbacktest")


class RecordSource(Protocol):
    """What every source offers: a header, a format name, a damage report, and iteration."""

    format: str
    header: RecordingHeader
    damage: DamageReport

    @property
    def skipped(self) -> int:
        """Unreadable parts of the last read (lines, or corrupt chunks of a jtrader recording)."""
        ...

    @property
    def truncated(self) -> bool:
        """The last read stopped before the end of the data."""
        ...

    def __iter__(self) -> Iterator[Record]: ...


class JtraderSource:
    """A jtrader recording as a :class:`RecordSource` (``skipped`` counts corrupt chunks)."""

    format = "jtrader"

    def __init__(self, path: str | os.PathLike[str], venue: str | None = None) -> None:
        self.reader = RecordingReader(path)
        header = self.reader.header
        chosen = chosen_venue(venue, header.venue, path, f"its header says venue {header.venue!r}")
        if chosen != header.venue:  # the header named no venue: --venue fills it in
            header = RecordingHeader(
                venue=chosen,
                products=header.products,
                created_ns=header.created_ns,
                jtrader_version=header.jtrader_version,
                metadata=header.metadata,
                format_version=header.format_version,
            )
        self.header = header
        self.damage = self.reader.damage

    @property
    def skipped(self) -> int:
        """Corrupt chunks skipped in the last read."""
        return self.reader.corrupt_chunks

    @property
    def truncated(self) -> bool:
        """The last read stopped before the end of the data (cut off, or no end marker)."""
        return self.reader.truncated

    def __iter__(self) -> Iterator[Record]:
        return iter(self.reader)


def open_source(path: str | os.PathLike[str], format: str = "auto", venue: str = "auto") -> RecordSource:
    """Open ``path`` as a record source.

    ``format`` is ``"auto"`` (by magic bytes / first line), ``"jtrader"``, ``"cryptofeed"`` or
    ``"hftbacktest"``; ``venue`` ``"auto"`` (from the file), or a venue name that must agree with
    the file's (it only fills in a venue the file does not name: :class:`ConfigError` otherwise).
    Raises :class:`RecordingError` when the file is missing, empty or in no known format.
    """
    path = Path(path)
    if format == "auto":
        format = detect_format(path)
    chosen_venue = None if venue == "auto" else venue
    if format == "jtrader":
        return JtraderSource(path, chosen_venue)
    if format == "cryptofeed":
        return CryptofeedSource(path, chosen_venue)
    if format == "hftbacktest":
        return HftbacktestSource(path, chosen_venue)
    raise RecordingError(f"unknown recording format {format!r}; expected auto or one of {', '.join(FORMATS)}")


def read_records(
    path: str | os.PathLike[str], format: str = "auto", venue: str = "auto"
) -> tuple[RecordingHeader, RecordSource]:
    """``(header, records)`` of any supported recording; iterate ``records`` for :class:`Record` tuples.

    The second item is the :class:`RecordSource` itself (iterable, re-iterable, with ``skipped``
    and ``truncated`` counters filled in as it is read).
    """
    source = open_source(path, format, venue)
    return source.header, source
