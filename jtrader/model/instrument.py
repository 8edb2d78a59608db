"""Instrument definitions: the grid that every price and size lives on."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from jtrader.errors import InstrumentError, OffGridError, ValueFormatError
from jtrader.model.fixed import ATOM_DECIMALS, decimal_places, format_units, parse_units, parse_units_list
from jtrader.model.pickling import init_args
from jtrader.model.rules import OrderRules

__all__ = ["Instrument"]

#: derived grid fields by raw (type, value) of tick, lot, min size and min notional: venues list
#: hundreds of products on a handful of grids (bounded; emptied when full)
_GRIDS: dict[tuple[tuple[type, object], ...], dict[str, object]] = {}
_GRIDS_MAX = 1024
#: integer digits the inlined fast path of price_to_ticks/size_to_lots takes (longer: parse_units)
_INLINE_DIGITS = 40


def _positive_decimal(value: str | Decimal | int, what: str, allow_zero: bool = False) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise InstrumentError(f"{what} {value!r} is not a decimal number") from exc
    if not number.is_finite() or number < 0 or (number == 0 and not allow_zero):
        raise InstrumentError(f"{what} must be a {'non-negative' if allow_zero else 'positive'} decimal, got {value!r}")
    return number.normalize()


@dataclass(frozen=True, slots=True)
class Instrument:
    """A tradable product and its grid.

    Prices are integers of ``price_tick`` (quote currency per unit of base), sizes integers of
    ``size_lot`` (base currency), money integers of atoms (see ``jtrader.model.fixed``).

    ``symbol`` is the name the venue uses (``BTC-USD`` on Coinbase, ``BTCUSDT`` on Binance).
    ``min_size`` is in base units and ``min_notional`` in quote units, both decimal strings;
    ``min_size`` defaults to one lot and ``min_notional`` to zero (no minimum).
    ``rules`` holds the venue's order filters (:class:`~jtrader.model.rules.OrderRules`), when known.
    """

    symbol: str
    base: str
    quote: str
    price_tick: Decimal | str = Decimal("0.01")
    size_lot: Decimal | str = Decimal("0.00000001")
    min_size: Decimal | str | None = None
    min_notional: Decimal | str = Decimal("0")
    venue: str = "sim"
    #: the venue's order filters (step, min/max size, price range, notional, STP); None: only the grid
    rules: OrderRules | None = None
    #: decimal places of ``price_tick`` (2 for 0.01)
    price_precision: int = field(init=False)
    #: decimal places of ``size_lot`` (8 for 0.00000001)
    size_precision: int = field(init=False)
    _tick_units: int = field(init=False, repr=False)
    _lot_units: int = field(init=False, repr=False)
    #: quote atoms of one tick of price times one lot of size
    atoms_per_tick_lot: int = field(init=False, repr=False)
    #: base atoms in one lot
    atoms_per_lot: int = field(init=False, repr=False)
    #: quote atoms per unit of base at a price of one tick
    atoms_per_tick: int = field(init=False, repr=False)
    #: min_size in lots, min_notional in quote atoms
    min_size_lots: int = field(init=False, repr=False)
    min_notional_atoms: int = field(init=False, repr=False)
    #: what error messages call a price and a size of this instrument (built once, not per parse)
    _price_what: str = field(init=False, repr=False, compare=False)
    _size_what: str = field(init=False, repr=False, compare=False)
    #: 10**(precision - n) for n decimals written: scales a parsed integer to units
    _price_scales: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _size_scales: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __reduce__(self) -> tuple[type[Instrument], tuple[object, ...]]:
        """Pickle (and copy) as a constructor call (see :mod:`jtrader.model.pickling`)."""
        return (Instrument, init_args(self))

    def __post_init__(self) -> None:
        if not self.symbol or not self.base or not self.quote:
            raise InstrumentError(
                f"instrument needs symbol, base and quote, got {self.symbol!r}/{self.base!r}/{self.quote!r}"
            )
        raw = (self.price_tick, self.size_lot, self.min_size, self.min_notional)
        key = tuple((type(value), value) for value in raw)  # "0.01" and Decimal("0.01") stay apart
        try:
            derived = _GRIDS.get(key)
        except TypeError:  # an unhashable value: _derive says what is wrong with it
            derived = self._derive()
        if derived is None:
            derived = self._derive()
            if len(_GRIDS) >= _GRIDS_MAX:
                _GRIDS.clear()
            _GRIDS[key] = derived
        setattr_ = object.__setattr__
        for name, value in derived.items():
            setattr_(self, name, value)
        setattr_(self, "_price_what", f"{self.symbol} price")
        setattr_(self, "_size_what", f"{self.symbol} size")

    def _derive(self) -> dict[str, object]:
        """The grid's fields computed from the raw tick, lot and minimums (checked; symbol in errors)."""
        tick = _positive_decimal(self.price_tick, f"{self.symbol}: price_tick")
        lot = _positive_decimal(self.size_lot, f"{self.symbol}: size_lot")
        min_size = lot if self.min_size is None else _positive_decimal(self.min_size, f"{self.symbol}: min_size", True)
        min_notional = _positive_decimal(self.min_notional, f"{self.symbol}: min_notional", True)
        price_places = decimal_places(tick)
        size_places = decimal_places(lot)
        if price_places + size_places > ATOM_DECIMALS:
            raise InstrumentError(f"{self.symbol}: tick {tick} x lot {lot} is finer than 1e-{ATOM_DECIMALS}")
        lot_units = int(lot.scaleb(size_places))
        try:
            min_lots, rest = divmod(parse_units(min_size, size_places), lot_units)
            if rest:
                raise OffGridError(f"min_size {min_size} is not a multiple of the lot {lot}")
        except OffGridError as exc:
            raise InstrumentError(f"{self.symbol}: min_size {min_size} is not a whole number of lots {lot}") from exc
        min_notional_atoms = int(min_notional.scaleb(ATOM_DECIMALS))
        if min_notional_atoms != min_notional.scaleb(ATOM_DECIMALS):
            raise InstrumentError(f"{self.symbol}: min_notional {min_notional} is finer than 1e-{ATOM_DECIMALS}")
        return {
            "price_tick": tick,
            "size_lot": lot,
            "min_size": min_size,
            "min_notional": min_notional,
            "_price_scales": tuple(10 ** (price_places - n) for n in range(price_places + 1)),
            "_size_scales": tuple(10 ** (size_places - n) for n in range(size_places + 1)),
            "price_precision": price_places,
            "size_precision": size_places,
            "_tick_units": int(tick.scaleb(price_places)),
            "_lot_units": lot_units,
            "atoms_per_tick": int(tick.scaleb(ATOM_DECIMALS)),
            "atoms_per_lot": int(lot.scaleb(ATOM_DECIMALS)),
            "atoms_per_tick_lot": int((tick * lot).scaleb(ATOM_DECIMALS)),
            "min_size_lots": min_lots,
            "min_notional_atoms": min_notional_atoms,
        }

    # -- prices -----------------------------------------------------------------------------
    def price_to_ticks(self, text: str | Decimal | int) -> int:
        """``"65083.66"`` -> ``6508366`` for a 0.01 tick. Raises ``OffGridError`` off the grid."""
        if type(text) is str and self._tick_units == 1:  # hot path: parse_units' fast case, inlined
            whole, dot, frac = text.partition(".")
            n = len(frac)
            places = self.price_precision
            if n > places and not frac[places:].strip("0"):  # zeros past the grid (Binance "0.10000000")
                frac = frac[:places]
                n = places
            if (
                n <= places
                and whole.isdigit()
                and text.isascii()
                and (not dot or frac.isdigit())
                and len(whole) <= _INLINE_DIGITS
            ):
                return int(whole + frac) * self._price_scales[n]
        units = parse_units(text, self.price_precision, self._price_what)
        if self._tick_units == 1:
            return units
        ticks, rest = divmod(units, self._tick_units)
        if rest:
            raise OffGridError(f"{self.symbol} price {text!r} is not a multiple of the tick {self.price_tick}")
        return ticks

    def prices_to_ticks(self, texts: Sequence[str]) -> list[int]:
        """:meth:`price_to_ticks` of each string, in order: same results, same errors, faster on lists."""
        units = parse_units_list(texts, self.price_precision, self._price_what)
        step = self._tick_units
        if step == 1:
            return units
        if any(unit % step for unit in units):
            return [self.price_to_ticks(text) for text in texts]  # raises for the first off-grid price
        return [unit // step for unit in units]

    def ticks_to_price(self, ticks: int) -> str:
        """``6508366`` -> ``"65083.66"``: always with the tick's number of decimals."""
        return format_units(ticks * self._tick_units, self.price_precision)

    # -- sizes ------------------------------------------------------------------------------
    def size_to_lots(self, text: str | Decimal | int) -> int:
        """``"0.5"`` -> ``50000000`` for a 1e-8 lot. Raises ``OffGridError`` off the grid."""
        if type(text) is str and self._lot_units == 1:  # hot path: parse_units' fast case, inlined
            whole, dot, frac = text.partition(".")
            n = len(frac)
            places = self.size_precision
            if n > places and not frac[places:].strip("0"):  # zeros past the grid (Binance "0.10000000")
                frac = frac[:places]
                n = places
            if (
                n <= places
                and whole.isdigit()
                and text.isascii()
                and (not dot or frac.isdigit())
                and len(whole) <= _INLINE_DIGITS
            ):
                return int(whole + frac) * self._size_scales[n]
        units = parse_units(text, self.size_precision, self._size_what)
        if self._lot_units == 1:
            return units
        lots, rest = divmod(units, self._lot_units)
        if rest:
            raise OffGridError(f"{self.symbol} size {text!r} is not a multiple of the lot {self.size_lot}")
        return lots

    def sizes_to_lots(self, texts: Sequence[str]) -> list[int]:
        """:meth:`size_to_lots` of each string, in order: same results, same errors, faster on lists."""
        units = parse_units_list(texts, self.size_precision, self._size_what)
        step = self._lot_units
        if step == 1:
            return units
        if any(unit % step for unit in units):
            return [self.size_to_lots(text) for text in texts]  # raises for the first off-grid size
        return [unit // step for unit in units]

    def lots_to_size(self, lots: int) -> str:
        """``50000000`` -> ``"0.50000000"``: always with the lot's number of decimals."""
        return format_units(lots * self._lot_units, self.size_precision)

    # -- money ------------------------------------------------------------------------------
    def notional_atoms(self, price_ticks: int, size_lots: int) -> int:
        """Quote-currency atoms of ``size_lots`` at ``price_ticks`` (exact)."""
        return price_ticks * size_lots * self.atoms_per_tick_lot

    def base_atoms(self, size_lots: int) -> int:
        """Base-currency atoms of ``size_lots`` (exact)."""
        return size_lots * self.atoms_per_lot

    def price_to_atoms(self, price_ticks: int) -> int:
        """Quote atoms per one unit of base at ``price_ticks`` (for marking and display)."""
        return price_ticks * self.atoms_per_tick

    def check_ticks(self, value: object, what: str = "price") -> int:
        """Return ``value`` if it is a non-negative ``int``; raise ``ValueFormatError`` otherwise."""
        if type(value) is not int or value < 0:
            raise ValueFormatError(f"{self.symbol} {what} must be a non-negative int, got {value!r}")
        return value
