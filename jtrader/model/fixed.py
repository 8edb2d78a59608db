"""Exact fixed-point conversion between decimal strings and integers.

Every price, size and money amount inside jtrader is a Python ``int`` counting a unit:
price *ticks*, size *lots*, and money *atoms* (``10**-ATOM_DECIMALS`` of one currency unit).
Decimal strings exist only at the edges (parsing venue frames, printing results).

The parser is on the hot path of replay (every level of every frame), so it is written as plain
string and integer operations rather than through :class:`decimal.Decimal`; the slow path
accepts ``Decimal`` and ``int`` too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from itertools import repeat

from jtrader.errors import NegativeValueError, OffGridError, ValueFormatError

__all__ = [
    "ATOM_DECIMALS",
    "ATOMS_PER_UNIT",
    "decimal_places",
    "format_atoms",
    "format_units",
    "parse_units",
    "parse_units_list",
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
        if text.isascii() and whole.isdigit() and (frac.isdigit() or not (frac or dot)):
            n = len(frac)
            if n > places:
                if frac[places:].strip("0"):
                    raise OffGridError(f"{what} {text!r} has more than {places} decimal places")
                frac = frac[:places]
                n = places
            try:
                return int(whole + frac) * 10 ** (places - n)
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


#: digits accepted before the point by the list fast path (longer numbers take the slow path)
_MAX_WHOLE_DIGITS = 40
#: compiled list patterns by key (see _uniform_pattern, _loose_pattern); a handful of entries
_PATTERNS: dict[tuple[int, int], re.Pattern[str]] = {}


def _uniform_pattern(decimals: int, places: int) -> re.Pattern[str]:
    """Newline-separated plain decimals that all have exactly ``decimals`` digits after the point.

    Digits beyond ``places`` must be zeros (they are part of the pattern), so every match is on
    the grid of ``10**-places``.
    """
    key = (decimals, places)
    pattern = _PATTERNS.get(key)
    if pattern is None:
        whole = rf"\d{{1,{_MAX_WHOLE_DIGITS}}}"
        if decimals == 0:
            one = whole
        elif decimals <= places:
            one = rf"{whole}\.\d{{{decimals}}}"
        else:
            one = rf"{whole}\.\d{{{places}}}0{{{decimals - places}}}"
        pattern = _PATTERNS[key] = re.compile(rf"(?:{one}\n)*{one}", re.ASCII)
    return pattern


def _loose_pattern(places: int) -> re.Pattern[str]:
    """Newline-separated plain decimals with 1 to ``places`` digits after the point, or none."""
    key = (-1, places)
    pattern = _PATTERNS.get(key)
    if pattern is None:
        one = rf"\d{{1,{_MAX_WHOLE_DIGITS}}}" + (rf"(?:\.\d{{1,{places}}})?" if places else "")
        pattern = _PATTERNS[key] = re.compile(rf"(?:{one}\n)*{one}", re.ASCII)
    return pattern


def parse_units_list(texts: Sequence[str], places: int, what: str = "value") -> list[int]:
    """:func:`parse_units` of every string in ``texts``, in order; the same results and errors.

    The replay hot path (every level of a book frame). The list is joined and checked with one
    regular expression (C speed), then converted without per-item checks:

    * all strings with the same number of decimals (Binance prints ``"65083.66000000"``): the
      points are dropped from the joined text and it is split and converted by ``int`` at once;
    * otherwise, 0 to ``places`` decimals each: one ``int`` per string, scaled by a power of 10.

    Anything else (negative, exponent, NaN, off-grid, non-strings...) goes through
    :func:`parse_units` one by one, which raises its typed error for the first bad string.
    """
    if not texts:
        return []
    try:
        joined = "\n".join(texts)
    except TypeError:
        joined = ""
    if joined:
        first = texts[0]
        point = first.find(".")
        decimals = len(first) - point - 1 if point >= 0 else 0
        if _uniform_pattern(decimals, places).fullmatch(joined) is not None:
            units = list(map(int, joined.replace(".", "").split("\n") if decimals else joined.split("\n")))
            if len(units) == len(texts):  # a string with a newline inside is not one number
                if decimals < places:
                    scale = 10 ** (places - decimals)
                    return [u * scale for u in units]
                if decimals > places:
                    scale = 10 ** (decimals - places)
                    return [u // scale for u in units]
                return units
        elif places and _loose_pattern(places).fullmatch(joined) is not None:
            scales = tuple(10 ** (places - n) for n in range(places + 1))
            try:
                parts = map(str.partition, texts, repeat("."))
                return [int(whole + frac) * scales[len(frac)] for whole, _, frac in parts]
            except ValueError:  # a newline inside a string: let the slow path name it
                pass
    return [parse_units(text, places, what) for text in texts]


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
