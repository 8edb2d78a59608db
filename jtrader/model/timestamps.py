"""Integer-nanosecond timestamps: validation and parsing at the edges. No clock is read here."""

from __future__ import annotations

import calendar

from jtrader.errors import TimestampError

__all__ = ["MAX_TS_NS", "MIN_TS_NS", "NS_PER_DAY", "NS_PER_MS", "NS_PER_S", "NS_PER_US", "check_ts", "parse_rfc3339_ns"]

NS_PER_US = 1_000
NS_PER_MS = 1_000_000
NS_PER_S = 1_000_000_000
#: one day: the largest clock jump a capture may make between two records (readers and adapters)
NS_PER_DAY = 86_400 * NS_PER_S
#: 2000-01-01T00:00:00Z and 2200-01-01T00:00:00Z: anything outside is treated as absurd
MIN_TS_NS = 946_684_800 * NS_PER_S
MAX_TS_NS = 7_258_118_400 * NS_PER_S


def check_ts(ts: object, what: str = "timestamp") -> int:
    """Return ``ts`` if it is an int of ns between 2000 and 2200; raise :class:`TimestampError` otherwise."""
    if type(ts) is not int:
        raise TimestampError(f"{what} must be an int of nanoseconds, got {ts!r}")
    if not MIN_TS_NS <= ts < MAX_TS_NS:
        raise TimestampError(f"{what} {ts} ns is outside 2000..2200: wrong unit or corrupt value?")
    return ts


#: ``"YYYY-MM-DDTHH:MM:SS"`` -> ns of that second, for prefixes already parsed and checked by the
#: full parser (venue frames repeat the same second many times); cleared when it gets big
_SECONDS: dict[str, int] = {}
_SECONDS_MAX = 1024
#: ns per unit of the last kept fraction digit, by number of fraction digits (1..9)
_FRACTION_NS = (0, 100_000_000, 10_000_000, 1_000_000, 100_000, 10_000, 1_000, 100, 10, 1)


def parse_rfc3339_ns(text: str) -> int:
    """``"2026-08-09T21:05:48.228568804Z"`` -> ns since the epoch (UTC).

    The offset is ``Z`` or ``+HH:MM``/``-HH:MM``. Up to 9 fractional digits are kept exactly; more
    are truncated. The layout, the digits and the calendar date are checked (``2026-02-30`` is
    refused, not rolled into March). Raises :class:`TimestampError`.

    Hot path (replay parses one or more per frame): the ``YYYY-MM-DDTHH:MM:SS`` prefix of a ``Z``
    timestamp is parsed and checked once, then remembered (a bounded cache), so later timestamps
    of the same second only have their fraction parsed. The result is the same either way.
    """
    base = _SECONDS.get(text[:19]) if type(text) is str else None
    if base is not None and text[-1] == "Z":
        frac = text[20:-1]
        if frac:
            if text[19] == "." and frac.isdigit() and frac.isascii():
                n = len(frac)
                return base + (int(frac) * _FRACTION_NS[n] if n <= 9 else int(frac[:9]))
        elif len(text) == 20:
            return base
    ns = _parse_full(text)
    if text[19:20] in (".", "Z") and text[-1] == "Z":
        if len(_SECONDS) >= _SECONDS_MAX:
            _SECONDS.clear()
        _SECONDS[text[:19]] = _parse_full(text[:19] + "Z")
    return ns


def _parse_full(text: str) -> int:
    """The complete parser behind :func:`parse_rfc3339_ns` (every field checked)."""
    if type(text) is not str:
        raise TimestampError(f"not an RFC 3339 UTC timestamp: {text!r}")
    try:
        date, _, rest = text.partition("T")
        if rest.endswith("Z"):
            rest, offset_s = rest[:-1], 0
        elif len(rest) > 6 and rest[-6] in "+-" and rest[-3] == ":":
            off_h, off_m = rest[-5:-3], rest[-2:]
            if not (off_h + off_m).isdigit() or int(off_h) > 23 or int(off_m) > 59:
                raise ValueError("bad offset")
            offset_s = (1 if rest[-6] == "+" else -1) * (int(off_h) * 3600 + int(off_m) * 60)
            rest = rest[:-6]
        else:
            raise ValueError("no UTC offset")
        clock, dot, frac = rest.partition(".")
        if not (
            len(date) == 10
            and date[4] == "-"
            and date[7] == "-"
            and len(clock) == 8
            and clock[2] == ":"
            and clock[5] == ":"
            and (date[:4] + date[5:7] + date[8:] + clock[:2] + clock[3:5] + clock[6:] + frac).isascii()
            and (date[:4] + date[5:7] + date[8:] + clock[:2] + clock[3:5] + clock[6:]).isdigit()
            and (frac.isdigit() or not dot)
        ):
            raise ValueError("bad layout")
        year, month, day = int(date[0:4]), int(date[5:7]), int(date[8:10])
        hour, minute, second = int(clock[0:2]), int(clock[3:5]), int(clock[6:8])
        if not (1 <= month <= 12 and 1 <= day <= calendar.monthrange(year, month)[1]):
            raise ValueError("no such date")
        if not (hour < 24 and minute < 60 and second < 61):  # 60: a leap second
            raise ValueError("no such time")
        seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0)) - offset_s
        nanos = int((frac[:9]).ljust(9, "0")) if frac else 0
    except ValueError as exc:
        raise TimestampError(f"not an RFC 3339 UTC timestamp: {text!r}") from exc
    return check_ts(seconds * NS_PER_S + nanos, "timestamp")
