"""``sma_cross``: the textbook moving-average crossover, long only, all in.

Definition (exact, integer ticks):

* ``fast = SMA(close, fast)``, ``slow = SMA(close, slow)``, ``d = fast - slow``. The sign of ``d``
  is computed without division: ``sign(fast_sum * slow - slow_sum * fast)`` on integer sums.
* A **buy** signal at bar ``i`` when ``d[i] > 0`` and ``d[i-1] <= 0``; a **sell** signal when
  ``d[i] < 0`` and ``d[i-1] >= 0``. Signals start once both SMAs and ``d[i-1]`` exist (bar
  ``slow + 1`` onwards).
* On a buy signal when flat: a market buy spending the whole quote balance (``quote_size``: the
  exchange sizes it as ``balance / (fill price * (1 + fee))`` floored to the lot). On a sell
  signal when long: a market sell of the whole position. With the backtest's default
  ``--fill next-open`` both fill at the next bar's open. A position still open at the end stays
  open (the backtest marks it at the last close).

Sums are kept incrementally in a ring buffer of ``slow`` closes: O(1) work per bar.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from jtrader.errors import ConfigError
from jtrader.model import OrderType, Side
from jtrader.trading import Strategy

if TYPE_CHECKING:
    from jtrader.model import Bar
    from jtrader.trading import Context

__all__ = ["SmaCross"]

_TERMINAL = frozenset({"OrderRejected", "OrderDenied", "OrderCanceled", "OrderExpired"})


class SmaCross(Strategy):
    """Long-only SMA crossover on bar closes: all cash in on a golden cross, all out on a death cross."""

    name: ClassVar[str] = "sma_cross"
    description: ClassVar[str] = "long-only SMA(fast)/SMA(slow) crossover on closes; market orders, all in / all out"
    params: ClassVar[dict[str, object]] = {"fast": 10, "slow": 30}

    def __init__(self, **overrides: object) -> None:
        super().__init__(**overrides)
        fast, slow = self.p.fast, self.p.slow
        if not 1 <= fast < slow:
            raise ConfigError(f"sma_cross: need 1 <= fast < slow, got fast={fast} slow={slow}")
        self._fast = fast
        self._slow = slow
        self._ring = [0] * slow
        self._count = 0
        self._fast_sum = 0
        self._slow_sum = 0
        self._prev_sign: int | None = None
        self._pending: str | None = None
        self._quote: dict[str, str] = {}
        #: bar ts (ns) -> "BUY"/"SELL" for every signal seen (for tests and reports)
        self.signals: list[tuple[int, str]] = []

    def on_bar(self, ctx: Context, bar: Bar) -> None:
        """Update the sums with ``bar.close`` (ticks) and act on a crossover."""
        fast, slow, ring = self._fast, self._slow, self._ring
        n = self._count
        close = bar.close
        slot = n % slow
        self._slow_sum += close - ring[slot]  # ring[slot] is close[n - slow] (0 before the window is full)
        leaving_fast = ring[(n - fast) % slow] if n >= fast else 0
        self._fast_sum += close - leaving_fast
        ring[slot] = close
        n += 1
        self._count = n
        if n < slow:
            return
        diff = self._fast_sum * slow - self._slow_sum * fast
        sign = (diff > 0) - (diff < 0)
        prev = self._prev_sign
        self._prev_sign = sign
        if prev is None or sign == prev:
            return
        if sign > 0 and prev <= 0:
            self.signals.append((bar.ts, "BUY"))
            self._buy(ctx, bar.symbol)
        elif sign < 0 and prev >= 0:
            self.signals.append((bar.ts, "SELL"))
            self._sell(ctx, bar.symbol)

    def _buy(self, ctx: Context, symbol: str) -> None:
        if self._pending is not None or ctx.position(symbol) != 0:
            return
        quote = self._quote.get(symbol)
        if quote is None:
            quote = self._quote[symbol] = ctx.instrument(symbol).quote
        cash = ctx.free_balance(quote)
        if cash > 0:
            self._pending = ctx.submit(symbol, Side.BUY, OrderType.MARKET, quote_size=cash, tag="sma_cross")

    def _sell(self, ctx: Context, symbol: str) -> None:
        position = ctx.position(symbol)
        if self._pending is not None or position <= 0:
            return
        self._pending = ctx.submit(symbol, Side.SELL, OrderType.MARKET, size=position, tag="sma_cross")

    def on_order_event(self, ctx: Context, event: Any) -> None:
        """Forget the pending order once it is done (filled, rejected, denied, canceled, expired)."""
        if getattr(event, "order_id", None) != self._pending:
            return
        kind = type(event).__name__
        if kind in _TERMINAL or (kind == "OrderFilled" and event.leaves == 0):
            self._pending = None
