"""``jtrader convert IN OUT``: rewrite any readable recording as a jtrader recording.

The output's ``created_ns`` is the source's own creation time (cryptofeed ``recorded``, the
hftbacktest first line, the jtrader header), so converting the same file twice gives the same
bytes. Also useful on a damaged jtrader recording: the copy holds every readable record.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from jtrader.cmdkit import Job
from jtrader.cmdkit.progress import file_position
from jtrader.errors import ConfigError
from jtrader.recording._format import Record
from jtrader.recording.sources import open_source
from jtrader.recording.writer import RecordingWriter

__all__ = ["convert", "run_convert"]

log = logging.getLogger(__name__)


def convert(
    src: str | Path,
    dst: str | Path,
    format: str = "auto",
    venue: str = "auto",
    source_hook: Callable[[Iterator[Record]], Iterator[Record]] | None = None,
) -> dict[str, object]:
    """Convert ``src`` into a jtrader recording at ``dst``; return a summary (counts per direction, damage).

    ``source_hook`` wraps the records read (the CLI's progress bar and Ctrl-C stop).
    """
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
        for record in source if source_hook is None else source_hook(iter(source)):
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


def run_convert(args: argparse.Namespace, job: Job | None = None) -> int:
    """CLI runner: convert ``args.input`` to ``args.output``; print a one-line summary on stdout.

    Written to ``OUT.partial`` and renamed when complete; stopped by Ctrl-C, the records so far
    stay in ``OUT.partial`` (a complete, readable recording) and the exit code is 130.
    """
    job = job if job is not None else Job()
    if Path(args.input).resolve() == Path(args.output).resolve():
        raise ConfigError(f"convert: input and output are the same file: {args.input}")
    partial = Path(args.output).with_name(Path(args.output).name + ".partial")
    size = Path(args.input).stat().st_size if Path(args.input).is_file() else None

    def records(items: Iterator[Record]) -> Iterator[Record]:
        position = file_position(args.input) if size else None
        return job.track(items, label="convert", total=size, unit="records", position=position)

    summary = convert(args.input, partial, args.format, args.venue, source_hook=records)
    if job.interrupted:
        summary["output"] = str(partial)
    else:
        os.replace(partial, args.output)
        summary["output"] = str(args.output)
    by_direction = " ".join(f"{k}={v}" for k, v in summary["by_direction"].items())  # type: ignore[attr-defined]
    print(
        ("interrupted: true; " if job.interrupted else "")
        + f"converted {summary['input']} ({summary['format']}, {summary['venue']}) -> {summary['output']}: "
        f"{summary['records']} records ({by_direction}), skipped {summary['skipped']}, "
        f"truncated {summary['truncated']}",
        file=sys.stdout,
    )
    return job.exit_code()
