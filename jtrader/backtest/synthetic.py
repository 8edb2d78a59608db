"""Seeded synthetic candles for tests, benchmarks and demos (a random walk on integer ticks).

Same ``(n, seed, ...)`` -> the same candles on every machine (numpy's PCG64 integer stream).
"""

from __future__ import annotations

from jtrader.backtest.candles import CandleSeries
from jtrader.model import NS_PER_S, Instrument

__all__ = ["random_walk"]


def random_walk(
    instrument: Instrument,
    n: int,
    seed: int = 0,
    *,
    start_ns: int = 1_700_000_000 * NS_PER_S,
    interval_ns: int = 60 * NS_PER_S,
    first_price: int = 1_000_000,
    step: int = 500,
) -> CandleSeries:
    """``n`` bars of a random walk: each close moves up to ``step`` ticks from the last one.

    The open is the previous close; high and low reach up to ``step // 2`` ticks beyond the
    body; prices never go below 1 tick. Volumes are 1..1000 lots.
    """
    import numpy as np

    if n < 2:
        raise ValueError("a random walk needs at least 2 bars")
    rng = np.random.default_rng(seed)
    moves = rng.integers(-step, step + 1, size=n)
    close = np.maximum(first_price + np.cumsum(moves), 1 + step)
    open_ = np.empty(n, dtype=np.int64)
    open_[0] = first_price
    open_[1:] = close[:-1]
    wick = max(1, step // 2)
    high = np.maximum(open_, close) + rng.integers(0, wick, size=n)
    low = np.maximum(np.minimum(open_, close) - rng.integers(0, wick, size=n), 1)
    volume = rng.integers(1, 1001, size=n)
    starts = start_ns + interval_ns * np.arange(n, dtype=np.int64)
    return CandleSeries(
        instrument=instrument,
        start=starts.tolist(),
        open=open_.tolist(),
        high=high.tolist(),
        low=low.tolist(),
        close=close.tolist(),
        volume=volume.tolist(),
        interval_ns=interval_ns,
        gaps=0,
        missing_bars=0,
    )
