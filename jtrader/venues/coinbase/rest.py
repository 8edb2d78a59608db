"""Coinbase Advanced Trade: REST market bodies and websocket subscribe frames. Pure functions.

Products (instruments and order rules) are in :mod:`jtrader.venues.coinbase.products`, websocket
book levels in :mod:`jtrader.venues.coinbase.levels`. Bodies are the public market endpoints
under ``/api/v3/brokerage/market/`` (see ``shared/notes/venue-protocols.md`` section 1.1).
Unlike the websocket adapter, these parsers raise :class:`~jtrader.errors.MalformedMessageError`
on a body they cannot use: a REST call is one request the caller can retry, not a stream to keep
going.

Trade side convention: Coinbase ``side`` on a trade is taken as the **maker's** side, so the
aggressor is the opposite (``SELL`` prints happen at the ask). Evidence: the real capture
(49 of 50 ``SELL`` prints at/above the best ask) and the REST ticker sample; the docs do not say.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import orjson

from jtrader.errors import ConfigError, MalformedMessageError
from jtrader.model import NS_PER_S, Bar, BookSnapshot, Instrument, Level, Quote, Side, Trade, check_ts, parse_rfc3339_ns
from jtrader.venues._common import PARSE_ERRORS, load_json_object, volume_lots

__all__ = [
    "CHANNELS",
    "aggressor_from_maker_side",
    "parse_candles",
    "parse_market_ticker",
    "parse_product_book",
    "subscribe_frames",
    "unsubscribe_frames",
]

#: channel names a client sends in subscribe frames (level2 data arrives as ``l2_data``)
CHANNELS = frozenset(
    {
        "heartbeats",
        "candles",
        "status",
        "ticker",
        "ticker_batch",
        "level2",
        "market_trades",
        "user",
        "futures_balance_summary",
    }
)

_MAKER_TO_AGGRESSOR = {"BUY": Side.SELL, "SELL": Side.BUY}


def aggressor_from_maker_side(side: object) -> Side | None:
    """Coinbase trade ``side`` is the maker's: ``"SELL"`` -> aggressor BUY; anything else -> None."""
    return _MAKER_TO_AGGRESSOR.get(side)  # type: ignore[arg-type]


def _objects(value: object, what: str) -> list[dict]:
    """``value`` if it is a list of JSON objects; MalformedMessageError naming ``what`` otherwise."""
    if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
        raise MalformedMessageError(f"coinbase {what}: expected a list of objects")
    return value


def _levels(instrument: Instrument, rows: Iterable[dict]) -> tuple[Level, ...]:
    p2t, s2l = instrument.price_to_ticks, instrument.size_to_lots
    return tuple((p2t(row["price"]), s2l(row["size"])) for row in rows)


def parse_product_book(ts: int, body: bytes | str | dict, instrument: Instrument) -> BookSnapshot:
    """``GET /market/product_book`` body -> :class:`BookSnapshot` (``ts`` = receive time, ns).

    The REST book has no version number, so it cannot be joined to a websocket stream the Binance
    way; use it for a one-off view, not to seed a streamed book.
    """
    data = load_json_object(body, "coinbase", "product_book")
    try:
        book = data["pricebook"]
        if not isinstance(book, dict):
            raise MalformedMessageError("coinbase product_book: 'pricebook' is not an object")
        if book["product_id"] != instrument.symbol:
            raise MalformedMessageError(f"coinbase product_book is for {book['product_id']}, not {instrument.symbol}")
        ts_ex = parse_rfc3339_ns(book["time"]) if book.get("time") else 0
        return BookSnapshot(
            ts, ts_ex, instrument.symbol, _levels(instrument, book["bids"]), _levels(instrument, book["asks"])
        )
    except MalformedMessageError:
        raise
    except PARSE_ERRORS as exc:
        raise MalformedMessageError(f"coinbase product_book: {type(exc).__name__}: {exc}") from exc


