"""Exact conversion of candle columns (polars Series) to integers: times to ns, prices to units.

This module's one job is turning one column into exact integers, or a :class:`CandleDataError`
naming the row; :mod:`jtrader.backtest.candles` reads the files and validates the bars.

Everything is vectorized (numpy/polars over whole columns); only values the fast paths cannot
prove exact go one by one through :func:`_slow_units`, whose rule is the definition: the
value's decimal (``Decimal(repr(float))`` or the decimal string) scaled by ``10**places``.
The fast paths never raise: a value they cannot prove goes to the slow path, which names the
row, so the first error reported is the same one the per-value rule would report.

Exact conversion of floats
--------------------------
A float price means the decimal that ``repr(float)`` prints (the shortest string that reads back
as the same float), converted to ticks exactly; off the tick grid is an error, never rounded.
The fast path is ``units = rint(x * 10**places)`` followed by the check
``units / 10**places == x`` (IEEE division is correctly rounded, so the check holds exactly when
the decimal ``units * 10**-places`` reads back as ``x``). For ``units < 10**15`` that decimal has at
most 15 significant digits, so it *is* the shortest repr (two decimals of <= 15 digits never map
to the same double).

Volumes are floored to the lot (a volume is information, not a price). A volume on the grid is
its ``rint`` as above. Off the grid, ``y = repr(x) * 10**places`` is not a whole number and
``p = fl(x * 10**places)`` lies within ``2**-52 * |y|`` of it; below ``2**40`` that is under
``2.5e-4``, so when ``p``'s fractional part is in ``(1e-3, 1 - 1e-3)`` no integer lies between
``p`` and ``y`` and ``floor(p) == floor(y)``. When it is not, ``p`` lies within ``1e-3`` of the whole
number ``k = rint(p)``, so ``|y - k| < 1`` and ``floor(y)`` is ``k`` when ``y > k`` and ``k - 1`` when
``y < k`` (``y == k`` is the grid case above). The sign of ``y - k`` is the sign of ``x - r`` where
``r = k * 10**-places`` (the real number): the grid check failed, so ``r`` does not round to ``x``,
i.e. ``r`` lies outside the interval of reals that round to ``x``, while ``y`` lies inside it. And
``x > r`` exactly when ``x > fl(r)`` (``fl(r) = k / 10**places``, correctly rounded and different
from ``x``; rounding is monotonic). Such values are common: a volume written as
``lots * 1e-8`` is often one ulp off the double nearest to ``lots / 1e8``. Anything else (huge
values) takes the slow path.

Exact conversion of decimal strings
-----------------------------------
Strings of the plain form ``digits[.digits]`` (no sign, exponent or blank; at most
``18 - places`` integer digits) are split at the point with polars string kernels: the units
are ``int(whole) * 10**places + int(first places fraction digits, zero padded)``; the rest of
the fraction must be zeros for a price (else the slow path reports it off the grid) and is
dropped for a volume (floor of a non-negative number). Every other spelling takes the slow path.

Times: a datetime/date column, a date string, or an integer epoch whose unit (s, ms, us, ns) is
detected from the magnitude of the first value; every time must lie in 2000..2200.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from jtrader.errors import CandleDataError
from jtrader.model import NS_PER_S
from jtrader.model.fixed import decimal_places
from jtrader.model.timestamps import MAX_TS_NS, MIN_TS_NS

__all__ = ["RowContext", "decimal_units", "format_ts", "off_grid", "times"]

#: values below the fast path's exactness bound (see the module docstring)
_FAST_LIMIT = 10.0**15
#: a floored volume takes the float fast path below this magnitude (see the module docstring)
_FLOOR_LIMIT = 2.0**40
#: ... and when the fractional part of ``x * 10**places`` is this far from a whole number
_FLOOR_MARGIN = 1e-3
#: a plain decimal string with this many digits (integer part + places) fits an int64
_TEXT_DIGITS = 18
_PLAIN_DECIMAL = r"^[0-9]+(\.[0-9]*)?$"


def format_ts(ns: int) -> str:
    """Integer ns since the epoch -> ``2017-11-04T23:42:00Z`` (fraction only when non-zero)."""
    seconds, frac = divmod(int(ns), NS_PER_S)
    text = datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if frac:
        text += "." + f"{frac:09d}".rstrip("0")
    return text + "Z"


class RowContext:
    """Names rows in error messages: ``file: row 7 (2017-11-04T23:42:00Z)``.

    ``starts`` (open times in ns, a list or a numpy int64 array) is set once the times are known.
    """

    def __init__(self, source: str, starts: Any = None) -> None:
        self.source = source
        self.starts = starts

    def where(self, i: int) -> str:
        """``source: row i+1``, with the row's open time once the times are known and valid."""
        if self.starts is None or not MIN_TS_NS <= int(self.starts[i]) < MAX_TS_NS:
            return f"{self.source}: row {i + 1}"
        return f"{self.source}: row {i + 1} ({format_ts(int(self.starts[i]))})"


