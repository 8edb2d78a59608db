"""A strategy that declares its signals runs the same backtest, bar for bar, as it does bar by bar.

With :meth:`Strategy.bar_signals`, the candle backtest skips the bars between two signals while
nothing is in flight or open (:class:`~jtrader.backtest.runner.SkippingBars`). Each test runs the
same strategy both ways through the one engine and compares everything a run produces: every
event, the equity after every bar, the counters and the summary. A strategy that looks ahead is
refused.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from jtrader.backtest.candles import CandleSeries
from jtrader.backtest.report import summarize
from jtrader.backtest.runner import BacktestResult, declared_signals, run_backtest
from jtrader.backtest.synthetic import random_walk
from jtrader.errors import StrategyError
from jtrader.model import Bar, Instrument, to_atoms
from jtrader.strategies import SmaCross
from jtrader.trading import Context, Strategy

INSTRUMENT = Instrument("BTC-USD", "BTC", "USD", price_tick="0.01", size_lot="0.0001")
SERIES = random_walk(INSTRUMENT, 6_000, seed=23)


class SmaBarByBar(SmaCross):
    """sma_cross without declared signals: the engine calls ``on_bar`` on every bar."""

    def bar_signals(self, series: Any) -> None:
        return None


class SmaCounting(SmaCross):
    """sma_cross with its declared signals, counting the bars that reach ``on_bar``."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.calls = 0

    def bar_signals(self, series: Any) -> Any:
        return super().bar_signals(series)

    def on_bar(self, ctx: Context, bar: Bar) -> None:
        self.calls += 1
        super().on_bar(ctx, bar)


def everything(result: BacktestResult) -> dict[str, Any]:
    """What a run produced, without the wall time."""
    run = result.run
    summary = summarize(result, "sma_cross", 0.0)
    return {
        "events": run.events,
        "equity": result.equity,
        "counters": (run.bars, run.messages, run.late, run.unknown, run.start_ts, run.end_ts, run.trading_state),
        "final": (result.final_equity, result.cash, result.position, result.fees, result.fills_over_volume),
        "summary": summary,
    }


@pytest.mark.parametrize("fill", ["next-open", "close"])
@pytest.mark.parametrize(("fast", "slow"), [(10, 30), (3, 8), (2, 3), (5, 20), (20, 100)])
def test_sma_cross_with_its_declared_signals_gives_the_bar_by_bar_run(fill: str, fast: int, slow: int) -> None:
    declared = SmaCounting(fast=fast, slow=slow)
    bar_by_bar = SmaBarByBar(fast=fast, slow=slow)
    a = run_backtest(SERIES, declared, cash=to_atoms("100000"), fee_bps="10", fill=fill)
    b = run_backtest(SERIES, bar_by_bar, cash=to_atoms("100000"), fee_bps="10", fill=fill)
    assert len(b.fills) > 40
    assert everything(a) == everything(b)
    assert declared.signals == bar_by_bar.signals
    # bars were really skipped: a signal bar and the bar its market order fills on, the first and last
    assert declared.followed_signals is not None
    assert declared.calls <= 2 * len(declared.followed_signals) + 2 < len(SERIES)


@pytest.mark.parametrize("fill", ["next-open", "close"])
def test_orders_filled_over_many_bars_under_a_volume_cap_give_the_bar_by_bar_run(fill: str) -> None:
    declared, bar_by_bar = SmaCounting(fast=10, slow=30), SmaBarByBar(fast=10, slow=30)
    a = run_backtest(SERIES, declared, cash=to_atoms("100000"), fee_bps="10", fill=fill, volume_cap="50")
    b = run_backtest(SERIES, bar_by_bar, cash=to_atoms("100000"), fee_bps="10", fill=fill, volume_cap="50")
    assert b.fills_over_volume == 0 and len(b.fills) > 500  # each order filled in many slices
    assert everything(a) == everything(b)
    assert len(SERIES) // 2 < declared.calls < len(SERIES)  # a bar is processed while its order fills


def test_the_declared_signals_are_the_bar_by_bar_signals_on_every_bar() -> None:
    strategy = SmaCross(fast=7, slow=19)
    signals = np.asarray(strategy.bar_signals(SERIES))
    by_bar = SmaBarByBar(fast=7, slow=19)
    run_backtest(SERIES, by_bar, cash=to_atoms("100000"))
    expected = np.zeros(len(SERIES), dtype=np.int8)
    index = {SERIES.bar_ts(i): i for i in range(len(SERIES))}
    for ts, side in by_bar.signals:
        expected[index[ts]] = 1 if side == "BUY" else -1
    assert np.array_equal(signals, expected)


