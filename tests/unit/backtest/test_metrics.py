"""Metrics are exact where they can be and defined (0) where they cannot."""

from __future__ import annotations

import math
import statistics

import pytest

from jtrader.backtest.metrics import NS_PER_YEAR, bars_per_year, max_drawdown_pct, return_pct, sharpe

MINUTE_NS = 60 * 1_000_000_000


def test_return_pct_is_relative_to_the_initial_equity() -> None:
    assert return_pct(100, 110) == pytest.approx(10.0)
    assert return_pct(100, 50) == pytest.approx(-50.0)
    assert return_pct(0, 50) == 0.0


def test_max_drawdown_is_the_worst_fall_from_a_running_peak() -> None:
    assert max_drawdown_pct([100, 120, 90, 130, 117, 140]) == pytest.approx(25.0)
    assert max_drawdown_pct([100, 101, 102]) == 0.0
    assert max_drawdown_pct([]) == 0.0
    assert max_drawdown_pct([0, 0, 10, 5]) == pytest.approx(50.0)


def test_max_drawdown_picks_the_larger_ratio_not_the_larger_amount() -> None:
    # 1000 -> 900 loses 100 (10 %), 100 -> 50 would be 50 % but never happens below a higher peak
    assert max_drawdown_pct([10, 5, 1000, 900]) == pytest.approx(50.0)


def test_bars_per_year_follows_the_interval() -> None:
    assert bars_per_year(MINUTE_NS) == pytest.approx(525_600)
    assert bars_per_year(NS_PER_YEAR) == 1.0
    assert bars_per_year(0) == 0.0


def test_sharpe_matches_a_direct_computation() -> None:
    equity = [100, 101, 99, 102, 104, 103]
    returns = [b / a - 1 for a, b in zip(equity, equity[1:], strict=False)]
    expected = statistics.mean(returns) / statistics.stdev(returns) * math.sqrt(525_600)
    assert sharpe(equity, MINUTE_NS) == pytest.approx(expected, rel=1e-12)


def test_sharpe_handles_huge_atom_amounts() -> None:
    scale = 10**18
    assert sharpe([100 * scale, 101 * scale, 99 * scale, 102 * scale], MINUTE_NS) == pytest.approx(
        sharpe([100, 101, 99, 102], MINUTE_NS)
    )


@pytest.mark.parametrize(
    ("equity", "interval"),
    [([100, 101], MINUTE_NS), ([100, 100, 100, 100], MINUTE_NS), ([100, 0, 100], MINUTE_NS), ([1, 2, 3], 0)],
)
def test_sharpe_is_zero_when_undefined(equity: list[int], interval: int) -> None:
    assert sharpe(equity, interval) == 0.0
