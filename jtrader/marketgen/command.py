"""``jtrader generate``: write a seeded synthetic recording (see :func:`jtrader.marketgen.generate`).

The recording is written to ``OUT.partial`` and renamed to ``OUT`` when complete, so a file at
``OUT`` is always a whole session. Stopped by Ctrl-C, the command flushes the recording (every
record written so far is readable; without the end marker, so it reads as ``truncated``), leaves
it at ``OUT.partial``, says
``interrupted: true`` and exits 130.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from pathlib import Path

from jtrader.cmdkit import Job
from jtrader.errors import ConfigError, TimestampError
from jtrader.marketgen.generator import DEFAULT_START_NS, generate
from jtrader.model.timestamps import parse_rfc3339_ns
from jtrader.recording import Record

__all__ = ["partial_path", "run"]


def partial_path(out: str | os.PathLike[str]) -> Path:
    """Where a file output is written until it is complete: ``OUT.partial``."""
    path = Path(out)
    return path.with_name(path.name + ".partial")


def run(args: argparse.Namespace, job: Job | None = None) -> int:
    """CLI runner: generate ``args.seconds`` of ``args.venue`` with ``args.seed`` into ``args.out``.

    An optional ``args.start`` (RFC 3339 UTC, e.g. ``2026-01-01T00:00:00Z``) moves the session
    start; the default is 2026-01-01T00:00:00Z, so the output never depends on the wall clock.
    Returns 0, or 130 when stopped (the records so far stay in ``OUT.partial``).
    """
    job = job if job is not None else Job()
    start_text = getattr(args, "start", None)
    try:
        start_ns = parse_rfc3339_ns(start_text) if start_text else DEFAULT_START_NS
    except TimestampError as exc:
        raise ConfigError(f"--start: {exc}") from exc
    partial = partial_path(args.out)

    def records(items: Iterator[Record]) -> Iterator[Record]:
        return job.track(items, label="generate", unit="records")

    stats = generate(
        args.venue,
        args.seconds,
        args.seed,
        partial,
        symbols=args.symbol or None,
        levels_per_update=getattr(args, "levels_per_update", None),
        start_ns=start_ns,
        source_hook=records,
    )
    head = f"{stats['venue']} {','.join(stats['symbols'])} seed {stats['seed']}"
    if job.interrupted:  # the session stopped mid-way: its frame counts were never totalled
        written = f"{stats['records']} records, {stats['bytes']} bytes"
        last = stats.get("last_ts")
        covered = 0.0 if last is None else (last - start_ns) / 1e9
        print(
            f"interrupted: true; wrote {partial} (not {args.out}): {head}, the first {covered:.3f} s "
            f"of {args.seconds} s, {written}"
        )
        return job.exit_code()
    written = (
        f"{stats['records']} records, {stats['frames']} frames, {stats['level_updates']} level updates, "
        f"{stats['bytes']} bytes"
    )
    os.replace(partial, args.out)
    print(f"wrote {args.out}: {head}, {written}")
    return 0
