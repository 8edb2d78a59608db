"""``breakout``: a Donchian channel breakout on bars with resting stop orders.

* While flat, a **buy stop** rests one tick above the highest high of the last ``entry`` bars
  (the bar just closed included). It is moved (``ctx.replace``: one cancel-replace request)
  whenever that level or its size changes. Its size is ``allocation_pct`` percent of the quote
  balance at the stop price, floored to the lot (fees must fit in the rest).
* While long, a **sell stop** (reduce-only) for the whole position rests one tick below the lowest
  low of the last ``exit`` bars, moved when that level changes.

One symbol per run (``--param symbol=`` picks one in a run with several; see ``sma_cross``).

The fills are the simulated exchange's: a stop triggers when a later bar's range reaches it and
fills at the stop price, or at the bar's open when the bar opens through it (a gap). When a
bar's range holds both a stop and a limit, the exchange assumes the stop traded first.
Rolling highs and lows use monotonic deques: O(1) amortized per bar.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any, ClassVar

from jtrader.errors import ConfigError
from jtrader.model import (
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderType,
    Side,
)
from jtrader.trading import Strategy, single_symbol

if TYPE_CHECKING:
    from jtrader.model import Bar
    from jtrader.trading import Context

__all__ = ["Breakout", "RollingExtreme"]


class RollingExtreme:
    """Maximum (or minimum) of the last ``window`` values pushed, in O(1) amortized time."""

    __slots__ = ("_count", "_items", "_sign", "window")

    def __init__(self, window: int, highest: bool) -> None:
        self.window = window
        self._sign = 1 if highest else -1
        self._items: deque[tuple[int, int]] = deque()  # (index, sign * value), decreasing
        self._count = 0

    def push(self, value: int) -> None:
        """Add the newest value (drops the one that left the window)."""
        key = self._sign * value
        items = self._items
        while items and items[-1][1] <= key:
            items.pop()
        items.append((self._count, key))
        self._count += 1
        if items[0][0] <= self._count - 1 - self.window:
            items.popleft()

    @property
    def full(self) -> bool:
        """True once ``window`` values were pushed."""
        return self._count >= self.window

    @property
    def value(self) -> int:
        """The extreme of the window (raises IndexError before the first push)."""
        return self._sign * self._items[0][1]


class Breakout(Strategy):
    """Buy-stop above the ``entry``-bar high, exit with a sell-stop below the ``exit``-bar low."""

    name: ClassVar[str] = "breakout"
    description: ClassVar[str] = (
        "Donchian breakout on bars: buy-stop above the N-bar high, sell-stop below the M-bar low"
    )
    params: ClassVar[dict[str, object]] = {"entry": 20, "exit": 10, "allocation_pct": 95, "symbol": ""}

    def __init__(self, **overrides: object) -> None:
        super().__init__(**overrides)
        if self.p.entry < 1 or self.p.exit < 1:
            raise ConfigError(f"breakout: entry and exit must be >= 1, got {self.p.entry} and {self.p.exit}")
        if not 1 <= self.p.allocation_pct <= 100:
            raise ConfigError(f"breakout: allocation_pct must be 1..100, got {self.p.allocation_pct}")
        self._high = RollingExtreme(self.p.entry, highest=True)
        self._low = RollingExtreme(self.p.exit, highest=False)
        #: the resting stop: (order_id, side, stop price in ticks, size in lots) or None
        self._order: tuple[str, Side, int, int] | None = None
        #: the stop a replace in flight moves (it stays if the replacement is denied)
        self._replaced: tuple[str, Side, int, int] | None = None
        self._only: str | None = None

    def on_start(self, ctx: Context) -> None:
        """Check that the run has one symbol, or that ``symbol`` names one of them."""
        self._only = single_symbol(ctx, self.p.symbol, self.name)

    @property
    def warmup_bars(self) -> int:
        """Bars needed before the first possible order: ``entry`` (a full channel)."""
        return int(self.p.entry)

    def on_bar(self, ctx: Context, bar: Bar) -> None:
        """Update the channel and keep exactly one stop resting at the right level."""
        if self._only is not None and bar.symbol != self._only:
            return
        self._high.push(bar.high)
        self._low.push(bar.low)
        symbol = bar.symbol
        position = ctx.position(symbol)
        if position > 0:
            if not self._low.full:
                return
            self._place(ctx, symbol, Side.SELL, max(1, self._low.value - 1), position)
        elif self._high.full:
            stop = self._high.value + 1
            instrument = ctx.instrument(symbol)
            budget = ctx.balance(instrument.quote) * self.p.allocation_pct // 100
            size = budget // instrument.notional_atoms(stop, 1)
            if size > 0:
                self._place(ctx, symbol, Side.BUY, stop, size)

    def _place(self, ctx: Context, symbol: str, side: Side, stop: int, size: int) -> None:
        current = self._order
        if current is not None:
            if current[1] is side and current[2] == stop and current[3] == size:
                return
            if current[1] is side:  # move it: one cancel-replace request
                self._replaced = current
                self._order = (ctx.replace(current[0], stop_price=stop, size=size), side, stop, size)
                return
            ctx.cancel(current[0])
            self._order = None
        order_id = ctx.submit(
            symbol, side, OrderType.STOP, size=size, stop_price=stop, reduce_only=side is Side.SELL, tag="breakout"
        )
        self._order = (order_id, side, stop, size)

    def on_order_event(self, ctx: Context, event: Any) -> None:
        """Forget the resting stop once it is done."""
        current = self._order
        if current is None or getattr(event, "order_id", None) != current[0]:
            return
        match event:
            case OrderDenied() if self._replaced is not None:
                self._order, self._replaced = self._replaced, None  # denied: the old stop still rests
            case OrderFilled(leaves=0) | OrderCanceled() | OrderRejected() | OrderDenied() | OrderExpired():
                self._order = self._replaced = None
            case OrderAccepted():
                self._replaced = None