def _first_null(series: Any) -> int | None:
    import polars as pl

    mask = series.is_null()
    if series.dtype in (pl.Float32, pl.Float64):
        mask = mask | series.is_nan().fill_null(False)
    if not mask.any():
        return None
    return int(mask.arg_true()[0])


def times(series: Any, ctx: RowContext) -> Any:
    """The time column as a numpy int64 array of ns since the epoch, each checked to lie in 2000..2200."""
    import numpy as np
    import polars as pl

    null = _first_null(series)
    if null is not None:
        raise CandleDataError(f"{ctx.where(null)}: the time is missing (null or NaN)")
    dtype = series.dtype
    if dtype == pl.String:
        try:
            series = series.str.to_datetime(time_unit="ns", time_zone="UTC")
        except pl.exceptions.PolarsError as exc:
            raise CandleDataError(f"{ctx.source}: time column cannot be parsed as dates: {exc}") from exc
        dtype = series.dtype
    if dtype == pl.Date or isinstance(dtype, pl.Datetime):
        values = series.dt.epoch("ns").to_numpy().astype(np.int64, copy=False)
        factor = 1
    elif dtype.is_float():
        x = series.to_numpy().astype(np.float64, copy=False)
        with np.errstate(invalid="ignore"):
            whole = np.isfinite(x) & (np.floor(x) == x)
        if not whole.all():
            i = int(np.flatnonzero(~whole)[0])
            raise CandleDataError(f"{ctx.where(i)}: time {float(x[i])!r} is not a whole number of s/ms/us/ns")
        fits = np.abs(x) < 2.0**62  # beyond: far outside 2000..2200 in any unit, checked below as Python ints
        values = x.astype(np.int64) if fits.all() else np.array([int(v) for v in x.tolist()], dtype=object)
        factor = _epoch_factor(int(values[0]))
    elif dtype.is_integer():
        values = _int64_or_none(series)
        if values is None:  # unsigned beyond int64: compare as Python ints (it fails the range check)
            values = np.array(series.to_list(), dtype=object)
        factor = _epoch_factor(int(values[0]))
    else:
        raise CandleDataError(f"{ctx.source}: time column has type {dtype}; expected a datetime or an integer epoch")
    # v * factor in [MIN, MAX) <=> v in [ceil(MIN / factor), ceil(MAX / factor)): no overflow
    low, high = -(-MIN_TS_NS // factor), -(-MAX_TS_NS // factor)
    bad = np.flatnonzero((values < low) | (values >= high))
    if bad.size:
        i = int(bad[0])
        v = int(values[i]) * factor
        raise CandleDataError(f"{ctx.source}: row {i + 1}: time {v} ns is outside 2000..2200 (wrong unit?)")
    return values * factor if factor != 1 else values


def _int64_or_none(series: Any) -> Any:
    """An integer column as numpy int64, or None when an unsigned value does not fit."""
    import numpy as np

    raw = series.to_numpy()
    if raw.dtype == np.uint64 and raw.size and int(raw.max()) >= 2**63:
        return None
    return raw.astype(np.int64, copy=False)


def _epoch_factor(first: int) -> int:
    """ns per unit of an integer epoch whose first value is ``first`` (s, ms, us or ns by magnitude)."""
    first = abs(first)
    if first < 10**11:
        return NS_PER_S
    if first < 10**14:
        return 1_000_000
    if first < 10**17:
        return 1_000
    return 1


def off_grid(ctx: RowContext, i: int, *, name: str, value: Decimal, tick: Decimal, symbol: str) -> None:
    """Raise the off-grid :class:`CandleDataError` for row ``i`` (suggests a tick fine enough)."""
    places = decimal_places(value)
    hint = "0." + "0" * (places - 1) + "1" if places > 0 else "1"
    raise CandleDataError(
        f"{ctx.where(i)}: {name} {value.normalize():f} is not a multiple of the tick {tick} of {symbol}; "
        f"pass a finer --tick (for example --tick {hint})"
    )


def decimal_units(
    series: Any,
    places: int,
    name: str,
    ctx: RowContext,
    *,
    exact: bool,
    tick: Decimal | None = None,
    symbol: str = "",
) -> Any:
    """A numeric column -> numpy int64 (or object for huge values) of ``10**-places`` units.

    ``exact``: a value with more decimals is an error (prices); otherwise it is floored (volumes).
    Zero and negative prices, negative volumes and nulls/NaN are errors naming the row.
    """
    import numpy as np
    import polars as pl

    null = _first_null(series)
    if null is not None:
        raise CandleDataError(f"{ctx.where(null)}: {name} is missing (null or NaN)")
    dtype = series.dtype
    if dtype.is_integer():
        units, ok = _integer_units(series, places)
    elif dtype.is_float():
        x = series.to_numpy()
        if not np.isfinite(x).all():
            i = int(np.flatnonzero(~np.isfinite(x))[0])
            raise CandleDataError(f"{ctx.where(i)}: {name} {float(x[i])!r} is not a finite number")
        units, ok = _float_units(x, places, exact=exact)
    elif dtype == pl.String or isinstance(dtype, pl.Decimal):
        series = series.cast(pl.String)
        units, ok = _text_units(series, places, exact=exact)
    else:
        raise CandleDataError(f"{ctx.source}: column {name} has type {dtype}; expected numbers")
    slow = np.flatnonzero(~ok)
    if slow.size:
        values = series.gather(slow).to_list()
        exact_units = [
            _slow_units(v, places=places, name=name, ctx=ctx, i=i, exact=exact, tick=tick, symbol=symbol)
            for i, v in zip(slow.tolist(), values, strict=True)
        ]
        if any(abs(u) >= 2**62 for u in exact_units):
            units = units.astype(object)
        units[slow] = exact_units
    bad = np.flatnonzero(units <= 0) if exact else np.flatnonzero(units < 0)
    if bad.size:
        i = int(bad[0])
        what = "must be positive" if exact else "must not be negative"
        raise CandleDataError(f"{ctx.where(i)}: {name} {series[i]} {what}")
    return units


def _integer_units(series: Any, places: int) -> tuple[Any, Any]:
    """Integers times ``10**places`` when every product fits an int64; else all to the slow path."""
    import numpy as np

    raw = _int64_or_none(series)
    n = len(series)
    if raw is not None and places < 18 and int(np.abs(raw).max()) < 10 ** (18 - places):
        return raw * (10**places), np.ones(n, dtype=bool)
    return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)


