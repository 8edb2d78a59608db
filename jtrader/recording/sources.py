"""One entry point for every recording format: :func:`read_records` and :func:`open_source`.

``jtrader replay`` and ``jtrader convert`` read jtrader, cryptofeed and hftbacktest files the same
way: a :class:`RecordingHeader` plus an iterable of :class:`Record` in receive-time order.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from jtrader.errors import RecordingError
from jtrader.recording._format import Record, RecordingHeader
from jtrader.recording._textfiles import detect_format
from jtrader.recording.cryptofeed import CryptofeedSource
from jtrader.recording.hftbacktest import HftbacktestSource
from jtrader.recording.reader import RecordingReader

__all__ = ["FORMATS", "JtraderSource", "RecordSource", "detect_format", "open_source", "read_records"]

#: the formats :func:`open_source` understands, besides ``"auto"``
FORMATS = ("jtrader", "cryptofeed", "hftbacktest")


class RecordSource(Protocol):
    """What every source offers: a header, a format name, damage counters, and iteration."""

    format: str
    header: RecordingHeader
    skipped: int
    truncated: bool

    def __iter__(self) -> Iterator[Record]: ...


class JtraderSource:
    """A jtrader recording as a :class:`RecordSource` (``skipped`` counts corrupt chunks)."""

    format = "jtrader"

    def __init__(self, path: str | os.PathLike[str], venue: str | None = None) -> None:
        self.reader = RecordingReader(path)
        header = self.reader.header
        if venue and venue != header.venue:
            header = RecordingHeader(
                venue=venue,
                products=header.products,
                created_ns=header.created_ns,
                jtrader_version=header.jtrader_version,
                metadata=header.metadata,
                format_version=header.format_version,
            )
        self.header = header

    @property
    def skipped(self) -> int:
        return self.reader.corrupt_chunks

    @property
    def truncated(self) -> bool:
        return self.reader.truncated

    def __iter__(self) -> Iterator[Record]:
        return iter(self.reader)


def open_source(path: str | os.PathLike[str], format: str = "auto", venue: str = "auto") -> RecordSource:
    """Open ``path`` as a record source.

    ``format`` is ``"auto"`` (by magic bytes / first line), ``"jtrader"``, ``"cryptofeed"`` or
    ``"hftbacktest"``; ``venue`` ``"auto"`` (from the file) or a venue name that overrides it.
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
