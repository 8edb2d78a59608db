"""The vectorized metrics give exactly the floats of the per-point definitions.

The reference functions below are the metrics as they were written before vectorization (a loop
over Python ints, ``math.fsum`` over lists); results are compared bit for bit (``repr`` tells
``-0.0`` from ``0.0``).
"""

from __future__ import annotations

import math
import struct

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jtrader.backtest.metrics import exact_sum, max_drawdown_pct, sharpe
from jtrader.backtest.synthetic import random_walk
from jtrader.model import Instrument

MINUTE_NS = 60 * 1_000_000_000
ATOMS = 10**18


def reference_max_drawdown_pct(equity: list[int]) -> float:
    peak = 0
    worst_drop, worst_peak = 0, 1
    for value in equity:
        if value > peak:
            peak = value
            continue
        if peak > 0:
            drop = peak - value
            if drop * worst_peak > worst_drop * peak:
                worst_drop, worst_peak = drop, peak
    return worst_drop * 100 / worst_peak


def reference_sharpe(equity: list[int], interval_ns: int) -> float:
    if len(equity) < 3 or interval_ns <= 0 or min(equity) <= 0:
        return 0.0
    values = np.array([float(v) for v in equity], dtype=np.float64)
    returns = values[1:] / values[:-1] - 1.0
    n = returns.size
    mean = math.fsum(returns.tolist()) / n
    deviations = returns - mean
    variance = math.fsum((deviations * deviations).tolist()) / (n - 1)
    if variance <= 0.0:
        return 0.0
    return mean / math.sqrt(variance) * math.sqrt(365 * 86_400 * 1_000_000_000 / interval_ns)


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


atoms = st.one_of(
    st.integers(-(10**6), 10**6),
    st.integers(10**22, 10**24),
    st.integers(-(10**30), 10**30),
    st.sampled_from([0, 1, -1, 2**53, 2**53 + 1, 2**63, 10**23, 10**23 + 1, 10**23 - 1]),
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(atoms, max_size=60))
def test_max_drawdown_equals_the_per_point_loop_bit_for_bit(equity: list[int]) -> None:
    assert bits(max_drawdown_pct(equity)) == bits(reference_max_drawdown_pct(equity))


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(10**22, 10**24), st.lists(st.integers(-(10**6), 10**6), min_size=1, max_size=80))
def test_max_drawdown_on_near_ties_beyond_float_precision_is_exact(base: int, moves: list[int]) -> None:
    # equity values that differ below float64's resolution: only the exact step can rank them
    equity = [base]
    for move in moves:
        equity.append(equity[-1] + move)
    assert bits(max_drawdown_pct(equity)) == bits(reference_max_drawdown_pct(equity))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(1, 10**25), max_size=60), st.sampled_from([0, -5, 1, MINUTE_NS, 86_400 * 10**9]))
def test_sharpe_equals_the_fsum_definition_bit_for_bit(equity: list[int], interval: int) -> None:
    assert bits(sharpe(equity, interval)) == bits(reference_sharpe(equity, interval))


def test_sharpe_with_a_non_positive_point_is_zero_like_the_definition() -> None:
    for equity in ([5, 0, 7, 8], [5, -1, 7, 8], [10**23, 10**23, 10**23]):
        assert bits(sharpe(equity, MINUTE_NS)) == bits(reference_sharpe(equity, MINUTE_NS))


floats = st.floats(allow_nan=False, allow_infinity=False)


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(floats, st.floats(-1e-3, 1e-3), st.sampled_from([0.0, -0.0, 5e-324, 1e308])), max_size=50))
def test_exact_sum_equals_fsum_bit_for_bit(values: list[float]) -> None:
    array = np.array(values, dtype=np.float64)
    try:
        expected = math.fsum(values)
    except OverflowError:
        try:
            exact_sum(array)
        except OverflowError:
            return
        raise AssertionError("fsum overflowed, exact_sum did not") from None
    assert bits(exact_sum(array)) == bits(expected)


def test_exact_sum_handles_non_finite_values_like_fsum() -> None:
    assert math.isnan(exact_sum(np.array([1.0, math.nan])))
    assert exact_sum(np.array([1.0, math.inf])) == math.inf
    assert bits(exact_sum(np.array([-0.0, -0.0]))) == bits(math.fsum([-0.0, -0.0]))
    assert exact_sum(np.array([])) == 0.0
    assert exact_sum(np.array([1e-300, -1e-300, 5e-324])) == 5e-324


def test_a_million_point_backtest_curve_gives_the_same_metrics() -> None:
    inst = Instrument("BTC-USD", "BTC", "USD", price_tick="0.01", size_lot="0.00000001")
    closes = random_walk(inst, 200_000, seed=5).close
    rng = np.random.default_rng(1)
    cash = 10**23
    equity = [
        cash + int(p) * 37 * 10**9 * int(k) for p, k in zip(closes, rng.integers(0, 3, size=len(closes)), strict=True)
    ]
    assert bits(max_drawdown_pct(equity)) == bits(reference_max_drawdown_pct(equity))
    assert bits(sharpe(equity, MINUTE_NS)) == bits(reference_sharpe(equity, MINUTE_NS))


def test_max_drawdown_where_a_float_ranking_alone_would_pick_the_wrong_point() -> None:
    # found by search: the float quotients of these two drawdowns rank them the wrong way round
    cases = [
        [
            26220124264559331747535951,
            13110062132279666781317867,
            26220125350996399365812760,
            13110062675498200650590815,
        ],
        [
            20000369459103058354492976,
            10000184729551529537809025,
            20000370032876828000372292,
            10000185016438415256209879,
        ],
        [10422215198844335987929951, 5211107599422167481734856, 10422215569313559500579507, 5211107784656779509564325],
    ]
    for equity in cases:
        assert bits(max_drawdown_pct(equity)) == bits(reference_max_drawdown_pct(equity))
