"""Candle files (CSV, Parquet, Binance/freqtrade JSON) -> validated integer bars.

Accepted input
--------------
* **CSV / Parquet** (read with polars, imported lazily): a time column named ``ts``,
  ``timestamp``, ``time``, ``date`` or ``open_time`` plus ``open``, ``high``, ``low``, ``close``,
  ``volume``; names are case-insensitive. The time column is a datetime, a date, or an integer
  epoch whose unit (s, ms, us, ns) is detected from the magnitude of the first row.
* **JSON** ``[[ts_ms, open, high, low, close, volume, ...], ...]`` as Binance and freqtrade write it
  (values may be numbers or decimal strings), or a list of objects with the column names above.

The time in the file is the bar's **open** time. A :class:`~jtrader.model.Bar` gets
``start`` = that time and ``ts`` (its close time, when the engine sees it) = ``start`` + the
median bar interval, for the last bar too.

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
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from itertools import repeat
from operator import add
from pathlib import Path
from typing import Any

from jtrader.errors import CandleDataError
from jtrader.model import NS_PER_S, Bar, Instrument
from jtrader.model.fixed import decimal_places
from jtrader.model.timestamps import MAX_TS_NS, MIN_TS_NS

__all__ = ["CandleSeries", "format_ts", "load_candles"]

log = logging.getLogger(__name__)

TIME_COLUMNS = ("ts", "timestamp", "time", "date", "open_time")
PRICE_COLUMNS = ("open", "high", "low", "close")
#: values below the fast path's exactness bound (see the module docstring)
_FAST_LIMIT = 10.0**15


def format_ts(ns: int) -> str:
    """Integer ns since the epoch -> ``2017-11-04T23:42:00Z`` (fraction only when non-zero)."""
    seconds, frac = divmod(ns, NS_PER_S)
    text = datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S")
    if frac:
        text += "." + f"{frac:09d}".rstrip("0")
    return text + "Z"


@dataclass(frozen=True, slots=True)
class CandleSeries:
    """Validated candles of one instrument as parallel lists of ``int``.

    ``start`` are open times in ns (strictly increasing), prices are ticks of ``instrument``,
    ``volume`` lots (floored). ``interval_ns`` is the median bar interval; ``gaps`` counts the
    intervals longer than it and ``missing_bars`` the bars those gaps would have held.
    """

    instrument: Instrument
    start: list[int]
    open: list[int]
    high: list[int]
    low: list[int]
    close: list[int]
    volume: list[int]
    interval_ns: int
    gaps: int
    missing_bars: int

    def __len__(self) -> int:
        return len(self.start)

    def bar_ts(self, i: int) -> int:
        """Close time (ns) of bar ``i``: ``start[i] + interval_ns``."""
        return self.start[i] + self.interval_ns

    def bars(self) -> Iterator[Bar]:
        """The candles as :class:`~jtrader.model.Bar` messages, oldest first (a lazy iterator).

        Built by C-level ``map``/``zip`` over the columns (no Python frame per bar): the feed
        costs about a tenth of what a generator yielding ``Bar(...)`` costs.
        """
        lengths = {len(c) for c in (self.start, self.open, self.high, self.low, self.close, self.volume)}
        if len(lengths) != 1:
            raise CandleDataError(f"candle columns of unequal lengths: {sorted(lengths)}")
        closes = map(add, self.start, repeat(self.interval_ns))
        columns = zip(
            closes,
            repeat(self.instrument.symbol),
            self.open,
            self.high,
            self.low,
            self.close,
            self.volume,
            self.start,
        )
        return map(tuple.__new__, repeat(Bar), columns)  # type: ignore[arg-type]


# -- reading files ---------------------------------------------------------------------------
def load_candles(path: str | Path, instrument: Instrument) -> CandleSeries:
    """Read and validate a candle file (see the module docstring). Raises :class:`CandleDataError`."""
    path = Path(path)
    if not path.is_file():
        raise CandleDataError(f"{path}: no such candle file")
    suffix = path.suffix.lower()
    if suffix == ".json":
        columns = _read_json(path)
    elif suffix in (".csv", ".parquet", ".pq"):
        columns = _read_polars(path, suffix)
    else:
        raise CandleDataError(f"{path}: unknown candle format {suffix!r} (use .csv, .parquet or .json)")
    return _build(columns, instrument, str(path))


def _read_polars(path: Path, suffix: str) -> dict[str, Any]:
    import polars as pl

    try:
        if suffix == ".csv":
            frame = pl.read_csv(path, try_parse_dates=True, infer_schema_length=10_000)
        else:
            frame = pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        raise CandleDataError(f"{path}: cannot read {suffix[1:]} file: {exc}") from exc
    return _pick_columns({name: frame.get_column(name) for name in frame.columns}, str(path))


def _read_json(path: Path) -> dict[str, Any]:
    import orjson
    import polars as pl

    try:
        rows = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise CandleDataError(f"{path}: not valid JSON: {exc}") from exc
    if not isinstance(rows, list) or not rows:
        raise CandleDataError(f"{path}: expected a non-empty JSON list of candles [[ts_ms, o, h, l, c, v], ...]")
    if isinstance(rows[0], dict):
        try:
            frame = pl.DataFrame(rows, infer_schema_length=None)
        except (pl.exceptions.PolarsError, TypeError, ValueError) as exc:
            raise CandleDataError(f"{path}: cannot read the JSON objects as candles: {exc}") from exc
        return _pick_columns({name: frame.get_column(name) for name in frame.columns}, str(path))
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) < 6:
            raise CandleDataError(
                f"{path}: row {i + 1}: expected [ts_ms, open, high, low, close, volume], got {str(row)[:80]}"
            )
    names = ("ts", "open", "high", "low", "close", "volume")
    columns: dict[str, Any] = {}
    for k, name in enumerate(names):
        values = [row[k] for row in rows]
        try:
            columns[name] = pl.Series(name, values, strict=False)
        except (pl.exceptions.PolarsError, TypeError, ValueError, OverflowError) as exc:  # pragma: no cover
            raise CandleDataError(f"{path}: column {name} cannot be read: {exc}") from exc
    return columns


def _pick_columns(available: dict[str, Any], source: str) -> dict[str, Any]:
    lower: dict[str, str] = {}
    for name in available:
        lower.setdefault(name.lower(), name)
    time_name = next((lower[n] for n in TIME_COLUMNS if n in lower), None)
    missing = [n for n in (*PRICE_COLUMNS, "volume") if n not in lower]
    if time_name is None or missing:
        wanted = (["a time column (" + ", ".join(TIME_COLUMNS) + ")"] if time_name is None else []) + missing
        raise CandleDataError(
            f"{source}: missing column(s): {', '.join(wanted)}; the file has: {', '.join(available) or 'none'}"
        )
    columns = {"ts": available[time_name]}
    for name in (*PRICE_COLUMNS, "volume"):
        columns[name] = available[lower[name]]
    return columns


# -- conversion and validation ------------------------------------------------------------------
class _Context:
    """Names rows in error messages: ``file: row 7 (2017-11-04T23:42:00Z)``."""

    def __init__(self, source: str, starts: list[int] | None = None) -> None:
        self.source = source
        self.starts = starts

    def where(self, i: int) -> str:
        if self.starts is None or not MIN_TS_NS <= self.starts[i] < MAX_TS_NS:
            return f"{self.source}: row {i + 1}"
        return f"{self.source}: row {i + 1} ({format_ts(self.starts[i])})"


def _build(columns: dict[str, Any], instrument: Instrument, source: str) -> CandleSeries:
    import numpy as np

    n = len(columns["ts"])
    if n < 2:
        raise CandleDataError(f"{source}: {n} candle(s); a backtest needs at least 2 to know the bar interval")
    ctx = _Context(source)
    starts = _times(columns["ts"], ctx)
    ctx.starts = starts
    ts = np.asarray(starts, dtype=np.int64)
    step = np.diff(ts)
    bad = np.flatnonzero(step <= 0)
    if bad.size:
        i = int(bad[0]) + 1
        what = "duplicate timestamp" if step[i - 1] == 0 else "timestamp earlier than the row before"
        raise CandleDataError(f"{ctx.where(i)}: {what}; candles must be in strictly increasing time order")
    interval = int(np.sort(step)[(len(step) - 1) // 2])  # lower median: an integer, exact
    long_steps = step[step > interval]
    gaps = int(long_steps.size)
    missing = int((long_steps // interval - 1).sum()) if gaps else 0

    tick = instrument.price_tick
    assert isinstance(tick, Decimal)
    places = instrument.price_precision
    tick_units = int(tick.scaleb(places))
    prices = {}
    for name in PRICE_COLUMNS:
        units = _decimal_units(columns[name], places, name, ctx, exact=True, tick=tick, symbol=instrument.symbol)
        if tick_units != 1:
            off = np.flatnonzero(units % tick_units)
            if off.size:
                i = int(off[0])
                _off_grid(
                    ctx, i, name=name, value=Decimal(int(units[i])).scaleb(-places), tick=tick, symbol=instrument.symbol
                )
            units = units // tick_units
        prices[name] = units
    lot = instrument.size_lot
    assert isinstance(lot, Decimal)
    lot_places = instrument.size_precision
    volume = _decimal_units(columns["volume"], lot_places, "volume", ctx, exact=False)
    lot_units = int(lot.scaleb(lot_places))
    if lot_units != 1:
        volume = volume // lot_units
    o, h, low, c = (prices[name] for name in PRICE_COLUMNS)
    checks = (
        (h < low, "high is below low"),
        ((o < low) | (o > h), "open is outside [low, high]"),
        ((c < low) | (c > h), "close is outside [low, high]"),
    )
    for mask, what in checks:
        rows = np.flatnonzero(mask)
        if rows.size:
            i = int(rows[0])
            show = instrument.ticks_to_price
            raise CandleDataError(
                f"{ctx.where(i)}: {what} (open {show(int(o[i]))}, high {show(int(h[i]))}, "
                f"low {show(int(low[i]))}, close {show(int(c[i]))})"
            )
    if gaps:
        log.warning(
            "%s: %d gap(s) in time (%d missing bar(s) of %s); bars are used as they are",
            source,
            gaps,
            missing,
            _interval_text(interval),
        )
    return CandleSeries(
        instrument=instrument,
        start=starts,
        open=o.tolist(),
        high=h.tolist(),
        low=low.tolist(),
        close=c.tolist(),
        volume=volume.tolist(),
        interval_ns=interval,
        gaps=gaps,
        missing_bars=missing,
    )


def _interval_text(ns: int) -> str:
    for unit, size in (("d", 86_400 * NS_PER_S), ("h", 3_600 * NS_PER_S), ("m", 60 * NS_PER_S), ("s", NS_PER_S)):
        if ns % size == 0:
            return f"{ns // size}{unit}"
    return f"{ns}ns"


def _first_null(series: Any) -> int | None:
    import polars as pl

    mask = series.is_null()
    if series.dtype in (pl.Float32, pl.Float64):
        mask = mask | series.is_nan().fill_null(False)
    if not mask.any():
        return None
    return int(mask.arg_true()[0])


def _times(series: Any, ctx: _Context) -> list[int]:
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


def _off_grid(ctx: _Context, i: int, *, name: str, value: Decimal, tick: Decimal, symbol: str) -> None:
    places = decimal_places(value)
    hint = "0." + "0" * (places - 1) + "1" if places > 0 else "1"
    raise CandleDataError(
        f"{ctx.where(i)}: {name} {value.normalize():f} is not a multiple of the tick {tick} of {symbol}; "
        f"pass a finer --tick (for example --tick {hint})"
    )


def _decimal_units(
    series: Any,
    places: int,
    name: str,
    ctx: _Context,
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
    value: Any, *, places: int, name: str, ctx: _Context, i: int, exact: bool, tick: Decimal | None, symbol: str
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
            _off_grid(ctx, i, name=name, value=number, tick=tick, symbol=symbol)
        if scaled < 0:
            whole -= 1  # floor
    return whole
