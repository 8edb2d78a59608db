"""``download-candles``: fetch a venue's candles over REST and write them as ``jtrader backtest`` reads them.

Output columns: ``ts`` (open time, int ms since the epoch), ``open``, ``high``, ``low``,
``close``, ``volume``. Prices and volumes keep the venue's decimal text: CSV writes it as it is,
Parquet stores it as strings, so ``jtrader backtest`` converts it to ticks exactly.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from jtrader.errors import ConfigError
from jtrader.live.candles import CandleRow
from jtrader.live.rest import RestClient

__all__ = ["Progress", "download_candles", "parse_time", "write_candles"]

_NS_PER_S = 1_000_000_000
_NS_PER_MS = 1_000_000
COLUMNS = ("ts", "open", "high", "low", "close", "volume")


def parse_time(text: str, what: str) -> int:
    """``2026-01-01``, ``2026-01-01T12:30:00Z`` or ``...+02:00`` -> int ns since the epoch (naive = UTC)."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(f"{what} must be an ISO date or time such as 2026-01-01T00:00:00Z, got {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * _NS_PER_S + delta.microseconds * 1_000


def write_candles(rows: list[CandleRow], out: str | Path) -> None:
    """Write ``rows`` to ``.csv`` or ``.parquet`` (see the module docstring)."""
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with open(path, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(COLUMNS)
            for row in rows:
                writer.writerow((row.start // _NS_PER_MS, row.open, row.high, row.low, row.close, row.volume))
        return
    if suffix in (".parquet", ".pq"):
        import polars as pl

        frame = pl.DataFrame(
            {
                "ts": pl.Series([row.start // _NS_PER_MS for row in rows], dtype=pl.Int64),
                "open": pl.Series([row.open for row in rows], dtype=pl.String),
                "high": pl.Series([row.high for row in rows], dtype=pl.String),
                "low": pl.Series([row.low for row in rows], dtype=pl.String),
                "close": pl.Series([row.close for row in rows], dtype=pl.String),
                "volume": pl.Series([row.volume for row in rows], dtype=pl.String),
            }
        )
        frame.write_parquet(path)
        return
    raise ConfigError(f"--out must end in .csv or .parquet, got {path.name!r}")


class Progress:
    """A progress line on ``stream`` (stderr): rewritten in place on a terminal, one line per 10% otherwise."""

    def __init__(self, stream: TextIO | None = None, min_pages: int = 2) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.min_pages = min_pages
        self._last_decile = -1

    def __call__(self, page: int, pages: int, rows: int) -> None:
        if pages < self.min_pages:
            return
        text = f"downloaded page {page}/{pages} ({100 * page // pages}%), {rows} candles"
        if self.stream.isatty():
            self.stream.write("\r" + text + ("\n" if page == pages else ""))
        else:
            decile = 10 * page // pages
            if decile == self._last_decile:
                return
            self._last_decile = decile
            self.stream.write(text + "\n")
        self.stream.flush()


async def download_candles(
    venue: str,
    product: str,
    start_ns: int,
    end_ns: int,
    *,
    interval: str,
    base_url: str,
    out: str | Path,
    progress: Callable[[int, int, int], None] | None = None,
    client: RestClient | None = None,
) -> dict[str, Any]:
    """Download ``product``'s candles opening in ``[start_ns, end_ns)`` to ``out``; return a summary."""
    suffix = Path(out).suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq"):
        raise ConfigError(f"--out must end in .csv or .parquet, got {Path(out).name!r}")
    rest = client if client is not None else RestClient(venue, base_url)
    try:
        rows = await rest.candles(product, start_ns, end_ns, interval, progress)
    finally:
        if client is None:
            await rest.aclose()
    if len(rows) < 2:
        raise ConfigError(
            f"{len(rows)} candle(s) of {product} between the times given: "
            "a backtest needs at least 2; widen --start/--end"
        )
    write_candles(rows, out)
    return {
        "venue": venue,
        "product": product,
        "interval": interval,
        "candles": len(rows),
        "first": rows[0].start,
        "last": rows[-1].start,
        "requests": rest.requests,
        "retries": rest.retries,
        "out": str(out),
    }
