"""sma_cross and breakout on real ETH/BTC minute candles, side by side with backtesting.py: the same trades.

Run through the default builder (risk and emergency managers included), as ``jtrader backtest``
does. Compared per closed trade: the bar it was entered and exited at and the prices, to the tick.
Sizes differ on purpose (backtesting.py buys whole units). Skips when backtesting.py (the ``bench``
extra) or ``../shared/data`` is absent.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

from jtrader.backtest import CandleSeries, load_candles, run_backtest
from jtrader.model import Instrument, OrderFilled, Side
from jtrader.strategies import Breakout, SmaCross

ETHBTC = Instrument("ETH-BTC", "ETH", "BTC", price_tick="0.00000001", size_lot="0.00000001")
TICK = 1e-8
CASH = 10**19  # 10 BTC in atoms

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]


@pytest.fixture(scope="module")
def backtesting() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pytest.importorskip("backtesting", reason="backtesting.py (the bench extra) is not installed")


@pytest.fixture(scope="module")
def series(shared_data: Path) -> CandleSeries:
    return load_candles(shared_data / "candles" / "binance_1m_ethbtc_2018-01.json", ETHBTC)


def frame(series: CandleSeries) -> Any:
    import pandas as pd

    return pd.DataFrame(
        {
            "Open": [p * TICK for p in series.open],
            "High": [p * TICK for p in series.high],
            "Low": [p * TICK for p in series.low],
            "Close": [p * TICK for p in series.close],
            "Volume": [1.0] * len(series.close),
        },
        index=pd.to_datetime(series.start, unit="ns"),
    )


def jtrader_trades(series: CandleSeries, fills: list[OrderFilled]) -> list[tuple[int, int, int, int]]:
    """(entry bar, exit bar, entry price, exit price) per closed round trip; bars by open time (ns)."""
    start_of = {start + series.interval_ns: start for start in series.start}  # bar close ts -> its open
    trades, entry = [], None
    for fill in fills:
        if fill.side is Side.BUY and entry is None:
            entry = fill
        elif fill.side is Side.SELL and entry is not None:
            trades.append((start_of[entry.ts], start_of[fill.ts], entry.price, fill.price))
            entry = None
    return trades


def backtesting_trades(stats: Any) -> list[tuple[int, int, int, int]]:
    out = []
    for row in stats["_trades"].itertuples():
        out.append(
            (
                row.EntryTime.value,
                row.ExitTime.value,
                round(row.EntryPrice / TICK),
                round(row.ExitPrice / TICK),
            )
        )
    return out


def run_backtesting_py(backtesting: Any, series: CandleSeries, strategy: type) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bt = backtesting.Backtest(frame(series), strategy, cash=10, commission=0.001, finalize_trades=False)
        return bt.run()


def test_sma_cross_makes_the_same_trades_as_backtesting_py(backtesting: Any, series: CandleSeries) -> None:
    from backtesting.lib import crossover

    def sma(values: Any, window: int) -> Any:
        import pandas as pd

        return pd.Series(values).rolling(window).mean().to_numpy()

    class BtSmaCross(backtesting.Strategy):
        def init(self) -> None:
            self.fast = self.I(sma, self.data.Close, 10)
            self.slow = self.I(sma, self.data.Close, 30)

        def next(self) -> None:
            if crossover(self.fast, self.slow) and not self.position:
                self.buy(size=1)
            elif crossover(self.slow, self.fast) and self.position:
                self.position.close()

    theirs = backtesting_trades(run_backtesting_py(backtesting, series, BtSmaCross))
    result = run_backtest(series, SmaCross(fast=10, slow=30), cash=CASH)
    ours = jtrader_trades(series, result.fills)
    assert result.run.denials == 0 and result.run.rejections == 0
    assert len(theirs) > 100
    assert ours == theirs


def test_breakout_makes_the_same_trades_as_backtesting_py(backtesting: Any, series: CandleSeries) -> None:
    class BtBreakout(backtesting.Strategy):
        def init(self) -> None:
            pass

        def next(self) -> None:
            for order in list(self.orders):
                order.cancel()
            n = len(self.data)
            if self.position:
                if n >= 10:
                    stop = round(min(self.data.Low[-10:]) / TICK) - 1
                    self.sell(size=self.position.size, stop=stop * TICK)
            elif n >= 20:
                stop = round(max(self.data.High[-20:]) / TICK) + 1
                self.buy(size=1, stop=stop * TICK)

    theirs = backtesting_trades(run_backtesting_py(backtesting, series, BtBreakout))
    result = run_backtest(series, Breakout(entry=20, exit=10), cash=CASH)
    ours = jtrader_trades(series, result.fills)
    assert result.run.denials == 0 and result.run.rejections == 0
    assert len(theirs) > 100
    assert ours == theirs
