"""The equity curve is rebuilt from the fill journal after the run: it must equal the portfolio bar by bar."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from jtrader.backtest.runner import equity_curve, run_backtest
from jtrader.backtest.synthetic import random_walk
from jtrader.errors import CandleDataError
from jtrader.model import Bar, Instrument, to_atoms
from jtrader.strategies import Breakout, SmaCross

INSTRUMENT = Instrument("BTC-USD", "BTC", "USD", price_tick="0.01", size_lot="0.0001")


class SmaWatching(SmaCross):
    """sma_cross that also reads the portfolio's equity at each bar's close, as an independent witness."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.seen: list[int] = []

    def on_bar(self, ctx, bar):  # type: ignore[no-untyped-def]
        super().on_bar(ctx, bar)
        self.seen.append(ctx.portfolio.equity("USD"))


class BreakoutWatching(Breakout):
    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.seen: list[int] = []

    def on_bar(self, ctx, bar):  # type: ignore[no-untyped-def]
        super().on_bar(ctx, bar)
        self.seen.append(ctx.portfolio.equity("USD"))


@pytest.mark.parametrize("fill", ["next-open", "close"])
@pytest.mark.parametrize("make", [lambda: SmaWatching(fast=3, slow=8), BreakoutWatching])
def test_the_equity_curve_equals_the_portfolio_equity_after_every_bar(fill: str, make: Any) -> None:
    series = random_walk(INSTRUMENT, 3_000, seed=11)
    strategy = make()
    result = run_backtest(series, strategy, cash=to_atoms("100000"), fee_bps="10", fill=fill)
    assert len(result.fills) > 20
    assert result.equity == strategy.seen
    assert result.equity[-1] == result.final_equity


def test_a_journal_entry_counts_from_its_bar_on_and_the_last_of_a_bar_wins() -> None:
    series = random_walk(INSTRUMENT, 6, seed=1)
    closes = series.close
    per_tick = INSTRUMENT.atoms_per_tick_lot
    journal = [(2, 500, 3), (2, 400, 4), (4, 900, 0)]
    assert equity_curve(series, journal, 1_000, 0) == [
        1_000,
        1_000,
        400 + 4 * per_tick * closes[2],
        400 + 4 * per_tick * closes[3],
        900,
        900,
    ]


def test_fills_after_the_last_bar_do_not_enter_the_curve() -> None:
    series = random_walk(INSTRUMENT, 3, seed=1)
    assert equity_curve(series, [(3, 0, 0)], 7, 0) == [7, 7, 7]


def test_a_run_with_no_fill_is_flat_at_the_cash() -> None:
    series = random_walk(INSTRUMENT, 50, seed=3)
    result = run_backtest(series, SmaCross(fast=10, slow=60), cash=to_atoms("100"))
    assert result.fills == []
    assert result.equity == [to_atoms("100")] * 50


def test_bars_are_built_from_the_columns_in_order() -> None:
    series = random_walk(INSTRUMENT, 4, seed=5)
    bars = list(series.bars())
    assert all(type(b) is Bar for b in bars)
    assert bars[1] == Bar(
        series.start[1] + series.interval_ns,
        "BTC-USD",
        series.open[1],
        series.high[1],
        series.low[1],
        series.close[1],
        series.volume[1],
        series.start[1],
    )


def test_columns_of_unequal_lengths_are_refused_before_any_bar() -> None:
    series = random_walk(INSTRUMENT, 4, seed=5)
    broken = replace(series, close=series.close[:3])
    with pytest.raises(CandleDataError, match="unequal lengths"):
        broken.bars()