def _float_units(x: Any, places: int, *, exact: bool) -> tuple[Any, Any]:
    """Units of finite floats where provably exact (module docstring), and the mask of those rows."""
    import numpy as np

    if places > 22:  # 10**places is no longer an exact double
        return np.zeros(x.size, dtype=np.int64), np.zeros(x.size, dtype=bool)
    scale = 10.0**places
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = x * scale
        if exact or x.dtype != np.float64:  # prices, and float32 volumes: the grid check alone
            whole = np.rint(scaled) if exact else np.floor(scaled)
            ok = (np.abs(whole) < _FAST_LIMIT) & (whole / scale == x)
            return np.where(ok, whole, 0).astype(np.int64), ok
        whole = np.rint(scaled)
        on_grid = (np.abs(whole) < _FAST_LIMIT) & (whole / scale == x)
        floor = np.floor(scaled)
        frac = scaled - floor
        in_range = np.abs(scaled) < _FLOOR_LIMIT
        safe = in_range & (frac > _FLOOR_MARGIN) & (frac < 1.0 - _FLOOR_MARGIN)
        # off the grid next to a whole number k = whole: floor(y) is k when x > k * 10**-places, else k - 1
        near = in_range & ~on_grid & ~safe
        near_floor = np.where(x > whole / scale, whole, whole - 1.0)
    units = np.where(on_grid, whole, np.where(safe, floor, np.where(near, near_floor, 0))).astype(np.int64)
    return units, on_grid | safe | near


def _text_units(text: Any, places: int, *, exact: bool) -> tuple[Any, Any]:
    """Units of plain decimal strings (module docstring), and the mask of the rows converted."""
    import numpy as np
    import polars as pl

    n = len(text)
    if places >= _TEXT_DIGITS:
        return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
    parts = text.str.split_exact(".", 1).struct.unnest()
    whole, fraction = parts.get_column("field_0"), parts.get_column("field_1").fill_null("")
    plain = text.str.contains(_PLAIN_DECIMAL) & (whole.str.len_bytes() <= _TEXT_DIGITS - places)
    kept = fraction.str.slice(0, places)
    rest = fraction.str.slice(places)
    if exact:
        plain = plain & rest.str.contains(r"^0*$")
    plain = plain.fill_null(False)
    frame = pl.DataFrame({"w": whole, "k": kept.str.pad_end(places, "0"), "ok": plain})
    frame = frame.with_columns(
        pl.when("ok").then(pl.col("w")).otherwise(pl.lit("0")).cast(pl.Int64).alias("w"),
        pl.when("ok").then(pl.col("k")).otherwise(pl.lit("0")).cast(pl.Int64).alias("k")
        if places
        else pl.lit(0, dtype=pl.Int64).alias("k"),
    )
    units = frame.get_column("w").to_numpy() * (10**places) + frame.get_column("k").to_numpy()
    return units.astype(np.int64, copy=False), plain.to_numpy().astype(bool, copy=False)


def _slow_units(
    value: Any, *, places: int, name: str, ctx: RowContext, i: int, exact: bool, tick: Decimal | None, symbol: str
) -> int:
    """One value -> exact units via ``Decimal(repr(float))`` or the decimal string itself."""
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise CandleDataError(f"{ctx.where(i)}: {name} {value!r} is not a number") from None
    if not number.is_finite():
        raise CandleDataError(f"{ctx.where(i)}: {name} {value!r} is not a finite number")
    scaled = number.scaleb(places)
    whole = int(scaled)  # toward zero
    if scaled != whole:
        if exact:
            assert tick is not None
            off_grid(ctx, i, name=name, value=number, tick=tick, symbol=symbol)
        if scaled < 0:
            whole -= 1  # floor
    return whole
