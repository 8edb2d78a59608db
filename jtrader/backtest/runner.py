"""Run one strategy over a :class:`~jtrader.backtest.candles.CandleSeries` through the real core.

The candles go through the same objects as replay and paper trading: ``Engine`` (clock, strategy,
portfolio), the ``RiskManager`` when one is given, and the ``SimulatedExchange``, which fills:

* market orders at the **next bar's open** (``fill="next-open"``, the default) or at the close of
  the bar during which they were sent (``fill="close"``);
* limit and stop orders against a later bar's range, conservatively (when one bar's range holds
  both a stop and a limit, the stop is taken to trade first). See ``docs/fills.md``.

Fees are ``fee_bps`` of each fill's notional for makers and takers alike, rounded up to the atom
(:class:`~jtrader.sim.FeeModel`). Equity is recorded after each bar has been processed, with the
position marked at that bar's close; a position still open at the end is marked, not closed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from jtrader.backtest.candles import CandleSeries
from jtrader.errors import ConfigError
from jtrader.model import Bar, Instrument, OrderFilled, Side
from jtrader.sim import ConstantLatency, FeeModel, SimulatedExchange
from jtrader.trading import Engine, Portfolio, RunResult, Strategy

__all__ = ["FILL_MODES", "BacktestResult", "count_round_trips", "run_backtest"]

#: CLI spelling -> the simulator's ``bar_fill``
FILL_MODES = {"next-open": "next_open", "close": "close"}


@dataclass(slots=True)
class BacktestResult:
    """Everything one backtest produced. Money in quote atoms, sizes in lots, times in ns."""

    series: CandleSeries
    strategy: Strategy
    run: RunResult
    initial_cash: int
    fee_bps: Decimal
    fill: str
    #: equity (quote atoms) after each bar, marked at its close; one value per bar
    equity: list[int] = field(default_factory=list)
    fills: list[OrderFilled] = field(default_factory=list)

    @property
    def instrument(self) -> Instrument:
        return self.series.instrument

    @property
    def portfolio(self) -> Portfolio:
        assert self.run.portfolio is not None
        return self.run.portfolio

    @property
    def final_equity(self) -> int:
        """Quote balance plus the position at the last close, in atoms."""
        return self.portfolio.equity(self.instrument.quote)

    @property
    def cash(self) -> int:
        return self.portfolio.balance(self.instrument.quote)

    @property
    def position(self) -> int:
        return self.portfolio.position(self.instrument.symbol)

    @property
    def fees(self) -> int:
        return self.portfolio.fees_paid(self.instrument.quote)

    @property
    def round_trips(self) -> int:
        return count_round_trips(self.fills)


def count_round_trips(fills: list[OrderFilled]) -> int:
    """Closed round trips: how many times the position came back to zero after being non-zero."""
    position = 0
    trips = 0
    for fill in fills:
        before = position
        position += fill.size if fill.side is Side.BUY else -fill.size
        if before != 0 and (position == 0 or (before > 0) != (position > 0)):
            trips += 1
    return trips


def run_backtest(
    series: CandleSeries,
    strategy: Strategy,
    *,
    cash: int,
    fee_bps: str | Decimal = "10",
    fill: str = "next-open",
    risk: Any = None,
    record_events: bool = True,
) -> BacktestResult:
    """Run ``strategy`` on ``series`` with ``cash`` quote atoms; a fresh exchange and portfolio each time.

    ``risk`` is a ``RiskManager`` (or None for none). Raises :class:`ConfigError` for a bad
    ``fill`` or ``fee_bps``.
    """
    if fill not in FILL_MODES:
        raise ConfigError(f"fill must be one of {', '.join(FILL_MODES)}, got {fill!r}")
    fee = Decimal(str(fee_bps))
    instrument = series.instrument
    quote = instrument.quote
    balances = {quote: cash}
    fees = FeeModel(maker_bps=fee, taker_bps=fee)
    exchange = SimulatedExchange(
        [instrument], balances=dict(balances), fees=fees, latency=ConstantLatency(0, 0), bar_fill=FILL_MODES[fill]
    )
    portfolio = Portfolio([instrument], dict(balances))
    engine = Engine(
        [instrument], strategy, exchange=exchange, portfolio=portfolio, risk=risk, record_events=record_events
    )
    equity: list[int] = []
    run = engine.run(_feed(series, portfolio, quote, equity))
    fills = [ev for ev in run.events if type(ev) is OrderFilled]
    return BacktestResult(series, strategy, run, cash, fee, fill, equity, fills)


def _feed(series: CandleSeries, portfolio: Portfolio, quote: str, equity: list[int]) -> Iterator[Bar]:
    """The bars, recording the equity after the engine has processed each one.

    Equity = quote balance + position x close (exact atoms), the same as
    ``portfolio.equity(quote)`` for this one-instrument run; balance and position are re-read
    only after a fill (``portfolio.fill_count`` moved), which keeps the per-bar cost at one
    multiplication.
    """
    inst = series.instrument
    symbol, step, per_tick_lot = inst.symbol, series.interval_ns, inst.atoms_per_tick_lot
    record = equity.append
    new = tuple.__new__
    seen = -1
    cash = position_value = 0
    for start, o, h, low, c, v in zip(
        series.start, series.open, series.high, series.low, series.close, series.volume, strict=True
    ):
        yield new(Bar, (start + step, symbol, o, h, low, c, v, start))
        if portfolio.fill_count != seen:
            seen = portfolio.fill_count
            cash = portfolio.balance(quote)
            position_value = portfolio.position(symbol) * per_tick_lot
        record(cash + position_value * c)
