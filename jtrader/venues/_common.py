"""Pieces shared by the venue adapters: counters, the adapter protocol, fallback instruments.

Error policy of every adapter (one rule, documented once): ``on_frame`` and ``on_http`` **never
raise on bad input**. A frame that cannot be parsed completely (not JSON, missing fields, NaN,
negative or off-grid numbers, an unknown side...) is counted in :attr:`AdapterStats.malformed`,
its reason kept in :attr:`AdapterStats.last_error`, and it produces no messages and no partial
state change. Exceptions from ``on_frame`` are therefore bugs in jtrader.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Protocol, runtime_checkable

import orjson

from jtrader.errors import JTraderError, MalformedMessageError
from jtrader.model import Instrument, MarketMessage
from jtrader.model.fixed import ATOM_DECIMALS, parse_units

__all__ = [
    "FALLBACK_SIZE_DECIMALS",
    "MIN_FALLBACK_PRICE_DECIMALS",
    "PARSE_ERRORS",
    "AdapterStats",
    "LevelMemo",
    "VenueAdapter",
    "decimals_of",
    "default_instrument",
    "max_decimals",
    "same_grid",
    "split_symbol",
    "volume_lots",
]

#: exceptions that mean "this frame is bad" (caught per frame, counted as malformed)
PARSE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError, JTraderError)

#: size decimals of a fallback instrument: both venues print sizes with at most 8 decimals
FALLBACK_SIZE_DECIMALS = 8
#: a fallback instrument's tick is never coarser than 0.01
MIN_FALLBACK_PRICE_DECIMALS = 2

#: quote assets tried (longest first) to split a Binance symbol such as ``BTCUSDT``
_QUOTES = (
    "FDUSD",
    "USDT",
    "USDC",
    "TUSD",
    "BUSD",
    "BIDR",
    "IDRT",
    "BTC",
    "ETH",
    "BNB",
    "EUR",
    "GBP",
    "TRY",
    "BRL",
    "JPY",
    "AUD",
    "USD",
    "DAI",
)


@dataclass(slots=True)
class AdapterStats:
    """Counters of one adapter (one venue connection set). Plain ints; read them, don't write them."""

    frames: int = 0  # frames given to on_frame
    messages: int = 0  # market messages returned
    malformed: int = 0  # frames refused as a whole (see module docstring)
    unknown_channel: int = 0  # well-formed frames of a channel/event the adapter does not handle
    control: int = 0  # subscription acks and other control frames (no market content)
    notices: int = 0  # error/status/shutdown frames turned into VenueNotice
    duplicates: int = 0  # repeated sequence numbers (Coinbase) or trade ids, skipped
    gaps: int = 0  # sequence/update-id gaps detected
    resyncs: int = 0  # books marked resyncing (gap, disconnect, malformed book frame)
    stale: int = 0  # Binance diffs dropped because the book already includes them (u <= id)
    buffered: int = 0  # Binance diffs held while waiting for a snapshot
    buffer_overflow: int = 0  # held diffs dropped because the buffer was full
    stale_snapshots: int = 0  # snapshots too old to use (older than the book or the first held diff)
    skipped_resyncing: int = 0  # book updates skipped because their book awaits a snapshot
    skipped_snapshot_trades: int = 0  # Coinbase market_trades snapshot prints (history, not tape)
    off_grid_levels: int = 0  # book levels off the instrument's grid, left out (see depth_levels)
    partial_bars: int = 0  # Binance klines not yet closed (x=false), skipped
    instruments_learned: int = 0  # instruments taken from REST bodies or status frames
    instruments_inferred: int = 0  # fallback instruments built from the data (see default_instrument)
    instrument_conflicts: int = 0  # REST grid differs from the grid already in use: kept the one in use
    last_error: str = ""  # reason of the last malformed frame, for the log

    def as_dict(self) -> dict[str, int | str]:
        """All counters in declaration order (for reports and logs)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


class LevelMemo:
    """Strings of one instrument already converted: price text -> ticks, size text -> lots.

    Book updates repeat the same price levels (and many sizes, such as ``"0"`` deletes) all day,
    so a dict lookup replaces most parses on the replay hot path. Only successful conversions are
    remembered, so a memo never changes a result or an error. Each dict is emptied when it
    reaches ``limit`` entries (by the code that fills it): memory stays bounded however long the
    stream.
    """

    __slots__ = ("instrument", "limit", "prices", "sizes")

    def __init__(self, instrument: Instrument, limit: int = 4096) -> None:
        self.instrument = instrument
        self.limit = limit
        self.prices: dict[str, int] = {}
        self.sizes: dict[str, int] = {}


@runtime_checkable
class VenueAdapter(Protocol):
    """What every venue adapter offers. Sans-I/O: frames and bodies in, messages out, no sockets.

    ``ts`` arguments are local receive times in integer ns; they become the messages' ``ts``.
    """

    venue: str
    stats: AdapterStats
    instruments: dict[str, Instrument]
    resyncing: set[str]

    def on_frame(self, ts: int, frame: bytes | str, connection: str = "") -> list[MarketMessage]:
        """Parse one websocket frame. Never raises on bad input (see the module docstring)."""
        ...

    def on_http(self, ts: int, url: str, body: bytes | str) -> list[MarketMessage]:
        """Digest one REST response body (instruments, depth snapshots)."""
        ...

    def on_connect(self, ts: int, connection: str) -> list[MarketMessage]:
        """A (re)connection opened: its sequence state starts fresh."""
        ...

    def on_disconnect(self, ts: int, connection: str) -> list[MarketMessage]:
        """A connection closed: books it fed are resyncing (BookResync messages returned)."""
        ...

    def is_resyncing(self, symbol: str) -> bool:
        """True while the book of ``symbol`` is known to be wrong or incomplete: never trade on it."""
        ...


def decimals_of(text: str) -> int:
    """Decimal places of a decimal string, trailing zeros ignored (``"0.01000000"`` -> 2, ``"5"`` -> 0)."""
    _, _, frac = text.partition(".")
    return len(frac.rstrip("0"))


def max_decimals(values: Iterable[str]) -> int:
    """Largest :func:`decimals_of` over ``values`` (0 when empty)."""
    best = 0
    for text in values:
        if type(text) is str:
            n = decimals_of(text)
            best = max(best, n)
    return best


def split_symbol(symbol: str) -> tuple[str, str]:
    """``"BTC-USD"`` -> ``("BTC", "USD")``; ``"BTCUSDT"`` -> ``("BTC", "USDT")`` by known quote suffixes.

    Unknown layouts give ``(symbol, "?")``: the instrument still works, only its quote name is unknown.
    """
    if "-" in symbol:
        base, _, quote = symbol.partition("-")
        if base and quote:
            return base, quote
    for quote in _QUOTES:
        if symbol.endswith(quote) and len(symbol) > len(quote):
            return symbol[: -len(quote)], quote
    return symbol, "?"


def default_instrument(
    symbol: str, venue: str, price_decimals: int, size_decimals: int = FALLBACK_SIZE_DECIMALS
) -> Instrument:
    """A fallback instrument for replaying captures that hold no REST instrument records.

    Assumptions (documented, not guessed silently): the tick is ``10**-price_decimals`` where the
    caller passes the finest decimals seen in the data that introduced the symbol (at least
    :data:`MIN_FALLBACK_PRICE_DECIMALS`); the lot is ``10**-size_decimals`` (default 8, the most
    decimals either venue prints). The grid is therefore as fine as or finer than the venue's real
    one, so real prices fit it; a later price with even more decimals would be off-grid and its
    frame counted as malformed. ``min_size`` is one lot and ``min_notional`` zero.
    """
    base, quote = split_symbol(symbol)
    places = max(price_decimals, MIN_FALLBACK_PRICE_DECIMALS)
    return Instrument(
        symbol=symbol,
        base=base,
        quote=quote,
        price_tick=Decimal(1).scaleb(-places),
        size_lot=Decimal(1).scaleb(-size_decimals),
        venue=venue,
    )


def volume_lots(instrument: Instrument, text: str) -> int:
    """A traded volume in lots, rounded down to the lot (volumes can be finer than the lot)."""
    return parse_units(text, ATOM_DECIMALS, f"{instrument.symbol} volume") // instrument.atoms_per_lot


def same_grid(a: Instrument, b: Instrument) -> bool:
    """True when prices and sizes parse to the same integers under ``a`` and ``b``."""
    return a.price_tick == b.price_tick and a.size_lot == b.size_lot


def load_json_object(body: bytes | str | dict, venue: str, what: str) -> dict:
    """A REST body -> its JSON object; :class:`MalformedMessageError` naming ``venue`` and ``what`` otherwise."""
    if isinstance(body, dict):
        return body
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise MalformedMessageError(f"{venue} {what}: body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise MalformedMessageError(f"{venue} {what}: body is not a JSON object")
    return data
