"""Coinbase Advanced Trade: REST body parsers and websocket subscribe frames. Pure functions.

Bodies are the public market endpoints under ``/api/v3/brokerage/market/`` (see
``shared/notes/venue-protocols.md`` section 1.1). Unlike the websocket adapter, these parsers
raise :class:`~jtrader.errors.MalformedMessageError` on a body they cannot use: a REST call is one
request the caller can retry, not a stream to keep going.

Trade side convention: Coinbase ``side`` on a trade is taken as the **maker's** side, so the
aggressor is the opposite (``SELL`` prints happen at the ask). Evidence: the real capture
(49 of 50 ``SELL`` prints at/above the best ask) and the REST ticker sample; the docs do not say.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from operator import itemgetter

import orjson

from jtrader.errors import ConfigError, InstrumentError, MalformedMessageError, OffGridError
from jtrader.model import NS_PER_S, Bar, BookSnapshot, Instrument, Level, Quote, Side, Trade, check_ts, parse_rfc3339_ns
from jtrader.venues._common import PARSE_ERRORS, LevelMemo, load_json_object, volume_lots

__all__ = [
    "CHANNELS",
    "aggressor_from_maker_side",
    "parse_candles",
    "parse_market_ticker",
    "parse_product",
    "parse_product_book",
    "parse_products",
    "split_l2_levels",
    "status_instrument",
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


def parse_product(obj: dict) -> Instrument:
    """One product object -> :class:`Instrument` (tick ``price_increment``, lot ``base_increment``).

    ``min_size`` is ``base_min_size`` and ``min_notional`` ``quote_min_size`` (quote units).
    Raises :class:`InstrumentError` when the increments cannot make an instrument.
    """
    try:
        symbol = obj["product_id"]
        tick = obj.get("price_increment") or obj["quote_increment"]
        base = obj.get("base_currency_id") or obj.get("base_display_symbol") or symbol.partition("-")[0]
        quote = obj.get("quote_currency_id") or obj.get("quote_display_symbol") or symbol.partition("-")[2]
        return Instrument(
            symbol=symbol,
            base=base,
            quote=quote,
            price_tick=tick,
            size_lot=obj["base_increment"],
            min_size=obj.get("base_min_size") or None,
            min_notional=obj.get("quote_min_size") or "0",
            venue="coinbase",
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise InstrumentError(f"coinbase product {obj!r:.80}: missing field {exc}") from exc


def parse_products(body: bytes | str | dict, errors: list[str] | None = None) -> dict[str, Instrument]:
    """``GET /market/products`` (or ``/market/products/{id}``) body -> instruments by product id.

    Products whose increments cannot make an instrument are left out; their reasons are appended
    to ``errors`` when given.
    """
    data = load_json_object(body, "coinbase", "products")
    products = data.get("products")
    if products is None and "product_id" in data:
        products = [data]
    if not isinstance(products, list):
        raise MalformedMessageError("coinbase products: body has no 'products' list")
    out: dict[str, Instrument] = {}
    for obj in products:
        try:
            inst = parse_product(obj)
        except (InstrumentError, TypeError) as exc:
            if errors is not None:
                errors.append(str(exc))
            continue
        out[inst.symbol] = inst
    return out


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
        trades = [
            Trade(
                ts,
                parse_rfc3339_ns(row["time"]),
                instrument.symbol,
                p2t(row["price"]),
                s2l(row["size"]),
                aggressor_from_maker_side(row.get("side")),
                str(row["trade_id"]),
            )
            for row in data["trades"]
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
        rows = sorted(data["candles"], key=lambda row: int(row["start"]))
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


#: the fields of one websocket ``l2_data`` update that make a level
_SIDE = itemgetter("side")
_PRICE_LEVEL = itemgetter("price_level")
_NEW_QUANTITY = itemgetter("new_quantity")
#: below this many updates the plain loop is faster than the list parsers
_BULK_MIN_LEVELS = 8


def split_l2_levels(
    inst: Instrument, updates: list, off_grid: list[int] | None, memo: LevelMemo | None = None
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Websocket l2_data ``updates`` -> (bids, asks) in one pass (``offer`` is the ask side).

    Off-grid levels raise, or with ``off_grid`` given are left out and counted there (same rule
    as ``binance_rest.depth_levels``). Long lists (snapshots) are parsed column by column with
    :meth:`Instrument.prices_to_ticks`/:meth:`~Instrument.sizes_to_lots`; short ones look their
    strings up in ``memo`` (a :class:`LevelMemo` of ``inst``) when given. Either way, any problem
    sends the list through the plain loop, which raises the error of the first bad update.
    """
    if off_grid is None:
        try:
            if len(updates) >= _BULK_MIN_LEVELS:
                return _split_bulk(inst, updates)
            if memo is not None:
                return _split_memo(memo, updates)
        except PARSE_ERRORS:
            pass
    p2t, s2l = inst.price_to_ticks, inst.size_to_lots
    bids: list[tuple[int, int]] = []
    asks: list[tuple[int, int]] = []
    for u in updates:
        side = u["side"]
        if off_grid is None:
            level = (p2t(u["price_level"]), s2l(u["new_quantity"]))
        else:
            try:
                level = (p2t(u["price_level"]), s2l(u["new_quantity"]))
            except OffGridError:
                off_grid[0] += 1
                continue
        if side == "bid":
            bids.append(level)
        elif side == "offer":
            asks.append(level)
        else:
            raise MalformedMessageError(f"l2_data side {side!r}")
    return bids, asks


