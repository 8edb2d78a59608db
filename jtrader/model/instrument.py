"""Instrument definitions: the grid that every price and size lives on."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from jtrader.errors import InstrumentError, OffGridError, ValueFormatError
from jtrader.model.fixed import ATOM_DECIMALS, decimal_places, format_units, parse_units

__all__ = ["Instrument"]


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
    """

    symbol: str
    base: str
    quote: str
    price_tick: Decimal | str = Decimal("0.01")
    size_lot: Decimal | str = Decimal("0.00000001")
    min_size: Decimal | str | None = None
    min_notional: Decimal | str = Decimal("0")
    venue: str = "sim"
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

    def __post_init__(self) -> None:
        if not self.symbol or not self.base or not self.quote:
            raise InstrumentError(
                f"instrument needs symbol, base and quote, got {self.symbol!r}/{self.base!r}/{self.quote!r}"
            )
        tick = _positive_decimal(self.price_tick, f"{self.symbol}: price_tick")
        lot = _positive_decimal(self.size_lot, f"{self.symbol}: size_lot")
        min_size = lot if self.min_size is None else _positive_decimal(self.min_size, f"{self.symbol}: min_size", True)
        min_notional = _positive_decimal(self.min_notional, f"{self.symbol}: min_notional", True)
        price_places = decimal_places(tick)
        size_places = decimal_places(lot)
        if price_places + size_places > ATOM_DECIMALS:
            raise InstrumentError(f"{self.symbol}: tick {tick} x lot {lot} is finer than 1e-{ATOM_DECIMALS}")
        setattr_ = object.__setattr__
        setattr_(self, "price_tick", tick)
        setattr_(self, "size_lot", lot)
        setattr_(self, "min_size", min_size)
        setattr_(self, "min_notional", min_notional)
        setattr_(self, "price_precision", price_places)
        setattr_(self, "size_precision", size_places)
        setattr_(self, "_tick_units", int(tick.scaleb(price_places)))
        setattr_(self, "_lot_units", int(lot.scaleb(size_places)))
        setattr_(self, "atoms_per_tick", int(tick.scaleb(ATOM_DECIMALS)))
        setattr_(self, "atoms_per_lot", int(lot.scaleb(ATOM_DECIMALS)))
        setattr_(self, "atoms_per_tick_lot", int((tick * lot).scaleb(ATOM_DECIMALS)))
        try:
            min_lots = self.size_to_lots(min_size)
        except OffGridError as exc:
            raise InstrumentError(f"{self.symbol}: min_size {min_size} is not a whole number of lots {lot}") from exc
        setattr_(self, "min_size_lots", min_lots)
        min_notional_atoms = int(min_notional.scaleb(ATOM_DECIMALS))
        if min_notional_atoms != min_notional.scaleb(ATOM_DECIMALS):
            raise InstrumentError(f"{self.symbol}: min_notional {min_notional} is finer than 1e-{ATOM_DECIMALS}")
        setattr_(self, "min_notional_atoms", min_notional_atoms)

    # -- prices -----------------------------------------------------------------------------
    def price_to_ticks(self, text: str | Decimal | int) -> int:
        """``"65083.66"`` -> ``6508366`` for a 0.01 tick. Raises ``OffGridError`` off the grid."""
        units = parse_units(text, self.price_precision, f"{self.symbol} price")
        if self._tick_units == 1:
            return units
        ticks, rest = divmod(units, self._tick_units)
        if rest:
            raise OffGridError(f"{self.symbol} price {text!r} is not a multiple of the tick {self.price_tick}")
        return ticks

    def ticks_to_price(self, ticks: int) -> str:
        """``6508366`` -> ``"65083.66"``: always with the tick's number of decimals."""
        return format_units(ticks * self._tick_units, self.price_precision)

    # -- sizes ------------------------------------------------------------------------------
    def size_to_lots(self, text: str | Decimal | int) -> int:
        """``"0.5"`` -> ``50000000`` for a 1e-8 lot. Raises ``OffGridError`` off the grid."""
        units = parse_units(text, self.size_precision, f"{self.symbol} size")
        if self._lot_units == 1:
            return units
        lots, rest = divmod(units, self._lot_units)
        if rest:
            raise OffGridError(f"{self.symbol} size {text!r} is not a multiple of the lot {self.size_lot}")
        return lots

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
