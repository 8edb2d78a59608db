"""sma_cross signals equal a naive recomputation of the definition at every bar (warm-up included)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from jtrader.backtest.runner import run_backtest
from jtrader.backtest.synthetic import random_walk
from jtrader.errors import ConfigError
from jtrader.model import Instrument, to_atoms
from jtrader.strategies import SmaCross

INSTRUMENT = Instrument("BTC-USD", "BTC", "USD", price_tick="0.01", size_lot="0.0001")


def naive_signals(ts: list[int], closes: list[int], fast: int, slow: int) -> list[tuple[int, str]]:
    """Signals straight from the definition: SMAs as fractions, recomputed from scratch each bar."""
    out = []
    previous = None
    for i in range(len(closes)):
        if i + 1 < slow:
            continue
        d = Fraction(sum(closes[i + 1 - fast : i + 1]), fast) - Fraction(sum(closes[i + 1 - slow : i + 1]), slow)
        if previous is not None:
            if d > 0 >= previous:
                out.append((ts[i], "BUY"))
            elif d < 0 <= previous:
                out.append((ts[i], "SELL"))
        previous = d
    return out


@pytest.mark.parametrize(("fast", "slow"), [(1, 2), (2, 3), (3, 8), (10, 30), (7, 50)])
def test_signals_match_the_definition_from_the_first_possible_bar(fast: int, slow: int) -> None:
    series = random_walk(INSTRUMENT, 2_000, seed=fast * 100 + slow, step=3)  # small steps: ties (d == 0) happen
    strategy = SmaCross(fast=fast, slow=slow)
    run_backtest(series, strategy, cash=to_atoms("1000"))
    ts = [s + series.interval_ns for s in series.start]
    expected = naive_signals(ts, series.close, fast, slow)
    assert len(expected) > 20
    assert strategy.signals == expected


def test_no_signal_before_bar_slow_plus_one_even_when_the_partial_sums_cross() -> None:
    series = random_walk(INSTRUMENT, 40, seed=3)
    strategy = SmaCross(fast=2, slow=30)
    run_backtest(series, strategy, cash=to_atoms("1000"))
    first_possible = series.start[30] + series.interval_ns  # bar 31 (1-based)
    assert all(ts >= first_possible for ts, _ in strategy.signals)


@pytest.mark.parametrize(("fast", "slow"), [(0, 5), (5, 5), (6, 5)])
def test_fast_must_be_positive_and_shorter_than_slow(fast: int, slow: int) -> None:
    with pytest.raises(ConfigError, match="need 1 <= fast < slow"):
        SmaCross(fast=fast, slow=slow)
