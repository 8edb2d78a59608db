"""Binance spot: REST body parsers (exchangeInfo, depth snapshot) and subscribe frames. Pure functions.

exchangeInfo filters (``shared/notes/venue-protocols.md`` section 4): the tick is
``PRICE_FILTER.tickSize``, the lot ``LOT_SIZE.stepSize``, the minimum size ``LOT_SIZE.minQty`` and
the minimum notional ``MIN_NOTIONAL.minNotional`` (older) or ``NOTIONAL.minNotional`` (current).
Decimal strings are normalized (``"0.01000000"`` -> ``Decimal("0.01")``). ``baseAssetPrecision``
is a display precision, not the tick, and is ignored.

These parsers raise :class:`~jtrader.errors.MalformedMessageError` on a body they cannot use.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

import orjson

from jtrader.errors import ConfigError, InstrumentError, MalformedMessageError, OffGridError
from jtrader.model import BookSnapshot, Instrument, Level
from jtrader.venues._common import PARSE_ERRORS, load_json_object

__all__ = [
    "MAX_STREAMS_PER_CONNECTION",
    "combined_stream_url",
    "depth_levels",
    "parse_depth_snapshot",
    "parse_exchange_info",
    "stream_names",
    "subscribe_frame",
    "symbol_filters",
    "symbol_instrument",
    "unsubscribe_frame",
]

#: streams one Binance connection may carry (BN-WS "WebSocket Limits")
MAX_STREAMS_PER_CONNECTION = 1024

#: from this many rows on, depth lists are parsed column by column
_BULK_MIN_ROWS = 8


def _decimal(text: object, what: str) -> Decimal:
    try:
        value = Decimal(str(text))
    except (InvalidOperation, ValueError) as exc:
        raise InstrumentError(f"{what} {text!r} is not a decimal") from exc
    if not value.is_finite() or value < 0:
        raise InstrumentError(f"{what} {text!r} is not a non-negative decimal")
    return value.normalize() if value else Decimal(0)


def symbol_filters(obj: dict) -> dict[str, Decimal]:
    """``tick``, ``lot``, ``min_qty`` and ``min_notional`` of one exchangeInfo symbol, normalized.

    Unknown filter types are ignored; a missing notional filter means no minimum (0).
    """
    symbol = obj.get("symbol", "?")
    out = {"min_notional": Decimal(0)}
    for flt in obj["filters"]:
        kind = flt.get("filterType")
        if kind == "PRICE_FILTER":
            out["tick"] = _decimal(flt["tickSize"], f"{symbol} tickSize")
        elif kind == "LOT_SIZE":
            out["lot"] = _decimal(flt["stepSize"], f"{symbol} stepSize")
            out["min_qty"] = _decimal(flt.get("minQty", "0"), f"{symbol} minQty")
        elif kind in ("MIN_NOTIONAL", "NOTIONAL") and "minNotional" in flt:
            out["min_notional"] = _decimal(flt["minNotional"], f"{symbol} minNotional")
    return out


def symbol_instrument(obj: dict, lot: str = "precision") -> Instrument:
    """One exchangeInfo ``symbols[]`` entry -> :class:`Instrument`; :class:`InstrumentError` if unusable.

    The tick is ``PRICE_FILTER.tickSize`` (real book prices are on it). The lot depends on ``lot``:

    * ``"precision"`` (default, what the adapters use): ``10**-baseAssetPrecision`` (8 when absent),
      the precision quantities are *reported* in. Real book and trade quantities can be finer than
      ``LOT_SIZE.stepSize`` (NKNUSDT 2021-10-12: a depth level of ``11979.3`` with a step of 1,
      orders left from before a step change), so the step cannot be the parsing grid.
    * ``"step"``: ``LOT_SIZE.stepSize``, the step *orders* must respect (strict order validation).

    A zero ``tickSize`` or ``stepSize`` (rule disabled) gives no grid, hence no instrument. A zero
    ``minQty`` means one lot.
    """
    try:
        symbol = obj["symbol"]
        filters = symbol_filters(obj)
        if "tick" not in filters or "lot" not in filters or not filters["tick"] or not filters["lot"]:
            raise InstrumentError(f"{symbol}: exchangeInfo has no usable PRICE_FILTER or LOT_SIZE")
        if lot == "step":
            size_lot = filters["lot"]
        elif lot == "precision":
            places = obj.get("baseAssetPrecision", 8)
            if type(places) is not int or not 0 <= places <= 18:
                raise InstrumentError(f"{symbol}: baseAssetPrecision {places!r}")
            size_lot = min(filters["lot"], Decimal(1).scaleb(-places))
        else:
            raise ConfigError(f"lot must be 'precision' or 'step', got {lot!r}")
        return Instrument(
            symbol=symbol,
            base=obj["baseAsset"],
            quote=obj["quoteAsset"],
            price_tick=filters["tick"],
            size_lot=size_lot,
            min_size=filters["min_qty"] or None,
            min_notional=filters["min_notional"],
            venue="binance",
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise InstrumentError(f"binance symbol {obj!r:.80}: missing field {exc}") from exc


def parse_exchange_info(
    body: bytes | str | dict, errors: list[str] | None = None, lot: str = "precision"
) -> dict[str, Instrument]:
    """``GET /api/v3/exchangeInfo`` body -> instruments by symbol (``BTCUSDT``); ``lot`` as in
    :func:`symbol_instrument`.

    Symbols that cannot make an instrument are left out; their reasons go to ``errors`` if given.
    """
    data = load_json_object(body, "binance", "exchangeInfo")
    symbols = data.get("symbols")
    if not isinstance(symbols, list):
        raise MalformedMessageError("binance exchangeInfo: body has no 'symbols' list")
    out: dict[str, Instrument] = {}
    for obj in symbols:
        try:
            inst = symbol_instrument(obj, lot)
        except (InstrumentError, TypeError, AttributeError) as exc:
            if errors is not None:
                errors.append(str(exc))
            continue
        out[inst.symbol] = inst
    return out


def depth_levels(
    instrument: Instrument, rows: Iterable[list[str]], skipped: list[int] | None = None
) -> tuple[Level, ...]:
    """``[["65083.66000000", "0.00100000"], ...]`` -> ``((ticks, lots), ...)``.

    Bad rows raise. A row off the instrument's grid raises :class:`~jtrader.errors.OffGridError`
    too, unless ``skipped`` is given: then the row is left out and ``skipped[0]`` counts it. Real
    books hold such rows deep down (orders left from before a tick change: NKNUSDT 2021-10-12 has
    bids at ``0.25974`` with a tick of 0.0001, 26% below the best bid).
    """
    p2t, s2l = instrument.price_to_ticks, instrument.size_to_lots
    if not isinstance(rows, list | tuple):
        rows = list(rows)
    if len(rows) >= _BULK_MIN_ROWS:  # column by column (C speed); any problem: the row loop says what
        try:
            prices, sizes = zip(*rows, strict=True)
            return tuple(zip(instrument.prices_to_ticks(prices), instrument.sizes_to_lots(sizes), strict=True))
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
