"""``generate``: write a seeded, realistic synthetic venue session as a jtrader recording.

Same arguments -> byte-identical file: the only randomness is ``random.Random(seed)`` (integer
draws only), the header's ``created_ns`` is the session start (default 2026-01-01T00:00:00Z), and
nothing reads a clock. See ``jtrader.marketgen._book`` for the price process and
``_coinbase``/``_binance`` for the frames.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from jtrader.errors import ConfigError
from jtrader.marketgen._binance import binance_session
from jtrader.marketgen._coinbase import coinbase_session
from jtrader.marketgen._text import product_spec
from jtrader.model.timestamps import NS_PER_S, check_ts
from jtrader.recording import Record, RecordingWriter

__all__ = ["DEFAULT_START_NS", "DEFAULT_SYMBOLS", "VENUES", "generate"]

#: 2026-01-01T00:00:00Z in ns
DEFAULT_START_NS = 1_767_225_600 * NS_PER_S
DEFAULT_SYMBOLS = {"coinbase": ("BTC-USD",), "binance": ("BTCUSDT",)}
VENUES = ("coinbase", "binance")
_SESSIONS = {"coinbase": coinbase_session, "binance": binance_session}


def _seconds_to_ns(seconds: float | int | str | Decimal) -> int:
    try:
        value = Decimal(str(seconds))
    except InvalidOperation as exc:
        raise ConfigError(f"--seconds must be a number, got {seconds!r}") from exc
    if not value.is_finite() or value <= 0 or value > 86_400:
        raise ConfigError(f"--seconds must be > 0 and at most 86400 (one day), got {seconds!r}")
    return int(value * NS_PER_S)


def generate(
    venue: str,
    seconds: float | int | str,
    seed: int,
    out: str | os.PathLike[str],
    symbols: list[str] | tuple[str, ...] | None = None,
    *,
    levels_per_update: int | None = None,
    start_ns: int = DEFAULT_START_NS,
    depth: int = 500,
    source_hook: Callable[[Iterator[Record]], Iterator[Record]] | None = None,
) -> dict[str, Any]:
    """Write a ``seconds``-long synthetic ``venue`` session to ``out`` (jtrader recording); return stats.

    ``symbols`` are venue symbols (``BTC-USD`` / ``BTCUSDT``; default one BTC product);
    ``levels_per_update`` is the minimum number of level changes per book event (default: a
    random 1-4 on Coinbase, 1-3 on Binance); ``depth`` the levels kept per side (the Coinbase
    snapshot and the Binance REST snapshot show them all, up to 1000); ``start_ns`` the session
    start, also the header's ``created_ns``; ``source_hook`` wraps the records on their way to the
    file (the CLI's progress bar and Ctrl-C stop: the file then ends where it stopped, every record
    readable, without the end marker, so readers report it ``truncated``).
    Stats: ``records``, ``frames`` (received websocket frames), ``level_updates`` (levels in
    snapshots and updates; both only when the session ran to its end), ``bytes``, ``last_ts``.
    """
    if venue not in _SESSIONS:
        raise ConfigError(f"unknown venue {venue!r}; expected one of {', '.join(VENUES)}")
    if type(seed) is not int:
        raise ConfigError(f"seed must be an int, got {seed!r}")
    if levels_per_update is not None and not 1 <= levels_per_update <= 10_000:
        raise ConfigError(f"levels_per_update must be between 1 and 10000, got {levels_per_update!r}")
    if not 5 <= depth <= 5_000:
        raise ConfigError(f"depth must be between 5 and 5000 levels, got {depth!r}")
    start_ns = check_ts(start_ns, "start")
    end_ns = start_ns + _seconds_to_ns(seconds)
    names = list(dict.fromkeys(symbols or DEFAULT_SYMBOLS[venue]))
    try:
        specs = [product_spec(venue, name) for name in names]
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc
    rng = random.Random(seed)
    stats: dict[str, Any] = {"venue": venue, "symbols": names, "seed": seed}
    metadata = {
        "generator": "jtrader.marketgen",
        "seed": seed,
        "seconds": str(seconds),
        "levels_per_update": levels_per_update,
        "depth": depth,
    }
    session = _SESSIONS[venue](
        specs,
        start_ns=start_ns,
        end_ns=end_ns,
        rng=rng,
        levels_per_update=levels_per_update,
        depth=depth,
        stats=stats,
    )
    records = 0
    stream: Iterator[Record] = session if source_hook is None else source_hook(session)
    writer = RecordingWriter(out, venue, names, metadata, created_ns=start_ns)
    try:
        write = writer.write
        for ts, direction, conn, payload, url in stream:
            write(ts, direction, conn, payload, url)
            records += 1
    except BaseException:
        writer.abort()
        raise
    if "frames" in stats:  # the session ran to its end: the file is complete
        writer.close()
    else:  # stopped early (Ctrl-C): every record is readable, and the file says it is cut short
        writer.abort()
    stats["records"] = records
    stats["last_ts"] = ts if records else None
    stats["bytes"] = Path(out).stat().st_size
    return stats
