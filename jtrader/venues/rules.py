"""Venue order filters as integers on an instrument's grid (helpers for :class:`~jtrader.model.OrderRules`).

Venues publish their filters as decimal strings (``"0.00001000"``); :class:`OrderRules` holds
ints: sizes in lots of ``Instrument.size_lot``, prices in ticks of ``Instrument.price_tick``,
money in quote atoms (10^-18). A filter value that is not a whole number of units is rounded
*inward*, so that an order the rules accept is one the venue accepts: minimums round up and
maximums down. A step must be a whole number of units (or the rule cannot be expressed and the
instrument is refused). A zero value means "no such rule" on both venues and becomes ``None``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from jtrader.errors import InstrumentError
from jtrader.model.fixed import ATOM_DECIMALS

__all__ = ["ATOM", "positive_decimal", "rule_max", "rule_min", "rule_step"]

#: one money atom
ATOM = Decimal(1).scaleb(-ATOM_DECIMALS)

#: (text, unit, rounding) -> units: venues repeat the same filter strings across hundreds of
#: products ("0.00000001", "1", "0.01"), and a products body is parsed at every session start
_UNITS: dict[tuple[str, Decimal, str], int | None] = {}
#: decimal text -> its value (or None for a zero): the same few increments, product after product
_DECIMALS: dict[str, Decimal | None] = {}
_UNITS_MAX = 8192
_MISSING = object()
#: grid unit -> (m, k) with unit == m * 10**-k
_SCALES: dict[Decimal, tuple[int, int]] = {}


def positive_decimal(text: object, what: str) -> Decimal | None:
    """``"0.00100000"`` -> ``Decimal("0.00100000")``; ``"0"`` -> None (rule disabled); InstrumentError otherwise."""
    if type(text) is str:
        known = _DECIMALS.get(text, _MISSING)
        if known is not _MISSING:
            return known  # type: ignore[return-value]
    try:
        value = Decimal(text if type(text) is str else str(text))
    except (InvalidOperation, ValueError) as exc:
        raise InstrumentError(f"{what} {text!r} is not a decimal") from exc
    if not value.is_finite() or value < 0:
        raise InstrumentError(f"{what} {text!r} is not a non-negative decimal")
    result = value if value else None
    if type(text) is str:
        if len(_DECIMALS) >= _UNITS_MAX:
            _DECIMALS.clear()
        _DECIMALS[text] = result
    return result


def _unit_scale(unit: Decimal) -> tuple[int, int]:
    """``unit`` as ``(m, k)`` with ``unit == m * 10**-k`` (ints, ``m > 0``)."""
    scale = _SCALES.get(unit)
    if scale is None:
        sign, digits, exponent = unit.as_tuple()
        assert isinstance(exponent, int) and not sign  # a finite positive grid unit
        m = int("".join(map(str, digits)))
        scale = _SCALES[unit] = (m, -exponent) if exponent < 0 else (m * 10**exponent, 0)
    return scale


def _units(text: object, unit: Decimal, rounding: str, what: str | tuple[str, ...]) -> int | None:
    """``text`` counted in units of ``unit``: ``"up"``, ``"down"`` or ``"exact"``; None for a zero."""
    key = (text, unit, rounding) if type(text) is str else None
    if key is not None:
        known = _UNITS.get(key, _MISSING)
        if known is not _MISSING:
            return known  # type: ignore[return-value]
    m, k = _unit_scale(unit)
    whole, _, frac = text.partition(".") if type(text) is str else ("", "", "")
    if whole.isdigit() and text.isascii() and (frac.isdigit() or not frac):  # type: ignore[union-attr]
        scaled = int(whole + frac[:k].ljust(k, "0"))  # value * 10**k, truncated: integer arithmetic
        cut = bool(frac[k:].strip("0"))
    else:  # anything unusual (exponents, signs, non-strings): through Decimal, which says what is wrong
        value = positive_decimal(text, _name(what))
        num, den = (value or Decimal(0)).scaleb(k).as_integer_ratio()
        scaled, cut = num // den, num % den != 0
    quotient, rest = divmod(scaled, m)
    inexact = bool(rest) or cut
    if not scaled and not cut:
        result = None
    elif rounding == "up":
        result = quotient + inexact
    elif rounding == "down":
        result = quotient
    elif inexact or not quotient:
        raise InstrumentError(f"{_name(what)} {text} is not a whole number of {unit}")
    else:
        result = quotient
    if key is not None:
        if len(_UNITS) >= _UNITS_MAX:
            _UNITS.clear()
        _UNITS[key] = result
    return result


def _name(what: str | tuple[str, ...]) -> str:
    return what if isinstance(what, str) else " ".join(what)


def rule_min(text: object, unit: Decimal, what: str | tuple[str, ...]) -> int | None:
    """A minimum (decimal text; ``"0"`` or None: no rule) counted in units of ``unit``, rounded up.

    ``what`` names the value in errors (a tuple of words is joined only when there is one).
    """
    return None if text is None else _units(text, unit, "up", what)


def rule_max(text: object, unit: Decimal, what: str | tuple[str, ...]) -> int | None:
    """A maximum (decimal text; ``"0"`` or None: no rule) counted in units of ``unit``, rounded down."""
    return None if text is None else _units(text, unit, "down", what)


def rule_step(text: object, unit: Decimal, what: str | tuple[str, ...]) -> int | None:
    """A step (decimal text; ``"0"`` or None: no rule, returned as None) counted in units of ``unit``;
    :class:`InstrumentError` unless it is a whole number of units."""
    return None if text is None else _units(text, unit, "exact", what)
