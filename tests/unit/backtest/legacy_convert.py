"""Test oracle: the per-value candle converter as it was before vectorization (kept verbatim).

The vectorized :mod:`jtrader.backtest._convert` must give the same ints and the same errors;
``test_convert_equivalence.py`` checks it value by value. Not imported by jtrader.

Original docstring: exact conversion of candle columns (polars Series) to integers: times to ns, prices to units.

This module's one job is turning one column into exact integers, or a :class:`CandleDataError`
naming the row; :mod:`jtrader.backtest.candles` reads the files and validates the bars.

Exact conversion of prices
--------------------------
A float price means the decimal that ``repr(float)`` prints (the shortest string that reads back
as the same float), converted to ticks exactly; off the tick grid is an error, never rounded.
The fast path is vectorized: ``units = rint(x * 10**places)`` followed by the check
``units / 10**places == x`` (IEEE division is correctly rounded, so the check holds exactly when
the decimal ``units * 10**-places`` reads back as ``x``). For ``units < 10**15`` that decimal has at
most 15 significant digits, so it *is* the shortest repr (two decimals of <= 15 digits never map
to the same double). Every value that fails the check goes through ``Decimal(repr(x))``, which
is exact by definition. Volumes are floored to the lot (a volume is information, not a price).

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


def format_ts(ns: int) -> str:
    """Integer ns since the epoch -> ``2017-11-04T23:42:00Z`` (fraction only when non-zero)."""
    seconds, frac = divmod(ns, NS_PER_S)
    text = datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if frac:
        text += "." + f"{frac:09d}".rstrip("0")
    return text + "Z"


class RowContext:
    """Names rows in error messages: ``file: row 7 (2017-11-04T23:42:00Z)``."""

    def __init__(self, source: str, starts: list[int] | None = None) -> None:
        self.source = source
        self.starts = starts

    def where(self, i: int) -> str:
        """``source: row i+1``, with the row's open time once the times are known and valid."""
        if self.starts is None or not MIN_TS_NS <= self.starts[i] < MAX_TS_NS:
            return f"{self.source}: row {i + 1}"
        return f"{self.source}: row {i + 1} ({format_ts(self.starts[i])})"


def _first_null(series: Any) -> int | None:
    import polars as pl

    mask = series.is_null()
    if series.dtype in (pl.Float32, pl.Float64):
        mask = mask | series.is_nan().fill_null(False)
    if not mask.any():
        return None
    return int(mask.arg_true()[0])


def times(series: Any, ctx: RowContext) -> list[int]:
    """The time column as a list of ns since the epoch; each value checked to lie in 2000..2200."""
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
        values = series.dt.epoch("ns").to_list()
    elif dtype.is_float():
        floats = series.to_list()
        values = [int(v) for v in floats]
        for i, (f, v) in enumerate(zip(floats, values, strict=True)):
            if f != v:
                raise CandleDataError(f"{ctx.where(i)}: time {f!r} is not a whole number of s/ms/us/ns")
        values = _scale_epoch(values)
    elif dtype.is_integer():
        values = _scale_epoch(series.to_list())
    else:
        raise CandleDataError(f"{ctx.source}: time column has type {dtype}; expected a datetime or an integer epoch")
    for i, v in enumerate(values):
        if not MIN_TS_NS <= v < MAX_TS_NS:
            raise CandleDataError(f"{ctx.source}: row {i + 1}: time {v} ns is outside 2000..2200 (wrong unit?)")
    return values


def _scale_epoch(values: list[int]) -> list[int]:
    """Integer epoch in s, ms, us or ns (detected from the first value's magnitude) -> ns."""
    first = abs(values[0])
    if first < 10**11:
        factor = NS_PER_S
    elif first < 10**14:
        factor = 1_000_000
    elif first < 10**17:
        factor = 1_000
    else:
        factor = 1
    return [v * factor for v in values] if factor != 1 else list(values)


def off_grid(ctx: RowContext, i: int, *, name: str, value: Decimal, tick: Decimal, symbol: str) -> None:
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
        raw = series.to_numpy().astype(np.int64)
        units = raw * (10**places) if places < 18 and int(np.abs(raw).max()) < 10 ** (18 - places) else None
        values: list[Any] = series.to_list()
        slow = np.arange(len(values)) if units is None else np.empty(0, dtype=np.int64)
    elif dtype.is_float():
        x = series.to_numpy()
        if not np.isfinite(x).all():
            i = int(np.flatnonzero(~np.isfinite(x))[0])
            raise CandleDataError(f"{ctx.where(i)}: {name} {float(x[i])!r} is not a finite number")
        scale = 10.0**places
        scaled = np.rint(x * scale) if exact else np.floor(x * scale)
        ok = (np.abs(scaled) < _FAST_LIMIT) & (scaled / scale == x) if places <= 22 else np.zeros(len(x), dtype=bool)
        units = np.where(ok, scaled, 0).astype(np.int64)
        values = x.tolist()
        slow = np.flatnonzero(~ok)
    elif dtype == pl.String or isinstance(dtype, pl.Decimal):
        values = series.cast(pl.String).to_list()
        units = None
        slow = np.arange(len(values))
    else:
        raise CandleDataError(f"{ctx.source}: column {name} has type {dtype}; expected numbers")
    if slow.size:
        exact_units: list[int] = [] if units is None else units.tolist()
        for i in slow.tolist():
            u = _slow_units(values[i], places=places, name=name, ctx=ctx, i=i, exact=exact, tick=tick, symbol=symbol)
            if units is None:
                exact_units.append(u)
            else:
                exact_units[i] = u
        big = any(abs(u) >= 2**62 for u in exact_units)
        units = np.array(exact_units, dtype=object if big else np.int64)
    assert units is not None
    bad = np.flatnonzero(units <= 0) if exact else np.flatnonzero(units < 0)
    if bad.size:
        i = int(bad[0])
        what = "must be positive" if exact else "must not be negative"
        raise CandleDataError(f"{ctx.where(i)}: {name} {values[i]} {what}")
    return units


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