class DipBuyer(Strategy):
    """A limit buy below the close every 97 bars that rests for a while; out at market 50 bars later.

    Bar by bar it counts bars; with declared signals it acts on them. Orders rest across many
    bars, so the backtest must process every bar while one is open.
    """

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.n = -1
        self.calls = 0

    def bar_signals(self, series: Any) -> Any:
        i = np.arange(len(series))
        return np.where(i % 97 == 0, 1, np.where(i % 97 == 50, -1, 0))

    def on_bar(self, ctx: Context, bar: Bar) -> None:
        self.calls += 1
        if self.followed_signals is not None:
            signal = self.followed_signals.get(bar.ts, 0)
        else:
            self.n += 1
            signal = 1 if self.n % 97 == 0 else -1 if self.n % 97 == 50 else 0
        if signal > 0:
            ctx.buy(bar.symbol, 1_000, bar.close - 300)
        elif signal < 0:
            ctx.cancel_all(bar.symbol)
            position = ctx.position(bar.symbol)
            if position > 0:
                ctx.sell(bar.symbol, position)


class DipBuyerBarByBar(DipBuyer):
    def bar_signals(self, series: Any) -> None:
        return None


@pytest.mark.parametrize("fill", ["next-open", "close"])
def test_resting_orders_keep_every_bar_processed_and_the_run_is_the_same(fill: str) -> None:
    declared, bar_by_bar = DipBuyer(), DipBuyerBarByBar()
    a = run_backtest(SERIES, declared, cash=to_atoms("100000"), fee_bps="10", fill=fill)
    b = run_backtest(SERIES, bar_by_bar, cash=to_atoms("100000"), fee_bps="10", fill=fill)
    assert len(a.fills) > 20  # dips were bought, positions sold
    assert any(type(ev).__name__ == "OrderCanceled" for ev in a.run.events)  # some never filled
    assert everything(a) == everything(b)
    assert declared.calls < len(SERIES)  # skipped while flat with nothing open ...
    assert declared.calls > len(SERIES) // 97 * 2  # ... but not while an order rested


class LooksAhead(SmaCross):
    """Signals on tomorrow's close: a look-ahead the backtest must refuse."""

    def bar_signals(self, series: Any) -> Any:
        close = np.asarray(series.close)
        up = np.zeros(len(close), dtype=np.int8)
        up[:-1] = np.sign(close[1:] - close[:-1])
        return up


class WrongLength(SmaCross):
    def bar_signals(self, series: Any) -> Any:
        return [0] * (len(series) - 1)


def test_signals_that_look_ahead_are_refused_before_the_run() -> None:
    with pytest.raises(StrategyError, match="looks ahead") as caught:
        run_backtest(SERIES, LooksAhead(), cash=to_atoms("100000"))
    assert caught.value.callback == "bar_signals" and caught.value.symbol == "BTC-USD"


def test_signals_of_the_wrong_length_are_refused() -> None:
    with pytest.raises(StrategyError, match=r"one int per bar \(6000\)"):
        run_backtest(SERIES, WrongLength(), cash=to_atoms("100000"))


class Witness(SmaCross):
    """Overrides on_bar only: its extra per-bar work is not covered by sma_cross's signals."""

    def on_bar(self, ctx: Context, bar: Bar) -> None:
        super().on_bar(ctx, bar)


def test_a_subclass_with_its_own_on_bar_runs_bar_by_bar() -> None:
    assert declared_signals(Witness(), SERIES) is None
    assert declared_signals(SmaCounting(), SERIES) is not None


def test_sma_cross_falls_back_to_bar_by_bar_when_int64_sums_could_overflow() -> None:
    n = 50
    huge = [2**58 + i for i in range(n)]
    series = CandleSeries(
        instrument=INSTRUMENT,
        start=[i * 60 for i in range(n)],
        open=huge,
        high=huge,
        low=huge,
        close=huge,
        volume=[1] * n,
        interval_ns=60,
        gaps=0,
        missing_bars=0,
    )
    assert SmaCross().bar_signals(series) is None
    assert SmaCross().bar_signals(SERIES) is not None


def test_a_prefix_of_a_series_keeps_its_bars_and_recounts_its_gaps() -> None:
    series = CandleSeries(
        instrument=INSTRUMENT,
        start=[0, 60, 240, 300, 600],
        open=[1] * 5,
        high=[1] * 5,
        low=[1] * 5,
        close=[1, 2, 3, 4, 5],
        volume=[1] * 5,
        interval_ns=60,
        gaps=2,
        missing_bars=6,
    )
    head = series.head(4)
    assert (head.close, head.start, head.gaps, head.missing_bars) == ([1, 2, 3, 4], [0, 60, 240, 300], 1, 2)


def test_one_bar_by_position_is_the_bar_the_iterator_gives() -> None:
    assert [SERIES.bar(i) for i in range(len(SERIES))] == list(SERIES.bars())
