"""The strategy base class a user subclasses. Every callback is optional.

Parameters are declared as class-level defaults in :attr:`Strategy.params`; overrides given to
``__init__`` are checked by name (:class:`~jtrader.errors.ConfigError` on an unknown name or a
value that cannot be coerced) and coerced to the type of the default. The merged values are
available as ``self.p`` (a :class:`types.SimpleNamespace`: ``self.p.fast``) and as the plain dict
``self.param_values``.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, ClassVar

from jtrader.errors import ConfigError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from jtrader.model import Bar, BookDelta, BookSnapshot, Quote, Trade
    from jtrader.trading.context import Context

__all__ = ["Strategy", "coerce_param", "single_symbol"]

_TRUE = {"1", "true", "yes", "on", "y", "t"}
_FALSE = {"0", "false", "no", "off", "n", "f"}


def coerce_param(name: str, default: object, value: object) -> object:
    """Coerce ``value`` to the type of ``default`` (int, float, str, bool, Decimal); ConfigError if impossible.

    Strings are accepted for every type (they come from ``--param k=v``). An ``int`` parameter
    refuses ``"1.5"`` and booleans; a ``Decimal`` parameter refuses NaN and infinities.
    """
    try:
        if isinstance(default, bool):
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise ValueError("not a boolean")
        if isinstance(default, int):
            if isinstance(value, bool):
                raise ValueError("a boolean is not an int")
            if isinstance(value, int):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
            return int(str(value).strip())
        if isinstance(default, float):
            if isinstance(value, bool):
                raise ValueError("a boolean is not a number")
            number = float(value)  # type: ignore[arg-type]
            if not math.isfinite(number):
                raise ValueError("not finite")
            return number
        if isinstance(default, Decimal):
            if isinstance(value, bool):
                raise ValueError("a boolean is not a decimal")
            number = Decimal(str(value).strip())
            if not number.is_finite():
                raise ValueError("not finite")
            return number
        if default is None or isinstance(default, str):
            return str(value)
    except (ValueError, TypeError, InvalidOperation) as exc:
        raise ConfigError(f"parameter {name}={value!r} is not a valid {type(default).__name__} ({exc})") from exc
    if type(value) is not type(default):
        raise ConfigError(f"parameter {name}={value!r} must be a {type(default).__name__}")
    return value


class Strategy:
    """Base class of every strategy: override only the callbacks you need.

    The engine calls :meth:`on_start` before the first message and :meth:`on_stop` after the
    last. Market callbacks run after the simulated exchange has applied the message (the book
    read through ``ctx.book(symbol)`` already includes it) and after every order event due by
    then was delivered. A strategy sees nothing later than ``ctx.now``. Callbacks a subclass
    does not override are never called (the engine checks at construction), so an unused
    callback costs nothing.

    Orders are placed through the :class:`~jtrader.trading.Context`; denials (risk manager),
    rejections (exchange), fills and cancels arrive in :meth:`on_order_event`.
    """

    #: registry name, for example ``"sma_cross"``
    name: ClassVar[str] = ""
    #: parameter defaults; their types decide how overrides are coerced
    params: ClassVar[dict[str, object]] = {}
    #: one line for ``jtrader strategies``
    description: ClassVar[str] = ""

    def __init__(self, **overrides: object) -> None:
        values = dict(self.params)
        for key in sorted(overrides):
            if key not in values:
                known = ", ".join(sorted(values)) or "none"
                raise ConfigError(f"{type(self).__name__}: unknown parameter {key!r} (known: {known})")
            values[key] = coerce_param(key, values[key], overrides[key])
        #: merged parameter values (defaults plus overrides)
        self.param_values: dict[str, Any] = values
        #: the same values as attributes: ``self.p.fast``
        self.p = SimpleNamespace(**values)

    #: ``ts`` -> signal of the bars a candle backtest will call :meth:`on_bar` for, when this
    #: strategy declared its signals (:meth:`bar_signals`) and the run follows them; else None
    followed_signals: dict[int, int] | None = None

    def bar_signals(self, series: Any) -> Sequence[int] | None:
        """Optional, for candle backtests: this strategy's signal on every bar, computed at once.

        ``series`` is a :class:`~jtrader.backtest.CandleSeries` (int lists ``start``, ``open``,
        ``high``, ``low``, ``close``, ``volume``; ticks and lots). Return one int per bar, 0 where
        :meth:`on_bar` would do nothing with the context (no order, no cancel, no read whose
        answer matters), non-zero where it may act; or None (the default) to be called on every
        bar. The value at bar ``i`` must depend on bars ``0..i`` only: the backtest checks it on
        a prefix of the series and refuses a strategy that looks ahead (so this method is called
        more than once: keep it a pure function of ``series`` and the parameters).

        When a list is returned, the backtest calls :meth:`follow_signals` and from then on calls
        :meth:`on_bar` for the bars with a signal and for bars where an order is in flight or
        open, and skips the others (they are still counted, marked and in the equity curve).
        A subclass that overrides :meth:`on_bar` without overriding this method is run bar by
        bar: its extra per-bar work is not covered by the inherited signals.
        """
        return None

    def follow_signals(self, signals: dict[int, int]) -> None:
        """Switch to the declared signals: ``signals`` maps a bar's ``ts`` to its non-zero signal.

        :meth:`on_bar` then acts on ``self.followed_signals.get(bar.ts)`` instead of its own
        bar-by-bar state (bars without a signal may not reach it at all).
        """
        self.followed_signals = signals

    def on_start(self, ctx: Context) -> None:
        """Called once before the first market message (``ctx.now`` is the first message's ts)."""

    def on_bar(self, ctx: Context, bar: Bar) -> None:
        """A completed candle (``bar.ts`` is its close time)."""

    def on_book(self, ctx: Context, msg: BookSnapshot | BookDelta) -> None:
        """The book of ``msg.symbol`` changed; it is already updated: read ``ctx.book(msg.symbol)``."""

    def on_trade(self, ctx: Context, trade: Trade) -> None:
        """A print on the venue's tape."""

    def on_quote(self, ctx: Context, quote: Quote) -> None:
        """A best bid/ask update from the venue."""

    def on_order_event(self, ctx: Context, event: object) -> None:
        """An event about one of this strategy's orders: accepted, denied, rejected, filled, canceled..."""

    def on_risk_event(self, ctx: Context, event: object) -> None:
        """A :class:`~jtrader.model.RiskStateChanged` or :class:`~jtrader.model.EmergencyAction`."""

    def on_stop(self, ctx: Context) -> None:
        """Called once after the last message and the final drain of pending exchange events."""

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.param_values.items())
        return f"{type(self).__name__}({args})"


def single_symbol(ctx: Context, wanted: str, name: str) -> str | None:
    """The one symbol a single-series strategy ``name`` trades: ``wanted`` (checked), else the run's only one.

    Returns None when the run has exactly one symbol (and ``wanted`` is empty or that symbol): the
    strategy then needs no per-bar filter. Returns ``wanted`` in a run of several symbols. Raises
    :class:`ConfigError` naming ``--param symbol=`` when the run has several symbols and none was
    chosen, or when ``wanted`` is not in the run. Call it from ``on_start``.
    """
    symbols = ctx.symbols
    if wanted and wanted not in symbols:
        raise ConfigError(f"{name}: --param symbol={wanted} is not in this run ({', '.join(symbols)})")
    if len(symbols) == 1:
        return None
    if not wanted:
        raise ConfigError(
            f"{name} keeps one series of bars but this run has {len(symbols)} symbols ({', '.join(symbols)}): "
            f"choose one with --param symbol={symbols[0]}"
        )
    return wanted
