"""The candle runner: stop orders of breakout fill as documented, no look-ahead, marking, round trips."""

from __future__ import annotations

from dataclasses import replace

import pytest

from jtrader.backtest.candles import CandleSeries
from jtrader.backtest.runner import count_round_trips, run_backtest
from jtrader.backtest.synthetic import random_walk
from jtrader.errors import ConfigError
from jtrader.model import Instrument, LiquiditySide, OrderFilled, Side, to_atoms
from jtrader.risk import RiskLimits, RiskManager
from jtrader.strategies import Breakout, SmaCross
from jtrader.trading import Strategy

INSTRUMENT = Instrument("BTC-USD", "BTC", "USD", price_tick="1", size_lot="0.001")
MIN_NS = 60 * 10**9
T0 = 1_700_000_000 * 10**9


def series_of(bars: list[tuple[int, int, int, int]], inst: Instrument = INSTRUMENT) -> CandleSeries:
    return CandleSeries(
        instrument=inst,
        start=[T0 + i * MIN_NS for i in range(len(bars))],
        open=[b[0] for b in bars],
        high=[b[1] for b in bars],
        low=[b[2] for b in bars],
        close=[b[3] for b in bars],
        volume=[1] * len(bars),
        interval_ns=MIN_NS,
        gaps=0,
        missing_bars=0,
    )


def bar_index(series: CandleSeries, fill: OrderFilled) -> int:
    return (fill.ts - series.interval_ns - series.start[0]) // series.interval_ns


BREAKOUT_BARS = [
    (100, 101, 99, 100),  # 0
    (100, 102, 99, 101),  # 1
    (101, 101, 100, 100),  # 2: channel high 102 -> buy stop at 103
    (100, 101, 99, 100),  # 3: no trigger, level unchanged
    (100, 105, 100, 104),  # 4: high 105 >= 103, opened below: fill at the stop, 103
    (104, 106, 103, 105),  # 5: exit channel low (bars 4-5) 100 -> sell stop at 99
    (97, 98, 95, 96),  # 6: opens below the stop: gap, fill at the open, 97
    (108, 110, 107, 109),  # 7: buy stop at 107 (high of bars 4-6 is 106), opened above: fill at 108
    (109, 109, 108, 108),  # 8
]


def test_breakout_stops_fill_at_the_stop_or_at_a_gapped_open() -> None:
    series = series_of(BREAKOUT_BARS)
    result = run_backtest(series, Breakout(entry=3, exit=2, allocation_pct=50), cash=to_atoms("10000"), fee_bps="0")
    fills = [(bar_index(series, f), f.side, f.price, f.liquidity) for f in result.fills]
    assert fills == [
        (4, Side.BUY, 103, LiquiditySide.TAKER),
        (6, Side.SELL, 97, LiquiditySide.TAKER),
        (7, Side.BUY, 108, LiquiditySide.TAKER),
    ]
    first = result.fills[0]
    assert first.size == 5000 * 1000 // 103  # 50 % of 10,000 USD at 103, in 0.001 lots
    assert result.fills[1].size == first.size
    assert result.round_trips == 1
    # the exit stop followed the channel: 98 after bar 4 (low of bars 3-4), replaced by 99 after bar 5
    assert result.run.cancels >= 1


def test_breakout_holds_nothing_before_its_channel_is_full() -> None:
    series = series_of(BREAKOUT_BARS[:3])
    result = run_backtest(series, Breakout(entry=5), cash=to_atoms("10000"))
    assert result.run.orders == 0 and result.fills == []


def test_breakout_rejects_bad_parameters() -> None:
    with pytest.raises(ConfigError, match="entry and exit"):
        Breakout(entry=0)
    with pytest.raises(ConfigError, match="allocation_pct"):
        Breakout(allocation_pct=101)


