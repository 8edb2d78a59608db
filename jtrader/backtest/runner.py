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

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice, repeat
from operator import add, mul
from typing import Any

from jtrader.backtest.candles import CandleSeries
from jtrader.errors import ConfigError, StrategyError
from jtrader.model import Bar, Instrument, OrderFilled, Side
from jtrader.risk import EmergencyHooks, RiskGate
from jtrader.trading import Engine, EngineSettings, Portfolio, RunResult, Strategy, build_engine

__all__ = [
    "FILL_MODES",
    "BacktestResult",
    "DeclaredSignals",
    "SkippingBars",
    "count_round_trips",
    "declared_signals",
    "equity_curve",
    "run_backtest",
]

log = logging.getLogger(__name__)

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
    source_hook: Callable[[Iterator[Any]], Iterator[Any]] | None = None,
    volume_cap: str | Decimal | None = None,
) -> BacktestResult:
    """Run ``strategy`` on ``series`` with ``cash`` quote atoms; a fresh exchange and portfolio each time.

    ``fee_bps`` is charged to makers and takers alike; latency is zero (a candle has no
    sub-bar timing). ``risk`` and ``emergency`` replace the default managers
    (:data:`~jtrader.trading.DEFAULT_RISK_LIMITS`, :data:`~jtrader.trading.DEFAULT_EMERGENCY_LIMITS`),
    the same defaults ``jtrader backtest`` and every other mode use; pass
    ``risk=PassThroughGate()`` for no pre-trade limits. ``source_hook`` wraps the bar iterator
    (the CLI's progress bar and Ctrl-C stop: when it ends early, the result covers the bars that
    ran, ``run.bars`` of them, as if the data ended there); when the strategy declared its
    signals (:meth:`~jtrader.trading.Strategy.bar_signals`) it wraps the iterator of bar
    positions ``0..n-1`` instead (:class:`SkippingBars`), so it still sees one item per bar.
    ``volume_cap``: percent of a bar's volume the fills of one bar may take (None: no cap).
    Raises :class:`ConfigError` for a bad ``fill``, ``fee_bps`` or ``volume_cap``.
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
    signals = declared_signals(strategy, series)
    if signals is None:
        bars = series.bars()
        run = engine.run(source_hook(bars) if source_hook is not None else bars)
    else:
        log.info(
            "backtest: %s declared its signals: %d of %d bars have one; the bars between them are skipped "
            "while no order is in flight or open",
            type(strategy).name or type(strategy).__name__,
            len(signals.indices),
            len(series),
        )
        strategy.follow_signals(signals.by_ts)
        skipping = SkippingBars(series, signals.indices, engine)
        positions: Iterator[int] = iter(range(len(series)))
        run = engine.run(skipping.bars(source_hook(positions) if source_hook is not None else positions))
        run.messages += skipping.skipped
    equity = equity_curve(series, portfolio.journal, cash0, position0, run.bars)
    fills = [ev for ev in run.events if type(ev) is OrderFilled]
    return BacktestResult(series, strategy, run, cash, fee, fill, equity, fills, engine.exchange.fills_over_volume)


@dataclass(frozen=True, slots=True)
class DeclaredSignals:
    """A strategy's declared signals (:meth:`~jtrader.trading.Strategy.bar_signals`) for one series."""

    #: indices of the bars with a non-zero signal, ascending
    indices: list[int]
    #: bar ``ts`` (its close time, ns) -> its non-zero signal
    by_ts: dict[int, int]


def declared_signals(strategy: Strategy, series: CandleSeries) -> DeclaredSignals | None:
    """``strategy.bar_signals(series)`` checked, or None when the strategy declares none.

    Raises :class:`StrategyError` when the list does not have one value per bar, or when the
    signals of the first half of the series differ from the first half of the signals of the
    whole series (a value that depends on a later bar: look-ahead).
    """
    import numpy as np

    if not _signals_cover_on_bar(type(strategy)):
        return None
    declared = strategy.bar_signals(series)
    if declared is None:
        return None
    name = type(strategy).name or type(strategy).__name__
    full = np.asarray(declared)
    n = len(series)
    if full.shape != (n,) or full.dtype.kind not in "iub":
        raise StrategyError(
            f"strategy {name!r}: bar_signals() must give one int per bar ({n}), got shape {full.shape} of {full.dtype}",
            strategy=name,
            callback="bar_signals",
            symbol=series.instrument.symbol,
            ts=series.bar_ts(0),
        )
    half = n // 2
    prefix = np.asarray(strategy.bar_signals(series.head(half)))
    if prefix.shape != (half,) or not np.array_equal(prefix, full[:half]):
        raise StrategyError(
            f"strategy {name!r}: bar_signals() looks ahead: the signals of the first {half} bars change "
            "when the later bars are there; a bar's signal may depend on that bar and the bars before only",
            strategy=name,
            callback="bar_signals",
            symbol=series.instrument.symbol,
            ts=series.bar_ts(0),
        )
    indices = np.flatnonzero(full)
    ts = np.asarray(series.start, dtype=object)[indices] + series.interval_ns
    return DeclaredSignals(indices.tolist(), dict(zip(ts.tolist(), full[indices].tolist(), strict=True)))


def _signals_cover_on_bar(cls: type) -> bool:
    """False when a subclass overrides ``on_bar`` below the class whose ``bar_signals`` it inherits.

    Such a subclass added work to every bar (a witness, its own indicator) that the declared
    signals know nothing about: its bars must all be processed.
    """
    owners = {}
    for name in ("on_bar", "bar_signals"):
        owners[name] = next(klass for klass in cls.__mro__ if name in vars(klass))
    return issubclass(owners["bar_signals"], owners["on_bar"])


class SkippingBars:
    """The bars of ``series`` a run must process when its strategy declared its signals.

    Every bar with a signal, the first and the last bar, and every bar after a processed one
    while the engine is not :meth:`~jtrader.trading.Engine.at_rest` (an order in flight or open,
    an event to deliver): the bars skipped could change nothing but the marks, which the next
    processed bar sets again. :meth:`bars` reads bar *positions* (``0..n-1``) from an iterator
    and consumes the positions of the bars it skips, so a progress bar or a stop wrapped around
    that iterator sees every bar. Skipped bars are added to ``engine.result.bars`` before the
    next processed bar (the portfolio journal notes fills by bar count) and to :attr:`skipped`;
    when the positions end inside a gap (a stop), the run ends at its last processed bar.
    """

    def __init__(self, series: CandleSeries, signal_indices: list[int], engine: Engine) -> None:
        self.series = series
        self._stops = signal_indices
        self._engine = engine
        #: bars passed over without being processed
        self.skipped = 0

    def bars(self, positions: Iterator[int]) -> Iterator[Bar]:
        """The bars to process, reading bar positions (ascending, from 0, one each) from ``positions``."""
        engine = self._engine
        result = engine.result
        at_rest = engine.at_rest
        bar = self.series.bar
        last = len(self.series) - 1
        stops = iter([*self._stops, last])
        stop = next(stops)
        for i in positions:
            yield bar(i)
            following = i + 1
            if following > last:
                return
            while stop < following:
                stop = next(stops)
            if following < stop and at_rest():
                gap = stop - following
                if next(islice(positions, gap - 1, gap), None) is None:
                    return  # the positions ended inside the gap: the run ends at bar i
                result.bars += gap
                self.skipped += gap


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
