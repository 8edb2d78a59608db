"""Binance spot: depth bodies and levels, stream names and subscribe frames. Pure functions.

exchangeInfo (instruments and their order rules) is in :mod:`jtrader.venues.binance.exchange_info`.
These parsers raise :class:`~jtrader.errors.MalformedMessageError` on a body they cannot use.
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson

from jtrader.errors import ConfigError, MalformedMessageError, OffGridError
from jtrader.model import BookSnapshot, Instrument, Level
from jtrader.venues._common import PARSE_ERRORS, LevelMemo, load_json_object, prices_through

__all__ = [
    "MAX_STREAMS_PER_CONNECTION",
    "combined_stream_url",
    "depth_levels",
    "parse_depth_snapshot",
    "stream_names",
    "subscribe_frame",
    "unsubscribe_frame",
]

#: streams one Binance connection may carry (BN-WS "WebSocket Limits")
MAX_STREAMS_PER_CONNECTION = 1024

#: from this many rows on, depth lists are parsed column by column
_BULK_MIN_ROWS = 8


def depth_levels(
    instrument: Instrument, rows: Iterable[list[str]], skipped: list[int] | None = None, memo: LevelMemo | None = None
) -> tuple[Level, ...]:
    """``[["65083.66000000", "0.00100000"], ...]`` -> ``((ticks, lots), ...)``.

    Bad rows raise. A row off the instrument's grid raises :class:`~jtrader.errors.OffGridError`
    too, unless ``skipped`` is given: then the row is left out and ``skipped[0]`` counts it. Real
    books hold such rows deep down (orders left from before a tick change: NKNUSDT 2021-10-12 has
    bids at ``0.25974`` with a tick of 0.0001, 26% below the best bid). ``memo`` (a
    :class:`~jtrader.venues._common.LevelMemo` of ``instrument``): the prices of long lists are
    looked up there first (diffs repeat the prices near the touch); the result is the same.
    """
    p2t, s2l = instrument.price_to_ticks, instrument.size_to_lots
    if not isinstance(rows, list | tuple):
        rows = list(rows)
    if len(rows) >= _BULK_MIN_ROWS:  # column by column (C speed); any problem: the row loop says what
        try:
            prices, sizes = zip(*rows, strict=True)
            ticks = instrument.prices_to_ticks(prices) if memo is None else prices_through(memo, prices)
            return tuple(zip(ticks, instrument.sizes_to_lots(sizes), strict=True))
        except PARSE_ERRORS:
            pass
    try:
        return tuple([(p2t(price), s2l(qty)) for price, qty in rows])
    except OffGridError:
        if skipped is None:
            raise
    out = []
    for price, qty in rows:
        try:
            out.append((p2t(price), s2l(qty)))
        except OffGridError:
            skipped[0] += 1
    return tuple(out)


def parse_depth_snapshot(
    ts: int, body: bytes | str | dict, instrument: Instrument, skipped: list[int] | None = None
) -> BookSnapshot:
    """``GET /api/v3/depth`` body -> :class:`BookSnapshot` with ``update_id = lastUpdateId``.

    ``ts`` is the receive time (ns); the body has no exchange time, so ``ts_exchange`` is 0.
    Off-grid rows: see :func:`depth_levels`.
    """
    data = load_json_object(body, "binance", "depth")
    try:
        last = data["lastUpdateId"]
        if type(last) is not int or last < 0:
            raise MalformedMessageError(f"binance depth: lastUpdateId {last!r}")
        bids = depth_levels(instrument, data["bids"], skipped)
        asks = depth_levels(instrument, data["asks"], skipped)
    except MalformedMessageError:
        raise
    except PARSE_ERRORS as exc:
        raise MalformedMessageError(f"binance depth {instrument.symbol}: {type(exc).__name__}: {exc}") from exc
    return BookSnapshot(ts, 0, instrument.symbol, bids, asks, last)


def stream_names(symbols: Iterable[str], streams: Iterable[str]) -> list[str]:
    """``(["BTCUSDT"], ["depth@100ms", "trade"])`` -> ``["btcusdt@depth@100ms", "btcusdt@trade"]``."""
    names = []
    stream_list = list(streams)
    for symbol in symbols:
        for stream in stream_list:
            if not symbol or not stream or any(c in symbol + stream for c in " /?&"):
                raise ConfigError(f"bad Binance stream {symbol!r}@{stream!r}")
            names.append(f"{symbol.lower()}@{stream}")
    if len(names) > MAX_STREAMS_PER_CONNECTION:
        raise ConfigError(f"{len(names)} streams > {MAX_STREAMS_PER_CONNECTION} allowed on one connection")
    return names


def combined_stream_url(
    symbols: Iterable[str], streams: Iterable[str], base: str = "wss://stream.binance.com:9443"
) -> str:
    """The combined-stream URL ``<base>/stream?streams=a/b/c`` (frames come wrapped in ``stream``/``data``)."""
    return f"{base}/stream?streams={'/'.join(stream_names(symbols, streams))}"


def subscribe_frame(symbols: Iterable[str], streams: Iterable[str], request_id: int = 1) -> str:
    """``{"method":"SUBSCRIBE","params":[...],"id":request_id}`` for every symbol x stream (one frame)."""
    return orjson.dumps({"method": "SUBSCRIBE", "params": stream_names(symbols, streams), "id": request_id}).decode()


def unsubscribe_frame(symbols: Iterable[str], streams: Iterable[str], request_id: int = 1) -> str:
    """The ``UNSUBSCRIBE`` frame, same shape as :func:`subscribe_frame`."""
    return orjson.dumps({"method": "UNSUBSCRIBE", "params": stream_names(symbols, streams), "id": request_id}).decode()
