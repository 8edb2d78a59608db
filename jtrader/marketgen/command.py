"""``jtrader generate``: write a seeded synthetic recording (see :func:`jtrader.marketgen.generate`)."""

from __future__ import annotations

import argparse

from jtrader.errors import ConfigError, TimestampError
from jtrader.marketgen.generator import DEFAULT_START_NS, generate
from jtrader.model.timestamps import parse_rfc3339_ns

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    """CLI runner: generate ``args.seconds`` of ``args.venue`` with ``args.seed`` into ``args.out``.

    An optional ``args.start`` (RFC 3339 UTC, e.g. ``2026-01-01T00:00:00Z``) moves the session
    start; the default is 2026-01-01T00:00:00Z, so the output never depends on the wall clock.
    """
    start_text = getattr(args, "start", None)
    try:
        start_ns = parse_rfc3339_ns(start_text) if start_text else DEFAULT_START_NS
    except TimestampError as exc:
        raise ConfigError(f"--start: {exc}") from exc
    stats = generate(
        args.venue,
        args.seconds,
        args.seed,
        args.out,
        symbols=args.symbol or None,
        levels_per_update=getattr(args, "levels_per_update", None),
        start_ns=start_ns,
    )
    print(
        f"wrote {args.out}: {stats['venue']} {','.join(stats['symbols'])} seed {stats['seed']}, "
        f"{stats['records']} records, {stats['frames']} frames, {stats['level_updates']} level updates, "
        f"{stats['bytes']} bytes"
    )
    return 0
