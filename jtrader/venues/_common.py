"""Pieces shared by the venue adapters: the error net, conversion memos, fallback instruments, times.

The error policy (never raise on bad input, count it) is in :mod:`jtrader.venues.stats`;
:data:`PARSE_ERRORS` is the net that implements it. It catches what *data* can raise and nothing
that only a bug raises (``AttributeError``, ``InvariantError``, ``BookError``...): code must check
a value's type before calling a method on it, so that a bug surfaces instead of being counted.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal

import orjson

from jtrader.errors import DataError, InstrumentError, MalformedMessageError
from jtrader.model import Instrument
from jtrader.model.fixed import ATOM_DECIMALS, parse_units
from jtrader.model.timestamps import NS_PER_DAY

__all__ = [
    "FALLBACK_SIZE_DECIMALS",
    "MAX_CLOCK_SKEW_NS",
    "MIN_FALLBACK_PRICE_DECIMALS",
    "PARSE_ERRORS",
    "LevelMemo",
    "decimals_of",
    "default_instrument",
    "load_json_object",
    "max_decimals",
    "prices_through",
    "remember",
    "same_grid",
    "split_symbol",
    "VenueClock",
    "volume_lots",
]

#: exceptions that mean "this frame is bad" (caught per frame, counted as malformed). Bad values
#: raise ValueError (ValueFormatError, OffGridError, TimestampError are ValueErrors), missing
#: fields KeyError, wrong types TypeError, short rows IndexError; DataError and InstrumentError
#: are the adapters' own refusals. AttributeError and InvariantError are not here: they mean a bug.
PARSE_ERRORS = (KeyError, TypeError, ValueError, IndexError, DataError, InstrumentError)

#: how far a venue's own timestamp (``E``, ``T``, ``timestamp``, ``time``) may move away from the
#: feed's established clock offset (venue time minus receive time, set by the first venue time the
#: adapter accepts) before the frame is refused as malformed. Recorders' clocks drift by seconds,
#: not days (the Binance capture in ``../shared`` runs 1.3 s behind the venue); a constant offset is
#: fine (``jtrader serve`` replays last year's frames at today's receive times), a jump is not.
MAX_CLOCK_SKEW_NS = NS_PER_DAY

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


def prices_through(memo: LevelMemo, texts: Sequence[str]) -> list[int]:
    """``memo.instrument.prices_to_ticks(texts)``, looking each price up in ``memo`` first: the same
    ticks, the same error for the first bad price (an unhashable one raises ``TypeError``).

    A long update list repeats the prices near the touch (over 95% of them on a busy book): the
    lookups are one C-level pass, and only the prices not yet seen are parsed, in order (a few one
    by one, more as one list), so the first bad one raises the error it raises there. Only str
    prices that converted are remembered; the memo is emptied before it would pass ``memo.limit``
    entries, and a list with more new prices than that leaves it as it was.
    """
    prices = memo.prices
    ticks = list(map(prices.get, texts))
    if None not in ticks:
        return ticks  # type: ignore[return-value]
    missing = []  # found by C-level scans: a few among many
    i = ticks.index(None)
    with contextlib.suppress(ValueError):
        while True:
            missing.append(i)
            i = ticks.index(None, i + 1)
    inst = memo.instrument
    if len(missing) < 8:  # below this, one by one is faster than the list parser
        new = [inst.price_to_ticks(texts[i]) for i in missing]
    else:
        new = inst.prices_to_ticks([texts[i] for i in missing])
    limit = memo.limit
    keep = len(missing) <= limit
    if keep and len(prices) + len(missing) > limit:
        prices.clear()
    for i, tick in zip(missing, new, strict=True):
        ticks[i] = tick
        if keep and type(texts[i]) is str:  # only str keys: 1, 1.0 and True are equal dict keys
            prices[texts[i]] = tick
    return ticks  # type: ignore[return-value]


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


class VenueClock:
    """The offset between a feed's venue times and its receive times, for :meth:`check`.

    The first venue time checked sets the offset (``value - ts``); every later one must stay within
    :data:`MAX_CLOCK_SKEW_NS` of it. One per adapter: a corrupt timestamp (a flipped digit, a wrong
    unit) is refused, a recorder or a local venue whose clock is consistently elsewhere is not.
    """

    __slots__ = ("offset",)

    def __init__(self) -> None:
        #: venue time minus receive time (ns) of the first venue time accepted; None before it
        self.offset: int | None = None

    def check(self, ts: int, value: int, what: str) -> int:
        """``value`` (venue ns, already range-checked) if it keeps the offset; MalformedMessageError otherwise."""
        offset = value - ts
        base = self.offset
        if base is None:
            self.offset = offset
            return value
        if -MAX_CLOCK_SKEW_NS <= offset - base <= MAX_CLOCK_SKEW_NS:
            return value
        raise MalformedMessageError(
            f"{what} {value} ns is more than a day away from the feed's clock (receive time {ts} ns, "
            f"established offset {base} ns)"
        )


def remember(memo: dict[str, int], convert: Callable[[str], int], text: str, limit: int) -> int:
    """``convert(text)``, looked up in ``memo`` first (see :class:`LevelMemo`): the same result or error.

    Only str keys are stored (``1``, ``1.0`` and ``True`` are equal dict keys) and only after a
    successful conversion; the memo is emptied when it reaches ``limit`` entries.
    """
    if type(text) is not str:
        return convert(text)
    value = memo.get(text)
    if value is None:
        value = convert(text)
        if len(memo) >= limit:
            memo.clear()
        memo[text] = value
    return value
