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

Prices are converted to ticks exactly (off the tick grid is an error, never rounded) and
volumes floored to the lot: see :mod:`jtrader.backtest._convert` for how a float is read exactly.
This module reads the files, picks the columns and validates the bars.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import repeat
from operator import add
from pathlib import Path
from typing import Any

from jtrader.backtest._convert import RowContext, decimal_units, format_ts, off_grid, times
from jtrader.errors import CandleDataError
from jtrader.model import NS_PER_S, Bar, Instrument

__all__ = ["CandleSeries", "format_ts", "load_candles", "read_candle_columns"]

log = logging.getLogger(__name__)

TIME_COLUMNS = ("ts", "timestamp", "time", "date", "open_time")
PRICE_COLUMNS = ("open", "high", "low", "close")


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

    def head(self, n: int) -> CandleSeries:
        """The first ``n`` bars as a series of their own (same instrument and interval; gaps recounted)."""
        import numpy as np

        start = self.start[:n]
        interval = self.interval_ns
        gaps, missing = _gap_counts(np.diff(np.asarray(start, dtype=np.int64)), interval)
        return CandleSeries(
            instrument=self.instrument,
            start=start,
            open=self.open[:n],
            high=self.high[:n],
            low=self.low[:n],
            close=self.close[:n],
            volume=self.volume[:n],
            interval_ns=interval,
            gaps=gaps,
            missing_bars=missing,
        )

    def bar(self, i: int) -> Bar:
        """Bar ``i`` as a :class:`~jtrader.model.Bar` message (the same tuple :meth:`bars` gives)."""
        start = self.start[i]
        return tuple.__new__(  # type: ignore[return-value]
            Bar,
            (start + self.interval_ns, self.instrument.symbol, self.open[i], self.high[i], self.low[i],
             self.close[i], self.volume[i], start),
        )  # fmt: skip

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
    return _build(read_candle_columns(path), instrument, str(path))


def read_candle_columns(path: str | Path) -> dict[str, Any]:
    """The raw columns of a candle file: polars Series keyed ``ts, open, high, low, close, volume``.

    Nothing is converted or validated beyond picking the columns (see :func:`load_candles`).
    """
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
    return columns


def _read_polars(path: Path, suffix: str) -> dict[str, Any]:
    import polars as pl

    try:
        if suffix == ".csv":
            # dates stay text here: the time column is parsed at ns precision by ``times`` (polars'
            # try_parse_dates would truncate to us and costs more)
            frame = pl.read_csv(path, infer_schema_length=10_000)
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


# -- validation ---------------------------------------------------------------------------------
def _build(columns: dict[str, Any], instrument: Instrument, source: str) -> CandleSeries:
    import numpy as np

    n = len(columns["ts"])
    if n < 2:
        raise CandleDataError(f"{source}: {n} candle(s); a backtest needs at least 2 to know the bar interval")
    ctx = RowContext(source)
    ts = times(columns["ts"], ctx)
    ctx.starts = ts
    step = np.diff(ts)
    bad = np.flatnonzero(step <= 0)
    if bad.size:
        i = int(bad[0]) + 1
        what = "duplicate timestamp" if step[i - 1] == 0 else "timestamp earlier than the row before"
        raise CandleDataError(f"{ctx.where(i)}: {what}; candles must be in strictly increasing time order")
    interval = int(np.sort(step)[(len(step) - 1) // 2])  # lower median: an integer, exact
    gaps, missing = _gap_counts(step, interval)

    tick = instrument.price_tick
    assert isinstance(tick, Decimal)
    places = instrument.price_precision
    tick_units = int(tick.scaleb(places))
    prices = {}
    for name in PRICE_COLUMNS:
        units = decimal_units(columns[name], places, name, ctx, exact=True, tick=tick, symbol=instrument.symbol)
        if tick_units != 1:
            off = np.flatnonzero(units % tick_units)
            if off.size:
                i = int(off[0])
                off_grid(
                    ctx, i, name=name, value=Decimal(int(units[i])).scaleb(-places), tick=tick, symbol=instrument.symbol
                )
            units = units // tick_units
        prices[name] = units
    lot = instrument.size_lot
    assert isinstance(lot, Decimal)
    lot_places = instrument.size_precision
    volume = decimal_units(columns["volume"], lot_places, "volume", ctx, exact=False)
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
        start=ts.tolist(),
        open=o.tolist(),
        high=h.tolist(),
        low=low.tolist(),
        close=c.tolist(),
        volume=volume.tolist(),
        interval_ns=interval,
        gaps=gaps,
        missing_bars=missing,
    )


def _gap_counts(steps: Any, interval: int) -> tuple[int, int]:
    """``(gaps, missing bars)`` of the time steps ``steps`` (numpy int64, ns) at bar ``interval``."""
    long_steps = steps[steps > interval]
    gaps = int(long_steps.size)
    return gaps, int((long_steps // interval - 1).sum()) if gaps else 0


def _interval_text(ns: int) -> str:
    for unit, size in (("d", 86_400 * NS_PER_S), ("h", 3_600 * NS_PER_S), ("m", 60 * NS_PER_S), ("s", NS_PER_S)):
        if ns % size == 0:
            return f"{ns // size}{unit}"
    return f"{ns}ns"
