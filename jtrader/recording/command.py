"""``jtrader convert IN OUT``: rewrite any readable recording as a jtrader recording.

The output's ``created_ns`` is the source's own creation time (cryptofeed ``recorded``, the
hftbacktest first line, the jtrader header), so converting the same file twice gives the same
bytes. ``--venue`` must agree with the file (it only fills in a venue the file does not name):
``convert`` never relabels a capture.

A damaged input (cut off, corrupt, unreadable lines, impossible timestamps: see
:mod:`jtrader.recording.damage`) still gives a copy holding every readable record, but never a
clean-looking one: the copy's end marker keeps the input's damage report, so replaying or
converting the copy reports it again, and the summary names every problem. ``--strict`` turns
any damage into exit code 1 (the copy is still written, with its damage recorded).
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
from jtrader.recording.damage import describe_damage
from jtrader.recording.sources import open_source
from jtrader.recording.writer import RecordingWriter

__all__ = ["convert", "damage_lines", "run_convert"]

log = logging.getLogger(__name__)


def convert(
    src: str | Path,
    dst: str | Path,
    format: str = "auto",
    venue: str = "auto",
    source_hook: Callable[[Iterator[Record]], Iterator[Record]] | None = None,
) -> dict[str, object]:
    """Convert ``src`` into a jtrader recording at ``dst``; return a summary (counts per direction, damage).

    ``source_hook`` wraps the records read (the CLI's progress bar and Ctrl-C stop). Summary
    keys: ``input``, ``output``, ``format``, ``venue``, ``products``, ``records``,
    ``by_direction``, ``skipped`` (unreadable parts), ``truncated``, ``damage`` (the input's
    damage report, :meth:`~jtrader.recording.damage.DamageReport.as_dict`) and ``problems``
    (how many problems the input has: 0 for a clean file).
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
        damage = source.damage
        if damage.problems:
            writer.source_damage = damage.inheritable(source.format, src.name)
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
        "damage": damage.as_dict(),
        "problems": damage.problems,
    }
    if damage.problems:
        log.warning("convert: %s is damaged: %s; the copy records it", src, "; ".join(damage.describe()))
    return summary


def damage_lines(summary: dict[str, object]) -> list[str]:
    """Human lines naming what the input of a conversion lost (none for a clean input)."""
    damage = summary["damage"]
    assert isinstance(damage, dict)
    return [f"  damaged input: {line}" for line in describe_damage(damage)]


def run_convert(args: argparse.Namespace, job: Job | None = None) -> int:
    """CLI runner: convert ``args.input`` to ``args.output``; print a one-line summary on stdout.

    With ``args.strict``, a damaged input is exit code 1 with a one-line reason on stderr.
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
    for line in damage_lines(summary):
        print(line, file=sys.stdout)
    if getattr(args, "strict", False) and summary["problems"]:
        reasons = describe_damage(summary["damage"])  # type: ignore[arg-type]
        print(f"jtrader convert: error: --strict: the input is damaged: {reasons[0]}", file=sys.stderr)
        return 1
    return job.exit_code()
