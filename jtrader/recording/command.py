"""``jtrader convert IN OUT``: rewrite any readable recording as a jtrader recording.

The output's ``created_ns`` is the source's own creation time (cryptofeed ``recorded``, the
hftbacktest first line, the jtrader header), so converting the same file twice gives the same
bytes. Also useful on a damaged jtrader recording: the copy holds every readable record.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from pathlib import Path

from jtrader.errors import ConfigError
from jtrader.recording.sources import open_source
from jtrader.recording.writer import RecordingWriter

__all__ = ["convert", "run_convert"]

log = logging.getLogger(__name__)


def convert(src: str | Path, dst: str | Path, format: str = "auto", venue: str = "auto") -> dict[str, object]:
    """Convert ``src`` into a jtrader recording at ``dst``; return a summary (counts per direction, damage)."""
    src, dst = Path(src), Path(dst)
    if src.resolve() == dst.resolve():
        raise ConfigError(f"convert: input and output are the same file: {src}")
    source = open_source(src, format, venue)
    header = source.header
    metadata = {"converted_from": {"format": source.format, "file": src.name}}
    if header.metadata:
        metadata["source_metadata"] = header.metadata
    counts: Counter[str] = Counter()
    with RecordingWriter(dst, header.venue, header.products, metadata, created_ns=header.created_ns) as writer:
        for record in source:
            writer.write(record.ts, record.direction, record.conn, record.payload, record.url)
            counts[record.direction.value] += 1
    summary: dict[str, object] = {
        "input": str(src),
        "output": str(dst),
        "format": source.format,
        "venue": header.venue,
        "products": list(header.products),
        "records": sum(counts.values()),
        "by_direction": dict(sorted(counts.items())),
        "skipped": source.skipped,
        "truncated": source.truncated,
    }
    if source.skipped or source.truncated:
        log.warning("convert: %s: %d unreadable parts skipped, truncated=%s", src, source.skipped, source.truncated)
    return summary


def run_convert(args: argparse.Namespace) -> int:
    """CLI runner: convert ``args.input`` to ``args.output``; print a one-line summary on stdout."""
    summary = convert(args.input, args.output, args.format, args.venue)
    by_direction = " ".join(f"{k}={v}" for k, v in summary["by_direction"].items())  # type: ignore[attr-defined]
    print(
        f"converted {summary['input']} ({summary['format']}, {summary['venue']}) -> {summary['output']}: "
        f"{summary['records']} records ({by_direction}), skipped {summary['skipped']}, "
        f"truncated {summary['truncated']}",
        file=sys.stdout,
    )
    return 0
