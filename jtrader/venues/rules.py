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
from fractions import Fraction

from jtrader.errors import InstrumentError
from jtrader.model.fixed import ATOM_DECIMALS

__all__ = ["ATOM", "positive_decimal", "rule_max", "rule_min", "rule_step"]

#: one money atom
ATOM = Decimal(1).scaleb(-ATOM_DECIMALS)


def positive_decimal(text: object, what: str) -> Decimal | None:
    """``"0.00100000"`` -> ``Decimal("0.001")``; ``"0"`` -> None (rule disabled); InstrumentError otherwise."""
    try:
        value = Decimal(str(text))
    except (InvalidOperation, ValueError) as exc:
        raise InstrumentError(f"{what} {text!r} is not a decimal") from exc
    if not value.is_finite() or value < 0:
        raise InstrumentError(f"{what} {text!r} is not a non-negative decimal")
    return value.normalize() if value else None


def _ratio(value: Decimal, unit: Decimal) -> Fraction:
    return Fraction(value) / Fraction(unit)


def rule_min(value: Decimal | None, unit: Decimal) -> int | None:
    """A minimum in ``unit``\\ s, rounded up (None stays None)."""
    if value is None:
        return None
    ratio = _ratio(value, unit)
    return -((-ratio.numerator) // ratio.denominator)


def rule_max(value: Decimal | None, unit: Decimal) -> int | None:
    """A maximum in ``unit``\\ s, rounded down (None stays None)."""
    if value is None:
        return None
    ratio = _ratio(value, unit)
    return ratio.numerator // ratio.denominator


def rule_step(value: Decimal | None, unit: Decimal, what: str) -> int:
    """A step in ``unit``\\ s (None: 1, any whole unit); InstrumentError when it is not a whole number."""
    if value is None:
        return 1
    ratio = _ratio(value, unit)
    if ratio.denominator != 1 or ratio < 1:
        raise InstrumentError(f"{what} {value} is not a whole number of {unit}")
    return int(ratio)
