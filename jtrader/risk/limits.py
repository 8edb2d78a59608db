"""Limits of the risk manager and triggers of the emergency manager. All optional: None = no limit.

Units: sizes in lots, money in atoms of the quote currency, time in ns, bands in basis points.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from jtrader.errors import ConfigError
from jtrader.model.pickling import init_args

__all__ = ["EmergencyLimits", "RiskLimits"]


def _check_count(name: str, value: object, allow_zero: bool = True) -> None:
    if value is None:
        return
    if type(value) is not int or value < 0 or (value == 0 and not allow_zero):
        raise ConfigError(f"{name} must be a {'non-negative' if allow_zero else 'positive'} int or None, got {value!r}")


def _check_per_symbol(name: str, value: object) -> None:
    if isinstance(value, dict):
        for symbol in sorted(value):
            _check_count(f"{name}[{symbol!r}]", value[symbol])
    else:
        _check_count(name, value)


@dataclass(frozen=True, slots=True)
class RiskLimits:
    """Pre-trade limits. Every field is optional (None = no limit).

    * ``max_order_size_lots``: lots per order; an int for every symbol or a dict per symbol
      (symbols missing from the dict have no limit).
    * ``max_order_notional``: quote atoms per order (limit price, else the touch, else the mark).
    * ``max_position_lots``: absolute position after the order plus open orders on the same
      side (int or dict per symbol). An order that reduces the position always passes it.
    * ``max_open_orders``: open orders across all symbols.
    * ``orders_per_second`` and ``burst``: a token bucket on the engine clock; the rate may
      be fractional (a decimal string such as ``"0.5"``), kept exactly in milli-orders.
      ``burst`` defaults to the rate rounded up (at least 1).
    * ``price_band_bps``: a LIMIT or STOP_LIMIT price farther than this from the mid (book mid,
      else the last mark) is denied as a fat finger.
    * ``check_balance``: deny an order the free balance cannot pay for (notional, fees excluded:
      the exchange rejects the rest). ``check_venue_minimums``: deny below the instrument's
      ``min_size``/``min_notional``. ``deny_while_resyncing``: deny orders on a book awaiting a
      resync snapshot.
    """

    max_order_size_lots: int | dict[str, int] | None = None
    max_order_notional: int | None = None
    max_position_lots: int | dict[str, int] | None = None
    max_open_orders: int | None = None
    orders_per_second: int | str | Decimal | None = None
    burst: int | None = None
    price_band_bps: int | None = None
    check_balance: bool = True
    check_venue_minimums: bool = True
    deny_while_resyncing: bool = True

    def __reduce__(self) -> tuple[type[RiskLimits], tuple[object, ...]]:
        """Pickle (and copy) as a constructor call (see :mod:`jtrader.model.pickling`)."""
        return (RiskLimits, init_args(self))

    def __post_init__(self) -> None:
        _check_per_symbol("max_order_size_lots", self.max_order_size_lots)
        _check_per_symbol("max_position_lots", self.max_position_lots)
        _check_count("max_order_notional", self.max_order_notional)
        _check_count("max_open_orders", self.max_open_orders)
        _check_count("burst", self.burst, allow_zero=False)
        _check_count("price_band_bps", self.price_band_bps)
        if self.orders_per_second is not None:
            self.rate_milli()

    def rate_milli(self) -> int | None:
        """``orders_per_second`` in thousandths of an order per second (exact), None when unlimited."""
        rate = self.orders_per_second
        if rate is None:
            return None
        try:
            if isinstance(rate, bool | float):
                raise ValueError("use an int or a decimal string")
            number = Decimal(str(rate).strip())
        except (InvalidOperation, ValueError) as exc:
            raise ConfigError(f"orders_per_second {rate!r} is not a decimal number ({exc})") from None
        milli = number * 1000
        if not number.is_finite() or number <= 0 or milli != milli.to_integral_value():
            raise ConfigError(f"orders_per_second must be positive with at most 3 decimals, got {rate!r}")
        return int(milli)

    def burst_tokens(self) -> int:
        """Bucket capacity in orders."""
        if self.burst is not None:
            return self.burst
        milli = self.rate_milli() or 1000
        return max(1, -(-milli // 1000))


@dataclass(frozen=True, slots=True)
class EmergencyLimits:
    """Emergency triggers. Every field is optional (None or False = the trigger is off).

    * ``max_drawdown_bps``: equity fell this many basis points (or more) below its peak.
    * ``reduce_at_drawdown_bps``: a softer threshold that only moves trading to REDUCING.
    * ``daily_loss``: equity fell this many atoms (or more) below its value at the start of the
      UTC day (days counted on the engine clock: ``ts // 86400e9``).
    * ``stale_after_ns``: a symbol that had market data got none for more than this.
    * ``halt_on_crossed_book``: the book is crossed (best bid >= best ask) after a book message.
    * ``halt_on_resync``: a ``BookResync`` or ``SequenceGap`` arrived.
    * ``max_consecutive_rejections``: this many rejections/denials in a row (an accept or a
      fill resets the count).
    * ``equity_currency``: the currency equity is measured in (default: the first instrument's quote).
    * ``flatten``: close positions with market orders after the halt; ``flatten_attempts``:
      how many times to try before giving up (each retry on a later market message).
    """

    max_drawdown_bps: int | None = None
    reduce_at_drawdown_bps: int | None = None
    daily_loss: int | None = None
    stale_after_ns: int | None = None
    halt_on_crossed_book: bool = False
    halt_on_resync: bool = False
    max_consecutive_rejections: int | None = None
    equity_currency: str | None = None
    flatten: bool = True
    flatten_attempts: int = 3

    def __reduce__(self) -> tuple[type[EmergencyLimits], tuple[object, ...]]:
        """Pickle (and copy) as a constructor call (see :mod:`jtrader.model.pickling`)."""
        return (EmergencyLimits, init_args(self))

    def __post_init__(self) -> None:
        _check_count("max_drawdown_bps", self.max_drawdown_bps, allow_zero=False)
        _check_count("reduce_at_drawdown_bps", self.reduce_at_drawdown_bps, allow_zero=False)
        _check_count("daily_loss", self.daily_loss, allow_zero=False)
        _check_count("stale_after_ns", self.stale_after_ns, allow_zero=False)
        _check_count("max_consecutive_rejections", self.max_consecutive_rejections, allow_zero=False)
        _check_count("flatten_attempts", self.flatten_attempts, allow_zero=False)
        for name in ("max_drawdown_bps", "reduce_at_drawdown_bps"):
            value = getattr(self, name)
            if value is not None and value > 10_000:
                raise ConfigError(f"{name} must be at most 10000 (100%), got {value}")
