"""sma_cross through the whole core equals a plain, independent implementation of the textbook rule.

The reference below uses only ``fractions.Fraction`` and ``decimal.Decimal``: no jtrader engine,
exchange or portfolio. It follows the issue's definition word for word: SMAs of closes, a buy when
``d`` turns positive, a sell when it turns negative, all-in market buys sized
``cash / (price * (1 + fee))`` floored to the lot and filled at the next bar's open, the fee
rounded up to the atom (1e-18), a position left open at the end marked at the last close.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import pytest

from jtrader.backtest.candles import CandleSeries
from jtrader.backtest.runner import run_backtest
from jtrader.backtest.synthetic import random_walk
from jtrader.model import Instrument, OrderFilled, Side, to_atoms
from jtrader.strategies import SmaCross

ATOM = Fraction(1, 10**18)


@dataclass
class RefTrade:
    bar: int
    side: str
    price: Fraction
    size: Fraction
    fee: Fraction


def reference_sma_cross(
    opens: list[Fraction],
    closes: list[Fraction],
    fast: int,
    slow: int,
    cash: Fraction,
    fee_bps: Fraction,
    lot: Fraction,
) -> tuple[list[RefTrade], Fraction, Fraction]:
    """Trades, final cash and final position (base units) of the textbook rule."""
    rate = fee_bps / 10_000
    position = Fraction(0)
    trades: list[RefTrade] = []
    pending: str | None = None
    previous_d: Fraction | None = None
    for i in range(len(closes)):
        if pending == "BUY":
            price = opens[i]
            size = math.floor(cash / (price * (1 + rate)) / lot) * lot
            if size > 0:
                fee = math.ceil(size * price * rate / ATOM) * ATOM
                cash -= size * price + fee
                position += size
                trades.append(RefTrade(i, "BUY", price, size, fee))
        elif pending == "SELL":
            price = opens[i]
            fee = math.ceil(position * price * rate / ATOM) * ATOM
            cash += position * price - fee
            trades.append(RefTrade(i, "SELL", price, position, fee))
            position = Fraction(0)
        pending = None
        if i + 1 < slow:
            continue
        fast_sma = sum(closes[i + 1 - fast : i + 1]) / fast
        slow_sma = sum(closes[i + 1 - slow : i + 1]) / slow
        d = fast_sma - slow_sma
        if previous_d is not None:
            if d > 0 and previous_d <= 0 and position == 0:
                pending = "BUY"
            elif d < 0 and previous_d >= 0 and position > 0:
                pending = "SELL"
        previous_d = d
    return trades, cash, position


def as_fraction(inst: Instrument, ticks: int) -> Fraction:
    return Fraction(Decimal(inst.ticks_to_price(ticks)))


def compare(series: CandleSeries, fast: int, slow: int, cash: str, fee_bps: str) -> int:
    inst = series.instrument
    opens = [as_fraction(inst, t) for t in series.open]
    closes = [as_fraction(inst, t) for t in series.close]
    trades, ref_cash, ref_position = reference_sma_cross(
        opens, closes, fast, slow, Fraction(Decimal(cash)), Fraction(Decimal(fee_bps)), Fraction(Decimal(inst.size_lot))
    )
    result = run_backtest(series, SmaCross(fast=fast, slow=slow), cash=to_atoms(cash), fee_bps=fee_bps)
    got = [
        (
            (f.ts - series.interval_ns - series.start[0]) // series.interval_ns,
            "BUY" if f.side is Side.BUY else "SELL",
            as_fraction(inst, f.price),
            Fraction(Decimal(inst.lots_to_size(f.size))),
            f.fee * ATOM,
        )
        for f in result.fills
    ]
    want = [(t.bar, t.side, t.price, t.size, t.fee) for t in trades]
    assert got == want
    ref_equity = ref_cash + ref_position * closes[-1]
    assert Fraction(result.final_equity) * ATOM == ref_equity
    assert Fraction(result.cash) * ATOM == ref_cash
    assert result.round_trips == sum(1 for t in trades if t.side == "SELL")
    return len(trades)


@pytest.mark.parametrize(("seed", "fast", "slow", "fee_bps"), [(1, 10, 30, "10"), (2, 3, 7, "7.5"), (3, 5, 50, "0")])
def test_sma_cross_matches_the_independent_reference_exactly(seed: int, fast: int, slow: int, fee_bps: str) -> None:
    inst = Instrument("BTC-USD", "BTC", "USD", price_tick="0.01", size_lot="0.00000001")
    series = random_walk(inst, 3000, seed=seed)
    assert compare(series, fast, slow, "100000", fee_bps) > 10  # the test exercises many trades


def test_sma_cross_matches_the_reference_on_a_fine_tick_pair() -> None:
    inst = Instrument("ETH-BTC", "ETH", "BTC", price_tick="0.000001", size_lot="0.001")
    series = random_walk(inst, 2000, seed=9, first_price=50_000, step=40)
    assert compare(series, 4, 12, "2.5", "10") > 10


def test_every_fill_of_sma_cross_is_a_taker_market_fill_at_a_bar_open() -> None:
    inst = Instrument("BTC-USD", "BTC", "USD")
    series = random_walk(inst, 1500, seed=4)
    result = run_backtest(series, SmaCross(fast=5, slow=20), cash=to_atoms("1000"))
    opens = {series.bar_ts(i): series.open[i] for i in range(len(series))}
    assert result.fills
    for fill in result.fills:
        assert isinstance(fill, OrderFilled)
        assert fill.price == opens[fill.ts]
        assert fill.liquidity.value == "TAKER"
