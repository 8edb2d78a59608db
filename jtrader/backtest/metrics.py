"""Performance metrics: pure functions of an equity curve (quote atoms per bar).

Money stays in integer atoms until the very end; the ratios below are floats because they are
statistics for display, not amounts. Same input -> same float, bit for bit (no parallel sums).

The curves are long (one point per bar, a million for a year of minutes) and atoms overflow
int64 (100,000 USD is 10**23 atoms), so the work is vectorized without giving up exactness:
the drawdown takes its candidates from float64 and decides between them with Python ints, and
the sums of the Sharpe ratio are exactly rounded (:func:`exact_sum`, equal to ``math.fsum``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

__all__ = ["NS_PER_YEAR", "bars_per_year", "exact_sum", "max_drawdown_pct", "return_pct", "sharpe"]

#: 365 days of 86,400 s: crypto trades every day of the year
NS_PER_YEAR = 365 * 86_400 * 1_000_000_000

#: float64 quotients within this (relative) distance of the least are re-checked exactly; the
#: float error of ``value / peak`` is a few units of 2**-53, relatively (see ``max_drawdown_pct``)
_RATIO_SLACK = 1e-12
#: mantissa halves for :func:`exact_sum` (27 bits with the sign): 2**25 terms of them sum exactly
#: in a float64 accumulator (below 2**53)
_HALF_BITS = 26
_MAX_TERMS = 2**25
_SMALLEST_NORMAL = 2.2250738585072014e-308


def return_pct(initial: int, final: int) -> float:
    """``(final - initial) / initial * 100``; 0.0 when ``initial`` is not positive. Atoms in, percent out."""
    if initial <= 0:
        return 0.0
    return (final - initial) * 100 / initial


def max_drawdown_pct(equity: Sequence[int]) -> float:
    """Largest peak-to-trough fall of ``equity`` (atoms), in percent of the peak (a positive number).

    The running peak starts at 0; points where it is not positive are skipped (a drawdown from 0
    is undefined). The worst ratio ``(peak - value) / peak`` is chosen exactly and converted to
    float once, as ``drop * 100 / peak`` of Python ints.

    Vectorized: the running peak is an exact ``maximum.accumulate`` over the ints (numpy object
    array); the ratios are first computed in float64, where each is within a few units of
    ``2**-53`` (relative) of the exact one because rounding is monotone (the float of the peak is
    the peak of the floats). Every point within ``1e-9`` of the best float ratio is then compared
    exactly by integer cross-multiplication, so the result equals the per-point definition.
    """
    import numpy as np

    values = np.array(equity, dtype=object)
    if values.size == 0:
        return 0.0
    floats = values.astype(np.float64)
    float_peaks = np.maximum.accumulate(np.maximum(floats, 0.0))
    defined = float_peaks > 0
    if not defined.any():
        return 0.0
    # the worst drop is the smallest value / peak; a float quotient is within 2**-52 of it, relatively
    with np.errstate(invalid="ignore", divide="ignore"):
        quotients = np.where(defined, floats / float_peaks, np.inf)
    least = float(quotients.min())
    candidates = np.flatnonzero(quotients <= least + _RATIO_SLACK * abs(least))
    peaks = np.maximum(np.maximum.accumulate(values[: int(candidates[-1]) + 1]), 0)
    worst_drop, worst_peak = 0, 1
    for peak, value in zip(peaks[candidates].tolist(), values[candidates].tolist(), strict=True):
        drop = peak - value
        if drop * worst_peak > worst_drop * peak:
            worst_drop, worst_peak = drop, peak
    return worst_drop * 100 / worst_peak


def bars_per_year(interval_ns: int) -> float:
    """How many bars of ``interval_ns`` fit in a 365-day year (0.0 for a non-positive interval)."""
    return NS_PER_YEAR / interval_ns if interval_ns > 0 else 0.0


def sharpe(equity: Sequence[int], interval_ns: int) -> float:
    """Annualized Sharpe ratio of per-bar equity returns, risk-free rate 0.

    ``r_i = equity[i] / equity[i-1] - 1`` for every bar after the first (in float64); the ratio is
    ``mean(r) / stdev(r) * sqrt(bars_per_year(interval_ns))`` with the sample standard
    deviation (n - 1) and exactly rounded sums. ``interval_ns`` is the median bar interval.
    Returns 0.0 when it is undefined: fewer than two returns, zero deviation, a non-positive
    equity or interval.
    """
    if len(equity) < 3 or interval_ns <= 0:
        return 0.0
    import numpy as np

    values = np.array(equity, dtype=object).astype(np.float64)
    if values.min() <= 0:  # the float of an int is <= 0 exactly when the int is
        return 0.0
    returns = values[1:] / values[:-1] - 1.0
    n = returns.size
    mean = exact_sum(returns) / n
    deviations = returns - mean
    variance = exact_sum(deviations * deviations) / (n - 1)
    if variance <= 0.0:
        return 0.0
    return mean / math.sqrt(variance) * math.sqrt(bars_per_year(interval_ns))


def exact_sum(values: Any) -> float:
    """The exactly rounded sum of a float64 array: the same float as ``math.fsum(values.tolist())``.

    Each finite float is ``M * 2**E`` with an integer mantissa ``|M| < 2**53``; the mantissas are
    split in two halves and summed per exponent (exactly, below ``2**25`` terms), the few
    per-exponent sums are combined as one Python int ``N`` and ``N * 2**Emin`` is rounded once.
    A zero sum, non-finite values, and results that are subnormal or out of range go to
    ``math.fsum`` itself (same result, same exceptions).
    """
    import numpy as np

    x = np.asarray(values, dtype=np.float64)
    if x.size == 0 or x.size >= _MAX_TERMS or not np.isfinite(x).all():
        return math.fsum(x.tolist())
    fractions, exponents = np.frexp(x)
    mantissas = np.ldexp(fractions, 53).astype(np.int64)  # exact: |fraction| < 1, 53 bits
    exponents = exponents.astype(np.int64)
    lowest = int(exponents.min())
    bins = exponents - lowest
    # per-exponent sums of the two mantissa halves: whole numbers below 2**53, so bincount's float64
    # accumulator adds them exactly
    high = np.bincount(bins, weights=(mantissas >> _HALF_BITS).astype(np.float64))
    low = np.bincount(bins, weights=(mantissas & ((1 << _HALF_BITS) - 1)).astype(np.float64))
    total = 0
    for shift in np.flatnonzero((high != 0) | (low != 0)).tolist():
        total += ((int(high[shift]) << _HALF_BITS) + int(low[shift])) << shift
    lowest -= 53
    if total == 0:
        return math.fsum(x.tolist())  # the sign of a zero sum follows fsum's rules
    try:
        result = math.ldexp(float(total), lowest)  # float(int) rounds once; the scaling is exact
    except OverflowError:
        return math.fsum(x.tolist())
    if not _SMALLEST_NORMAL <= abs(result) < math.inf:
        return math.fsum(x.tolist())
    return result
