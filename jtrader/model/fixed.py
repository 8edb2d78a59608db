"""Exact fixed-point conversion between decimal strings and integers.

Every price, size and money amount inside jtrader is a Python ``int`` counting a unit:
price *ticks*, size *lots*, and money *atoms* (``10**-ATOM_DECIMALS`` of one currency unit).
Decimal strings exist only at the edges (parsing venue frames, printing results).

The parser is on the hot path of replay (every level of every frame), so it is written as plain
string and integer operations rather than through :class:`decimal.Decimal`; the slow path
accepts ``Decimal`` and ``int`` too.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from jtrader.errors import NegativeValueError, OffGridError, ValueFormatError

__all__ = [
    "ATOM_DECIMALS",
    "ATOMS_PER_UNIT",
    "decimal_places",
    "format_atoms",
    "format_units",
    "parse_units",
    "to_atoms",
]

#: Money amounts (balances, PnL, fees, notionals) are integers of 10**-18 currency units.
ATOM_DECIMALS = 18
ATOMS_PER_UNIT = 10**ATOM_DECIMALS


def decimal_places(step: Decimal) -> int:
    """Number of decimal places needed to write ``step`` exactly ("0.01" -> 2, "5" -> 0)."""
    exponent = step.normalize().as_tuple().exponent
    if not isinstance(exponent, int):
        raise ValueFormatError(f"not a finite decimal: {step!r}")
    return max(0, -exponent)


def parse_units(text: str | Decimal | int, places: int, what: str = "value") -> int:
    """Parse a non-negative decimal into an integer count of ``10**-places``.

    ``parse_units("65083.66", 2) == 6508366``. Digits beyond ``places`` must be zeros
    (``"1.2300"`` at 2 places is fine, ``"1.234"`` raises :class:`OffGridError`).
    Negative values raise :class:`NegativeValueError`; NaN, infinity, exponents, empty strings
    and anything else that is not a plain decimal raise :class:`ValueFormatError`.
    """
    if isinstance(text, str):
        whole, dot, frac = text.partition(".")
        if whole.isascii() and whole.isdigit() and ((frac.isascii() and frac.isdigit()) or (not frac and not dot)):
            if len(frac) > places:
                if frac[places:].strip("0"):
                    raise OffGridError(f"{what} {text!r} has more than {places} decimal places")
                frac = frac[:places]
            try:
                return int(whole + frac + "0" * (places - len(frac)))
            except ValueError as exc:  # more digits than int() accepts (sys.get_int_max_str_digits)
                raise ValueFormatError(f"{what} {text[:20]!r}... has too many digits") from exc
        if text.startswith("-") and _is_plain_decimal(text[1:]):
            raise NegativeValueError(f"{what} {text!r} is negative")
        if dot and not whole and frac.isascii() and frac.isdigit():  # ".5"
            return parse_units("0" + text, places, what)
        raise ValueFormatError(f"{what} {text!r} is not a plain decimal number")
    if isinstance(text, bool):
        raise ValueFormatError(f"{what} {text!r} is not a number")
    if isinstance(text, int):
        if text < 0:
            raise NegativeValueError(f"{what} {text!r} is negative")
        return text * 10**places
    if isinstance(text, Decimal):
        if not text.is_finite():
            raise ValueFormatError(f"{what} {text!r} is not finite")
        if text < 0:
            raise NegativeValueError(f"{what} {text!r} is negative")
        try:
            scaled = text.scaleb(places)
            units = int(scaled)
        except (InvalidOperation, OverflowError) as exc:  # pragma: no cover - absurd magnitudes
            raise ValueFormatError(f"{what} {text!r} cannot be represented") from exc
        if units != scaled:
            raise OffGridError(f"{what} {text!r} has more than {places} decimal places")
        return units
    raise ValueFormatError(f"{what} {text!r} is not a decimal string")


def _is_plain_decimal(text: str) -> bool:
    """True for what the fast path accepts: ``"12"``, ``"12.5"``, ``".5"`` (ASCII digits only)."""
    whole, dot, frac = text.partition(".")
    if not text.isascii() or (whole and not whole.isdigit()):
        return False
    if dot:
        return frac.isdigit()
    return bool(whole)


def format_units(units: int, places: int) -> str:
    """Write an integer count of ``10**-places`` as a decimal string with exactly ``places`` decimals.

    ``format_units(6508366, 2) == "65083.66"``, ``format_units(-5, 2) == "-0.05"``.
    """
    sign = "-" if units < 0 else ""
    units = abs(units)
    if places == 0:
        return f"{sign}{units}"
    whole, frac = divmod(units, 10**places)
    return f"{sign}{whole}.{frac:0{places}d}"


def to_atoms(text: str | Decimal | int, what: str = "amount") -> int:
    """Parse a money amount (non-negative decimal string) into atoms; see :data:`ATOM_DECIMALS`."""
    return parse_units(text, ATOM_DECIMALS, what)


def format_atoms(atoms: int, places: int | None = None) -> str:
    """Write atoms as a decimal string.

    With ``places`` None the result is exact with trailing zeros removed (``"100000"``,
    ``"0.5"``). With ``places`` set it is rounded half-even to that many decimals: for display.
    """
    if places is None:
        text = format_units(atoms, ATOM_DECIMALS).rstrip("0").rstrip(".")
        return "0" if text in ("", "-0") else text
    if places >= ATOM_DECIMALS:
        return format_units(atoms * 10 ** (places - ATOM_DECIMALS), places)
    step = 10 ** (ATOM_DECIMALS - places)
    quotient, remainder = divmod(atoms, step)
    twice = 2 * remainder
    if twice > step or (twice == step and quotient % 2 == 1):
        quotient += 1
    return format_units(quotient, places)