def _split_memo(memo: LevelMemo, updates: list) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """:func:`split_l2_levels` of a short list through ``memo``; raises on anything unusual."""
    inst = memo.instrument
    prices, sizes, limit = memo.prices, memo.sizes, memo.limit
    bids: list[tuple[int, int]] = []
    asks: list[tuple[int, int]] = []
    for u in updates:
        side = u["side"]
        text = u["price_level"]
        price = prices.get(text)
        if price is None:
            price = inst.price_to_ticks(text)
            if type(text) is str:  # only str keys: 1, 1.0 and True are equal dict keys
                if len(prices) >= limit:
                    prices.clear()
                prices[text] = price
        text = u["new_quantity"]
        size = sizes.get(text)
        if size is None:
            size = inst.size_to_lots(text)
            if type(text) is str:
                if len(sizes) >= limit:
                    sizes.clear()
                sizes[text] = size
        if side == "bid":
            bids.append((price, size))
        elif side == "offer":
            asks.append((price, size))
        else:
            raise MalformedMessageError(f"l2_data side {side!r}")
    return bids, asks


def _split_bulk(inst: Instrument, updates: list) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """:func:`split_l2_levels` of a valid list, column by column; raises on anything unusual."""
    sides = list(map(_SIDE, updates))
    prices = list(map(_PRICE_LEVEL, updates))
    sizes = list(map(_NEW_QUANTITY, updates))
    levels = list(zip(inst.prices_to_ticks(prices), inst.sizes_to_lots(sizes), strict=True))
    n = len(levels)
    n_bids = sides.count("bid")
    if n_bids == n:
        return levels, []
    n_offers = sides.count("offer")
    if n_offers + n_bids != n:
        raise MalformedMessageError("l2_data side")
    if n_bids == 0:
        return [], levels
    if sides[:n_bids].count("bid") == n_bids:  # bids first, then offers (Coinbase sends them so)
        return levels[:n_bids], levels[n_bids:]
    if sides[:n_offers].count("offer") == n_offers:
        return levels[n_offers:], levels[:n_offers]
    return (
        [level for level, side in zip(levels, sides, strict=True) if side == "bid"],
        [level for level, side in zip(levels, sides, strict=True) if side == "offer"],
    )


def status_instrument(row: dict) -> Instrument:
    """A websocket ``status`` product -> :class:`Instrument` (tick ``quote_increment``, lot ``base_increment``)."""
    symbol = row["id"]
    return Instrument(
        symbol=symbol,
        base=row.get("base_currency") or symbol.partition("-")[0],
        quote=row.get("quote_currency") or symbol.partition("-")[2],
        price_tick=row["quote_increment"],
        size_lot=row["base_increment"],
        venue="coinbase",
    )


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
