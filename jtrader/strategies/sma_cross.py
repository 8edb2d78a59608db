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

One symbol per run: its state (sums, the previous sign) is one series. In a run with several
symbols, name the one to trade with ``--param symbol=BTC-USD`` (bars of the others are
ignored); without it the run stops at the start with an error that says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from jtrader.errors import ConfigError
from jtrader.model import OrderCanceled, OrderDenied, OrderExpired, OrderFilled, OrderRejected, OrderType, Side
from jtrader.trading import Strategy, single_symbol

if TYPE_CHECKING:
    from collections.abc import Sequence

    from jtrader.model import Bar
    from jtrader.trading import Context

__all__ = ["SmaCross"]


class SmaCross(Strategy):
    """Long-only SMA crossover on bar closes: all cash in on a golden cross, all out on a death cross."""

    name: ClassVar[str] = "sma_cross"
    description: ClassVar[str] = "long-only SMA(fast)/SMA(slow) crossover on closes; market orders, all in / all out"
    params: ClassVar[dict[str, object]] = {"fast": 10, "slow": 30, "symbol": ""}

    def __init__(self, **overrides: object) -> None:
        super().__init__(**overrides)
        fast, slow = self.p.fast, self.p.slow
        if not 1 <= fast < slow:
            raise ConfigError(f"sma_cross: need 1 <= fast < slow, got fast={fast} slow={slow}")
        self._fast = fast
        self._slow = slow
        #: the last ``slow`` closes (ticks); slot ``n % slow`` holds close ``n`` (0 before it exists)
        self._ring = [0] * slow
        #: the slot of the next close, and how many times it wrapped: bars seen = wraps * slow + slot
        self._slot = 0
        self._wraps = 0
        self._fast_sum = 0
        self._slow_sum = 0
        #: sign of ``d`` at the previous bar (0 before the first bar)
        self._prev_sign = 0
        self._pending: str | None = None
        self._quote: dict[str, str] = {}
        #: bar ts (ns) -> "BUY"/"SELL" for every signal seen (for tests and reports)
        self.signals: list[tuple[int, str]] = []
        #: the only symbol traded in a several-symbol run (None: the run has one symbol)
        self._only: str | None = None

    def on_start(self, ctx: Context) -> None:
        """Check that the run has one symbol, or that ``symbol`` names one of them."""
        self._only = single_symbol(ctx, self.p.symbol, self.name)

    @property
    def warmup_bars(self) -> int:
        """Bars needed before the first possible order: ``slow + 1`` (reports use it to explain a run
        with no order)."""
        return self._slow + 1

    def on_bar(self, ctx: Context, bar: Bar) -> None:
        """Update the sums with ``bar.close`` (ticks) and act on a crossover.

        The hot path of the candle benchmark: a handful of integer operations per bar. The
        sign of ``d`` is tracked from the first bar on (partial sums included); a change of
        sign is a signal only from bar ``slow + 1`` on, when ``d`` and the previous ``d`` both
        exist, so the warm-up costs nothing per bar and a signal is the same as the definition.
        """
        if self._only is not None and bar.symbol != self._only:
            return
        followed = self.followed_signals
        if followed is not None:  # a candle backtest follows bar_signals(): act on this bar's signal
            signal = followed.get(bar.ts)
            if signal is not None:
                self._act(ctx, bar, signal)
            return
        close = bar.close
        ring = self._ring
        slot = self._slot
        fast = self._fast
        # ring[slot] is close[n - slow]; ring[slot - fast] (a negative index wraps) is close[n - fast]
        slow_sum = self._slow_sum = self._slow_sum + close - ring[slot]
        fast_sum = self._fast_sum = self._fast_sum + close - ring[slot - fast]
        ring[slot] = close
        slot += 1
        slow = self._slow
        if slot == slow:
            slot = 0
            self._wraps += 1
        self._slot = slot
        a = fast_sum * slow
        b = slow_sum * fast
        sign = (a > b) - (a < b)
        prev = self._prev_sign
        if sign == prev:
            return
        self._prev_sign = sign
        if self._wraps * slow + slot <= slow:
            return  # bars 1..slow: the SMAs or the previous d do not exist yet
        if sign != 0:  # sign != prev: a positive sign follows a prev <= 0 (BUY), a negative one a prev >= 0
            self._act(ctx, bar, sign)

    def _act(self, ctx: Context, bar: Bar, signal: int) -> None:
        if signal > 0:
            self.signals.append((bar.ts, "BUY"))
            self._buy(ctx, bar.symbol)
        else:
            self.signals.append((bar.ts, "SELL"))
            self._sell(ctx, bar.symbol)

    def bar_signals(self, series: Any) -> Sequence[int] | None:
        """The same signals as :meth:`on_bar`, for every bar at once: +1 BUY, -1 SELL, 0 none.

        Vectorized over ``series.close`` with exact int64 prefix sums (None, bar by bar instead,
        when the sums could overflow int64). Causal: bar ``i`` reads closes ``0..i`` only.
        """
        import numpy as np

        fast, slow = self._fast, self._slow
        n = len(series.close)
        close = np.asarray(series.close)
        if n == 0 or close.dtype.kind != "i" or int(close.max()) * max(n, slow) * slow >= 2**62:
            return None
        sums = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(close, out=sums[1:])
        seen = np.arange(1, n + 1)  # bars seen at bar i: i + 1
        fast_sum = sums[seen] - sums[np.maximum(seen - fast, 0)]
        slow_sum = sums[seen] - sums[np.maximum(seen - slow, 0)]
        sign = np.sign(fast_sum * slow - slow_sum * fast)
        prev = np.concatenate(([0], sign[:-1]))
        signal = np.where((sign != prev) & (seen > slow), sign, 0)
        return signal.astype(np.int8)

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
        match event:
            case OrderFilled(leaves=0) | OrderCanceled() | OrderRejected() | OrderDenied() | OrderExpired():
                self._pending = None