def parse_market_ticker(ts: int, body: bytes | str | dict, instrument: Instrument) -> tuple[Quote, list[Trade]]:
    """``GET /market/products/{id}/ticker`` body -> (best bid/ask :class:`Quote`, recent trades oldest first).

    The body carries no best sizes: the Quote's sizes are 0. Trades keep the venue time in
    ``ts_exchange``; their aggressor follows the maker-side convention (module docstring).
    """
    data = load_json_object(body, "coinbase", "ticker")
    p2t, s2l = instrument.price_to_ticks, instrument.size_to_lots
    try:
        quote = Quote(ts, 0, instrument.symbol, p2t(data["best_bid"]), 0, p2t(data["best_ask"]), 0)
        trades: list[Trade] = [
            Trade(
                ts,
                parse_rfc3339_ns(row["time"]),
                instrument.symbol,
                p2t(row["price"]),
                s2l(row["size"]),
                aggressor_from_maker_side(row.get("side")),
                str(row["trade_id"]),
            )
            for row in _objects(data["trades"], "ticker trades")
            if row.get("product_id", instrument.symbol) == instrument.symbol
        ]
    except PARSE_ERRORS as exc:
        raise MalformedMessageError(f"coinbase ticker: {type(exc).__name__}: {exc}") from exc
    trades.sort(key=lambda t: t.ts_exchange)
    return quote, trades


def parse_candles(body: bytes | str | dict, instrument: Instrument, granularity_s: int | None = None) -> list[Bar]:
    """``GET /market/products/{id}/candles`` body -> bars oldest first.

    ``Bar.start`` is the bucket's open time and ``Bar.ts`` its close time (start + granularity), ns.
    The body does not say the granularity: pass it, or it is taken as the smallest step between
    consecutive starts (a body with one candle then needs ``granularity_s``).
    """
    data = load_json_object(body, "coinbase", "candles")
    p2t = instrument.price_to_ticks
    try:
        rows = sorted(_objects(data["candles"], "candles"), key=lambda row: int(row["start"]))
        starts = [int(row["start"]) for row in rows]
        if granularity_s is None:
            steps = [b - a for a, b in itertools.pairwise(starts) if b > a]
            if not steps:
                raise MalformedMessageError("coinbase candles: cannot infer the granularity; pass granularity_s")
            granularity_s = min(steps)
        bars = []
        for start, row in zip(starts, rows, strict=True):
            start_ns = check_ts(start * NS_PER_S, "candle start")
            bars.append(
                Bar(
                    start_ns + granularity_s * NS_PER_S,
                    instrument.symbol,
                    p2t(row["open"]),
                    p2t(row["high"]),
                    p2t(row["low"]),
                    p2t(row["close"]),
                    volume_lots(instrument, row["volume"]),
                    start_ns,
                )
            )
    except MalformedMessageError:
        raise
    except PARSE_ERRORS as exc:
        raise MalformedMessageError(f"coinbase candles: {type(exc).__name__}: {exc}") from exc
    return bars


def _frames(kind: str, products: Iterable[str], channels: Iterable[str], jwt: str | None) -> list[str]:
    product_ids = list(products)
    frames = []
    for channel in channels:
        if channel not in CHANNELS:
            raise ConfigError(f"unknown Coinbase channel {channel!r}; expected one of {sorted(CHANNELS)}")
        frame: dict[str, object] = {"type": kind}
        if product_ids:
            frame["product_ids"] = product_ids
        frame["channel"] = channel
        if jwt:
            frame["jwt"] = jwt
        frames.append(orjson.dumps(frame).decode())
    return frames


def subscribe_frames(products: Iterable[str], channels: Iterable[str], jwt: str | None = None) -> list[str]:
    """JSON ``subscribe`` frames, one per channel (the protocol takes one channel per frame).

    Channel names are the ones clients send (``level2``, not ``l2_data``); unknown names raise
    :class:`~jtrader.errors.ConfigError`. With no products the frame has no ``product_ids``.
    """
    return _frames("subscribe", products, channels, jwt)


def unsubscribe_frames(products: Iterable[str], channels: Iterable[str], jwt: str | None = None) -> list[str]:
    """JSON ``unsubscribe`` frames, one per channel (no products: the whole channel)."""
    return _frames("unsubscribe", products, channels, jwt)
