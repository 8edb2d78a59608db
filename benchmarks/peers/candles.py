"""The same seeded candles and the same rule in jtrader and its peers, with an agreement check.

**Data**: :func:`jtrader.backtest.synthetic.random_walk` (seeded, integer ticks of 0.01; lot
0.00000001). The peers get the prices *in ticks* as floats (1,000,000.0 for 10,000.00): their
rolling sums of whole numbers below 2**53 are then exact, so every library sees the sign of
``SMA(fast) - SMA(slow)`` exactly as jtrader's integer arithmetic does (money is relative:
cash and equity are in ticks too and compared relatively).

**Rule** (``sma_cross``): buy with all the cash when ``d = SMA(fast) - SMA(slow)`` turns
positive (``d[i] > 0`` and ``d[i-1] <= 0``) while flat; sell everything when it turns negative
(``d[i] < 0`` and ``d[i-1] >= 0``) while long. Signals from bar ``slow + 1`` on; orders fill at
the next bar's open; 1 bps fee on every fill (see ``FEE_BPS``); sizes floored to 0.00000001; an open position at
the end is marked at the last close. Each peer computes its own moving averages.

**Agreement**: the same number of round trips and the same final equity to 1e-6 relative
(the peers use floats: their rounding of sizes and fees may differ by a lot now and then).

Nothing from jtrader is imported at module level, so a peer's process (``run_peer.py``) pays
only for its own library.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

#: 1 bps per fill. With 10 bps the rule pays ~0.2% a round trip and is left with a millionth of its
#: cash after the ~19,000 round trips of a million bars; a float library's final equity is then
#: rounding noise relative to what is left, and no 1e-6 agreement can be checked.
FEE_BPS = "1"
FEE = 0.0001
LOT = 1e-8
CASH_USD = 100_000
#: ticks per USD: the peers' prices and cash are in ticks
TICKS = 100
SEED = 42
RELATIVE_TOLERANCE = 1e-6


@dataclass(frozen=True, slots=True)
class Outcome:
    """What every library must agree on: round trips and final equity (USD)."""

    library: str
    round_trips: int
    final_equity: float

    def agrees_with(self, other: Outcome) -> bool:
        """Same round trips and final equity within 1e-6 relative."""
        return self.round_trips == other.round_trips and math.isclose(
            self.final_equity, other.final_equity, rel_tol=RELATIVE_TOLERANCE
        )


def seeded_series(n: int, seed: int = SEED) -> Any:
    """The seeded candles every library runs on (a jtrader ``CandleSeries``: tick 0.01, lot 1e-8)."""
    from jtrader.backtest.synthetic import random_walk
    from jtrader.model import Instrument

    instrument = Instrument("BTC-USD", "BTC", "USD", price_tick="0.01", size_lot="0.00000001")
    return random_walk(instrument, n, seed=seed)


def tick_frame(series: Any) -> Any:
    """The candles as a pandas DataFrame of float ticks with a UTC DatetimeIndex (peers' input)."""
    import pandas as pd

    index = pd.to_datetime(np.asarray(series.start), unit="ns", utc=True)
    return pd.DataFrame(
        {
            "Open": np.asarray(series.open, dtype=np.float64),
            "High": np.asarray(series.high, dtype=np.float64),
            "Low": np.asarray(series.low, dtype=np.float64),
            "Close": np.asarray(series.close, dtype=np.float64),
            "Volume": np.asarray(series.volume, dtype=np.float64),
        },
        index=index,
    )


def write_parquet(series: Any, path: Any) -> None:
    """The candles as a jtrader-readable Parquet file (prices in USD, like a user's file)."""
    import polars as pl

    pl.DataFrame(
        {
            "timestamp": pl.Series(series.start).cast(pl.Datetime("ns", "UTC")),
            "open": np.asarray(series.open) / TICKS,
            "high": np.asarray(series.high) / TICKS,
            "low": np.asarray(series.low) / TICKS,
            "close": np.asarray(series.close) / TICKS,
            "volume": np.asarray(series.volume) * LOT,
        }
    ).write_parquet(path)


def read_tick_frame(path: Any) -> Any:
    """A Parquet file written by :func:`write_parquet`, back as the peers' float-tick frame.

    Read with polars (pandas needs pyarrow for Parquet, which is not installed here; polars is
    the faster reader anyway, so this favours the peers).
    """
    import pandas as pd
    import polars as pl

    frame = pl.read_parquet(path)
    index = pd.to_datetime(frame.get_column("timestamp").dt.epoch("ns").to_numpy(), unit="ns", utc=True)
    out = pd.DataFrame(index=index)
    for name in ("open", "high", "low", "close"):
        out[name.capitalize()] = np.rint(frame.get_column(name).to_numpy() * TICKS)
    out["Volume"] = frame.get_column("volume").to_numpy() / LOT
    return out


# -- jtrader -----------------------------------------------------------------------------------------
def run_jtrader(series: Any, fast: int = 10, slow: int = 30) -> Outcome:
    """jtrader's engine, risk manager and simulator (what ``jtrader backtest`` runs)."""
    from jtrader.backtest.runner import run_backtest
    from jtrader.model import to_atoms
    from jtrader.strategies import SmaCross

    result = run_backtest(series, SmaCross(fast=fast, slow=slow), cash=to_atoms(str(CASH_USD)), fee_bps=FEE_BPS)
    return Outcome("jtrader", result.round_trips, result.final_equity / 10**18)


# -- backtesting.py ----------------------------------------------------------------------------------
def run_backtesting(frame: Any, fast: int = 10, slow: int = 30) -> Outcome:
    """backtesting.py 0.6: ``FractionalBacktest`` in satoshis, market orders at the next open."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pandas as pd
        from backtesting import Strategy
        from backtesting.lib import FractionalBacktest

        def sma(values: Any, window: int) -> Any:
            # FractionalBacktest hands the strategy prices times 1e-8 (no longer whole numbers, so
            # rolling sums are inexact and an exact tie of the SMAs can come out as -1e-20): back
            # to whole ticks first, as every other library here sees them
            ticks = np.rint(np.asarray(values, dtype=np.float64) / LOT)
            return pd.Series(ticks).rolling(window).mean().to_numpy()

        class SmaRule(Strategy):
            def init(self) -> None:
                self.fast_ma = self.I(sma, self.data.Close, fast)
                self.slow_ma = self.I(sma, self.data.Close, slow)

            def next(self) -> None:
                if len(self.data) <= slow:
                    return
                d_now = self.fast_ma[-1] - self.slow_ma[-1]
                d_before = self.fast_ma[-2] - self.slow_ma[-2]
                if d_now > 0 >= d_before and not self.position:
                    self.buy()
                elif d_now < 0 <= d_before and self.position:
                    self.position.close()

        test = FractionalBacktest(
            frame, SmaRule, cash=CASH_USD * TICKS, commission=FEE, fractional_unit=LOT, finalize_trades=False
        )
        stats = test.run()
    trades = stats["_trades"]
    return Outcome("backtesting.py", int(trades["ExitTime"].notna().sum()), float(stats["Equity Final [$]"]) / TICKS)


# -- backtrader --------------------------------------------------------------------------------------
def run_backtrader(frame: Any, fast: int = 10, slow: int = 30) -> Outcome:
    """backtrader: ``cheat_on_open`` so an order sized at the next open fills at that open."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import backtrader as bt

        class SmaRule(bt.Strategy):
            def __init__(self) -> None:
                self.fast_ma = bt.indicators.SimpleMovingAverage(self.data.close, period=fast)
                self.slow_ma = bt.indicators.SimpleMovingAverage(self.data.close, period=slow)
                self.pending: str | None = None
                self.round_trips = 0

            def next(self) -> None:
                if len(self) <= slow:
                    return
                d_now = self.fast_ma[0] - self.slow_ma[0]
                d_before = self.fast_ma[-1] - self.slow_ma[-1]
                if d_now > 0 >= d_before and not self.position:
                    self.pending = "buy"
                elif d_now < 0 <= d_before and self.position:
                    self.pending = "sell"

            def next_open(self) -> None:
                action, self.pending = self.pending, None
                if action == "buy":
                    price = self.data.open[0]
                    lots = math.floor(self.broker.getcash() / (price * (1 + FEE)) / LOT)
                    if lots > 0:
                        self.buy(size=lots * LOT)
                elif action == "sell":
                    self.close()
                    self.round_trips += 1

        cerebro = bt.Cerebro(cheat_on_open=True, stdstats=False)
        cerebro.adddata(bt.feeds.PandasData(dataname=frame.tz_localize(None)))
        cerebro.addstrategy(SmaRule)
        cerebro.broker.setcash(CASH_USD * TICKS)
        cerebro.broker.setcommission(commission=FEE)
        [strategy] = cerebro.run()
    return Outcome("backtrader", strategy.round_trips, cerebro.broker.getvalue() / TICKS)


# -- vectorbt ----------------------------------------------------------------------------------------
def vectorbt_signals(frame: Any, fast: Any, slow: Any) -> tuple[Any, Any]:
    """Entry and exit signals of the rule, shifted to the bar whose open fills them (vectorbt MA)."""
    import vectorbt as vbt

    close = frame["Close"]
    fast_ma = vbt.MA.run(close, window=fast, short_name="fast")
    slow_ma = vbt.MA.run(close, window=slow, short_name="slow")
    d = fast_ma.ma.to_numpy() - slow_ma.ma.to_numpy()
    if d.ndim == 1:
        d = d[:, None]
    before = np.vstack([np.full((1, d.shape[1]), np.nan), d[:-1]])
    with np.errstate(invalid="ignore"):
        buy = (d > 0) & (before <= 0)
        sell = (d < 0) & (before >= 0)
    # signals start once d[i-1] exists (NaN compares False), i.e. from bar slow + 1 on
    entries = np.vstack([np.zeros((1, d.shape[1]), dtype=bool), buy[:-1]])
    exits = np.vstack([np.zeros((1, d.shape[1]), dtype=bool), sell[:-1]])
    return entries, exits


def run_vectorbt(frame: Any, fast: Any = 10, slow: Any = 30) -> Any:
    """vectorbt ``Portfolio.from_signals`` at the open, all cash; one column per (fast, slow) pair.

    Sizes are not floored to the lot: vectorbt's ``size_granularity`` on every order floors the
    float position of an exit and leaves dust (9.99e-09), after which it ignores every entry;
    on entries only, its float sizing drifts from the exact one by ~3e-10 a round trip. Unfloored
    sizes stay within ~1e-12 a round trip of jtrader's, far inside the 1e-6 agreement.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import vectorbt as vbt

        entries, exits = vectorbt_signals(frame, fast, slow)
        columns = entries.shape[1]
        close = np.repeat(frame["Close"].to_numpy()[:, None], columns, axis=1)
        price = np.repeat(frame["Open"].to_numpy()[:, None], columns, axis=1)
        portfolio = vbt.Portfolio.from_signals(
            close,
            entries,
            exits,
            price=price,
            fees=FEE,
            init_cash=CASH_USD * TICKS,
            size=np.inf,
            direction="longonly",
            accumulate=False,
        )
        final = np.atleast_1d(portfolio.final_value()) / TICKS
        trips = np.atleast_1d(portfolio.trades.closed.count())
    return [Outcome("vectorbt", int(t), float(v)) for t, v in zip(trips, final, strict=True)]
