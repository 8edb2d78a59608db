"""Performance metrics: pure functions of an equity curve (quote atoms per bar).

Money stays in integer atoms until the very end; the ratios below are floats because they are
statistics for display, not amounts. Same input -> same float, bit for bit (no parallel sums).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = ["NS_PER_YEAR", "bars_per_year", "max_drawdown_pct", "return_pct", "sharpe"]

#: 365 days of 86,400 s: crypto trades every day of the year
NS_PER_YEAR = 365 * 86_400 * 1_000_000_000


def return_pct(initial: int, final: int) -> float:
    """``(final - initial) / initial * 100``; 0.0 when ``initial`` is not positive. Atoms in, percent out."""
    if initial <= 0:
        return 0.0
    return (final - initial) * 100 / initial


def max_drawdown_pct(equity: Sequence[int]) -> float:
    """Largest peak-to-trough fall of ``equity`` (atoms), in percent of the peak (a positive number).

    The worst ratio is chosen exactly (integer cross-multiplication) and converted to float once.
    Points where the running peak is not positive are skipped (a drawdown from 0 is undefined).
    """
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


def bars_per_year(interval_ns: int) -> float:
    """How many bars of ``interval_ns`` fit in a 365-day year (0.0 for a non-positive interval)."""
    return NS_PER_YEAR / interval_ns if interval_ns > 0 else 0.0


def sharpe(equity: Sequence[int], interval_ns: int) -> float:
    """Annualized Sharpe ratio of per-bar equity returns, risk-free rate 0.

    ``r_i = equity[i] / equity[i-1] - 1`` for every bar after the first; the ratio is
    ``mean(r) / stdev(r) * sqrt(bars_per_year(interval_ns))`` with the sample standard
    deviation (n - 1). ``interval_ns`` is the median bar interval. Returns 0.0 when it is
    undefined: fewer than two returns, zero deviation, a non-positive equity or interval.
    """
    if len(equity) < 3 or interval_ns <= 0:
        return 0.0
    if min(equity) <= 0:
        return 0.0
    import numpy as np

    values = np.array([float(v) for v in equity], dtype=np.float64)
    returns = values[1:] / values[:-1] - 1.0
    n = returns.size
    mean = math.fsum(returns.tolist()) / n
    deviations = returns - mean
    variance = math.fsum((deviations * deviations).tolist()) / (n - 1)
    if variance <= 0.0:
        return 0.0
    return mean / math.sqrt(variance) * math.sqrt(bars_per_year(interval_ns))