def test_an_open_position_at_the_end_is_marked_at_the_last_close_not_closed() -> None:
    class BuyFirst(Strategy):
        def on_bar(self, ctx, bar):  # type: ignore[no-untyped-def]
            if ctx.position(bar.symbol) == 0 and not ctx.open_orders():
                ctx.buy(bar.symbol, 10_000)  # 10 BTC

    series = series_of([(100, 100, 100, 100), (110, 120, 105, 115), (116, 130, 116, 125)])
    result = run_backtest(series, BuyFirst(), cash=to_atoms("5000"), fee_bps="0")
    assert [f.price for f in result.fills] == [110]
    assert result.position == 10_000
    assert result.cash == to_atoms("3900")
    assert result.final_equity == to_atoms("3900") + to_atoms("1250")
    assert result.equity == [to_atoms("5000"), to_atoms("3900") + to_atoms("1150"), result.final_equity]
    assert result.round_trips == 0


def test_close_fill_mode_fills_market_orders_at_the_signal_bars_close() -> None:
    series = random_walk(INSTRUMENT, 800, seed=3, first_price=10_000, step=50)
    series = replace(series, open=[min(o + 1, h) for o, h in zip(series.open, series.high, strict=True)])
    result = run_backtest(series, SmaCross(fast=4, slow=16), cash=to_atoms("1000"), fill="close")
    closes = {series.bar_ts(i): series.close[i] for i in range(len(series))}
    assert result.fills
    assert all(f.price == closes[f.ts] for f in result.fills)


def test_unknown_fill_mode_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="fill must be one of"):
        run_backtest(series_of(BREAKOUT_BARS), SmaCross(), cash=1, fill="vwap")


def test_sma_cross_parameters_are_checked() -> None:
    with pytest.raises(ConfigError, match="fast < slow"):
        SmaCross(fast=5, slow=5)


def fill(side: Side, size: int) -> OrderFilled:
    return OrderFilled(0, "o", "X", side, 1, size, LiquiditySide.TAKER, 0, "USD", 0, 0)


def test_round_trips_count_returns_to_flat_and_flips() -> None:
    assert count_round_trips([]) == 0
    assert count_round_trips([fill(Side.BUY, 5), fill(Side.SELL, 2), fill(Side.SELL, 3)]) == 1
    assert count_round_trips([fill(Side.BUY, 5), fill(Side.SELL, 8), fill(Side.BUY, 3)]) == 2
    assert count_round_trips([fill(Side.BUY, 5)]) == 0


@pytest.mark.parametrize("make", [lambda: SmaCross(fast=5, slow=20), lambda: Breakout(entry=10, exit=5)])
def test_no_look_ahead_changing_bars_after_t_leaves_decisions_before_t_unchanged(make) -> None:  # type: ignore[no-untyped-def]
    inst = Instrument("BTC-USD", "BTC", "USD")
    base = random_walk(inst, 1200, seed=11)
    other = random_walk(inst, 1200, seed=12, first_price=900_000)
    t = 600
    changed = replace(
        base,
        open=base.open[: t + 1] + other.open[t + 1 :],
        high=base.high[: t + 1] + other.high[t + 1 :],
        low=base.low[: t + 1] + other.low[t + 1 :],
        close=base.close[: t + 1] + other.close[t + 1 :],
    )
    a = run_backtest(base, make(), cash=to_atoms("100000"), risk=RiskManager(RiskLimits()))
    b = run_backtest(changed, make(), cash=to_atoms("100000"), risk=RiskManager(RiskLimits()))
    cutoff = base.bar_ts(t)

    def before(result):  # type: ignore[no-untyped-def]
        return [e for e in result.run.events if e.ts <= cutoff]

    assert before(a) and before(a) == before(b)
    assert a.equity[: t + 1] == b.equity[: t + 1]
    if isinstance(a.strategy, SmaCross):
        assert [s for s in a.strategy.signals if s[0] <= cutoff] == [s for s in b.strategy.signals if s[0] <= cutoff]
    assert a.final_equity != b.final_equity  # the change after t did matter
