"""Run one strategy over a :class:`~jtrader.backtest.candles.CandleSeries` through the real core.

The candles go through the same objects as replay and paper trading, built by the one builder
(:func:`jtrader.trading.build_engine`, with its default risk and emergency limits unless told
otherwise, so ``ctx.kill`` works here too): ``Engine`` (clock, strategy, portfolio), the
``RiskManager``, the ``EmergencyManager`` and the ``SimulatedExchange``, which fills:

* market orders at the **next bar's open** (``fill="next-open"``, the default) or at the close of
  the bar during which they were sent (``fill="close"``);
* limit and stop orders against a later bar's range, conservatively (when one bar's range holds
  both a stop and a limit, the stop is taken to trade first). See ``docs/fills.md``.

Fees are ``fee_bps`` of each fill's notional for makers and takers alike, rounded up to the atom
(:class:`~jtrader.sim.FeeModel`). Equity is recorded after each bar has been processed, with the
position marked at that bar's close; a position still open at the end is marked, not closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import repeat
from operator import add, mul

from jtrader.backtest.candles import CandleSeries
from jtrader.errors import ConfigError
from jtrader.model import Bar, Instrument, OrderFilled, Side
from jtrader.risk import EmergencyHooks, RiskGate
from jtrader.trading import EngineSettings, Portfolio, RunResult, Strategy, build_engine

__all__ = ["FILL_MODES", "BacktestResult", "count_round_trips", "equity_curve", "run_backtest"]

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
    #: fills that took a bar's fills past its traded volume (see ``volume_cap``)
    fills_over_volume: int = 0

    @property
    def instrument(self) -> Instrument:
        """The instrument of the series."""
        return self.series.instrument

    @property
    def portfolio(self) -> Portfolio:
        """The run's portfolio (balances, positions, PnL)."""
        assert self.run.portfolio is not None
        return self.run.portfolio

    @property
    def final_equity(self) -> int:
        """Quote balance plus the position at the last close, in atoms."""
        return self.portfolio.equity(self.instrument.quote)

    @property
    def cash(self) -> int:
        """Quote balance at the end, in atoms."""
        return self.portfolio.balance(self.instrument.quote)

    @property
    def position(self) -> int:
        """Position at the end, in lots."""
        return self.portfolio.position(self.instrument.symbol)

    @property
    def fees(self) -> int:
        """Fees paid in the quote currency, in atoms."""
        return self.portfolio.fees_paid(self.instrument.quote)

    @property
    def round_trips(self) -> int:
        """Closed round trips (see :func:`count_round_trips`)."""
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
    risk: RiskGate | None = None,
    emergency: EmergencyHooks | None = None,
    record_events: bool = True,
    source_hook: Callable[[Iterator[Bar]], Iterator[Bar]] | None = None,
    volume_cap: str | Decimal | None = None,
) -> BacktestResult:
    """Run ``strategy`` on ``series`` with ``cash`` quote atoms; a fresh exchange and portfolio each time.

    ``fee_bps`` is charged to makers and takers alike; latency is zero (a candle has no
    sub-bar timing). ``risk`` and ``emergency`` replace the default managers
    (:data:`~jtrader.trading.DEFAULT_RISK_LIMITS`, :data:`~jtrader.trading.DEFAULT_EMERGENCY_LIMITS`),
    the same defaults ``jtrader backtest`` and every other mode use; pass
    ``risk=PassThroughGate()`` for no pre-trade limits. ``source_hook`` wraps the bar iterator
    (the CLI's progress bar and Ctrl-C stop: when it ends early, the result covers the bars that
    ran, ``run.bars`` of them, as if the data ended there). ``volume_cap``: percent of a bar's
    volume the fills of one bar may take (None: no cap). Raises :class:`ConfigError` for a bad
    ``fill``, ``fee_bps`` or ``volume_cap``.
    """
    if fill not in FILL_MODES:
        raise ConfigError(f"fill must be one of {', '.join(FILL_MODES)}, got {fill!r}")
    fee = Decimal(str(fee_bps))
    instrument = series.instrument
    quote = instrument.quote
    balances = {quote: cash}
    settings = EngineSettings(
        maker_bps=fee, taker_bps=fee, bar_fill=FILL_MODES[fill], volume_cap=volume_cap, record_events=record_events
    )
    portfolio = _JournalPortfolio([instrument], dict(balances))
    engine = build_engine(
        [instrument], strategy, balances, settings, risk=risk, emergency=emergency, portfolio=portfolio
    )
    portfolio.run = engine.result
    symbol = instrument.symbol
    cash0, position0 = portfolio.balance(quote), portfolio.position(symbol)
    bars = series.bars()
    run = engine.run(source_hook(bars) if source_hook is not None else bars)
    equity = equity_curve(series, portfolio.journal, cash0, position0, run.bars)
    fills = [ev for ev in run.events if type(ev) is OrderFilled]
    return BacktestResult(series, strategy, run, cash, fee, fill, equity, fills, engine.exchange.fills_over_volume)


class _JournalPortfolio(Portfolio):
    """A :class:`Portfolio` that notes ``(bar index, quote balance, position)`` after every fill.

    The bar index is the engine's bar count when the fill is applied: a fill applied while bar
    ``i`` (0-based) is processed counts ``i`` (the engine counts a bar after its exchange
    events), a fill of the final drain counts ``len(series)``. That is all the equity curve
    needs, so the run itself does no per-bar bookkeeping for it.
    """

    def __init__(self, instruments: list[Instrument], balances: dict[str, int]) -> None:
        super().__init__(instruments, balances)
        inst = instruments[0]
        self._symbol, self._quote = inst.symbol, inst.quote
        self.run: RunResult | None = None
        self.journal: list[tuple[int, int, int]] = []

    def apply_fill(self, ev: OrderFilled) -> None:
        super().apply_fill(ev)
        assert self.run is not None
        self.journal.append((self.run.bars, self.balance(self._quote), self.position(self._symbol)))


def equity_curve(
    series: CandleSeries, journal: list[tuple[int, int, int]], cash: int, position: int, bars: int | None = None
) -> list[int]:
    """Equity (quote atoms) after each of the first ``bars`` bars (default all): balance + position x close.

    ``journal`` lists ``(bar index, balance, position)`` after each fill in order (see
    :class:`_JournalPortfolio`); ``cash`` and ``position`` are the values before the first fill.
    A fill at index ``i`` counts from bar ``i`` on; fills past the last bar are ignored. Exact
    ints: ``balance + position * atoms_per_tick_lot * close``, equal to ``Portfolio.equity`` at
    each bar's close for this one-instrument run.
    """
    closes = series.close
    n = len(closes) if bars is None else min(bars, len(closes))
    per_tick_lot = series.instrument.atoms_per_tick_lot
    out: list[int] = []
    begin = 0
    for index, new_cash, new_position in journal:
        if index >= n:
            break
        if index > begin:
            _extend(out, closes, begin, index, cash=cash, value_per_tick=position * per_tick_lot)
            begin = index
        cash, position = new_cash, new_position
    _extend(out, closes, begin, n, cash=cash, value_per_tick=position * per_tick_lot)
    return out


def _extend(out: list[int], closes: list[int], begin: int, end: int, *, cash: int, value_per_tick: int) -> None:
    """Append the equity of bars ``begin..end-1``: ``cash + value_per_tick * close`` (C-level loops)."""
    if value_per_tick == 0:
        out.extend(repeat(cash, end - begin))
    else:
        out.extend(map(add, repeat(cash), map(mul, repeat(value_per_tick), closes[begin:end])))
