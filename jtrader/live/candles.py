"""Candle downloads, the pure part: intervals, request windows, venue bodies -> exact rows.

No I/O here: :class:`~jtrader.live.rest.RestClient` asks :func:`candle_requests` which pages to
GET and hands each body to :func:`parse_candle_rows`. Rows keep the venue's decimal strings
(validated, never turned into floats), so a file written from them reads back exactly.

Paging (``shared/notes/venue-protocols.md`` 1.1 and 2.1):

* Coinbase ``/api/v3/brokerage/market/products/{id}/candles?start=&end=&granularity=``: start and
  end in unix seconds, at most 350 candles a request (widely reported, not on the official
  page), newest first in the body. Windows of ``350 x granularity`` cover ``[start, end)``.
* Binance ``/api/v3/klines?symbol=&interval=&startTime=&endTime=&limit=1000``: times in ms, at
  most 1000 rows a request, oldest first; a full page is followed by the next from its last open
  time + 1 ms (the docs' paging rule). :func:`candle_requests` plans fixed windows instead, which
  gives the same rows and lets the progress line know the total.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

import orjson

from jtrader.errors import ConfigError, MalformedMessageError

__all__ = [
    "BINANCE_MAX_KLINES",
    "COINBASE_GRANULARITIES",
    "COINBASE_MAX_CANDLES",
    "CandleRequest",
    "CandleRow",
    "candle_requests",
    "interval_seconds",
    "parse_candle_rows",
]

_NS_PER_S = 1_000_000_000
_NS_PER_MS = 1_000_000
#: candles per Coinbase request (see the module docstring)
COINBASE_MAX_CANDLES = 350
#: klines per Binance request (BN-REST ``limit`` max)
BINANCE_MAX_KLINES = 1000
#: Coinbase granularity names by seconds (cryptotrackr docs quoting the API; the notes mark the list uncertain)
COINBASE_GRANULARITIES = {
    60: "ONE_MINUTE",
    300: "FIVE_MINUTE",
    900: "FIFTEEN_MINUTE",
    1800: "THIRTY_MINUTE",
    3600: "ONE_HOUR",
    7200: "TWO_HOUR",
    21600: "SIX_HOUR",
    86400: "ONE_DAY",
}
#: Binance kline intervals (BN-REST ``enums.md``), ``1M`` (a month) left out: not a fixed length
_BINANCE_INTERVALS = ("1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def interval_seconds(venue: str, interval: str) -> int:
    """``"1m"`` -> 60, checked against what ``venue`` offers; :class:`ConfigError` otherwise."""
    text = interval.strip()
    try:
        seconds = int(text[:-1]) * _UNITS[text[-1]]
    except (KeyError, ValueError, IndexError):
        raise ConfigError(f"--interval must look like 1m, 5m, 1h or 1d, got {interval!r}") from None
    if venue == "coinbase" and seconds not in COINBASE_GRANULARITIES:
        offered = ", ".join(_name(s) for s in COINBASE_GRANULARITIES)
        raise ConfigError(f"Coinbase has no {interval} candles; it offers {offered}")
    if venue == "binance" and text not in _BINANCE_INTERVALS:
        raise ConfigError(f"Binance has no {interval} klines; it offers {', '.join(_BINANCE_INTERVALS)}")
    return seconds


def _name(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


@dataclass(frozen=True, slots=True)
class CandleRow:
    """One candle: ``start`` (open time, int ns) and the venue's decimal strings."""

    start: int
    open: str
    high: str
    low: str
    close: str
    volume: str


@dataclass(frozen=True, slots=True)
class CandleRequest:
    """One page to GET: ``path`` (with its query) under the REST root, covering ``[start, end)`` ns."""

    path: str
    start: int
    end: int


def candle_requests(venue: str, product: str, start_ns: int, end_ns: int, interval: str) -> list[CandleRequest]:
    """The pages that cover ``[start_ns, end_ns)`` (ns, aligned down to the interval), oldest first."""
    step = interval_seconds(venue, interval) * _NS_PER_S
    if end_ns <= start_ns:
        raise ConfigError("--end must be after --start")
    first = start_ns - start_ns % step
    per_page = COINBASE_MAX_CANDLES if venue == "coinbase" else BINANCE_MAX_KLINES
    out = []
    page = first
    while page < end_ns:
        stop = min(page + per_page * step, end_ns)
        if venue == "coinbase":
            granularity = COINBASE_GRANULARITIES[step // _NS_PER_S]
            # ``end`` is inclusive on Coinbase: stop one second short of the next page's first candle
            path = (
                f"/api/v3/brokerage/market/products/{quote(product)}/candles"
                f"?start={page // _NS_PER_S}&end={(stop - 1) // _NS_PER_S}&granularity={granularity}"
                f"&limit={COINBASE_MAX_CANDLES}"
            )
        else:
            path = (
                f"/api/v3/klines?symbol={quote(product.upper())}&interval={interval.strip()}"
                f"&startTime={page // _NS_PER_MS}&endTime={(stop - 1) // _NS_PER_MS}&limit={BINANCE_MAX_KLINES}"
            )
        out.append(CandleRequest(path, page, stop))
        page = stop
    return out


def _decimal_text(value: object, what: str) -> str:
    text = value if isinstance(value, str) else str(value)
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        raise MalformedMessageError(f"{what} {value!r} is not a decimal") from None
    if not number.is_finite() or number < 0 or "e" in text.lower():
        raise MalformedMessageError(f"{what} {value!r} is not a plain non-negative decimal")
    return text


def parse_candle_rows(venue: str, body: bytes | str, start_ns: int, end_ns: int) -> list[CandleRow]:
    """A candles (Coinbase) or klines (Binance) body -> rows in ``[start_ns, end_ns)``, oldest first.

    Raises :class:`MalformedMessageError` on a body that is not the venue's candle shape.
    """
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MalformedMessageError(f"{venue} candles: body is not JSON: {exc}") from exc
    rows: list[CandleRow] = []
    try:
        if venue == "coinbase":
            for obj in data["candles"]:
                start = int(obj["start"]) * _NS_PER_S
                rows.append(
                    CandleRow(
                        start,
                        *(_decimal_text(obj[k], f"candle {k}") for k in ("open", "high", "low", "close", "volume")),
                    )
                )
        else:
            if not isinstance(data, list):
                raise MalformedMessageError(f"binance klines: expected a list, got {str(data)[:120]}")
            for row in data:
                start = int(row[0]) * _NS_PER_MS
                rows.append(CandleRow(start, *(_decimal_text(row[k], f"kline field {k}") for k in range(1, 6))))
    except MalformedMessageError:
        raise
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise MalformedMessageError(f"{venue} candles: {type(exc).__name__}: {exc}") from exc
    rows = [row for row in rows if start_ns <= row.start < end_ns]
    rows.sort(key=lambda row: row.start)
    return rows
