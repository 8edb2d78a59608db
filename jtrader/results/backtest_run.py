"""``jtrader.backtest(...)``: a candle backtest in one call, returning a :class:`BacktestRun`.

It runs what ``jtrader backtest`` runs, with the same parameters and defaults: the candle loader,
:func:`jtrader.backtest.run_backtest` (the one engine builder, its default risk and emergency
limits), :func:`jtrader.backtest.report.summarize` for the summary and
:func:`jtrader.backtest.report.write_outputs` for the files. A test holds the defaults equal to
the command's.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from jtrader.results.commandline import choose_strategy, option_text
from jtrader.results.run import Run

if TYPE_CHECKING:
    from jtrader.backtest import BacktestResult, CandleSeries
    from jtrader.cmdkit.outputs import OutputDir
    from jtrader.risk import EmergencyLimits, RiskLimits
    from jtrader.trading import Strategy

__all__ = ["BacktestRun", "backtest"]


class BacktestRun(Run):
    """The results of :func:`jtrader.backtest`. See :class:`~jtrader.results.Run` for what every run has.

    ``trades`` has one row per fill (``ts``, ``order_id``, ``side``, ``price``, ``size``,
    ``notional``, ``fee``, ``fee_currency``, ``liquidity``, ``price_ticks``, ``size_lots``);
    ``equity`` one row per bar (``ts`` = its close time, ``close``, ``equity`` in the quote
    currency, the position marked at the close). :attr:`result` is the engine-level result in
    integers (ticks, lots, atoms, ns).
    """

    kind = "backtest"

    def __init__(self, result: BacktestResult, summary: dict[str, Any], command_line: list[str] | None) -> None:
        super().__init__(summary, command_line)
        #: the runner's :class:`~jtrader.backtest.BacktestResult`: equity per bar and fills in atoms
        #: and lots, the portfolio, the engine's counters and raw events
        self.result = result

    def _build_tables(self) -> dict[str, Any]:
        from jtrader.backtest.tables import result_frames

        trades, equity = result_frames(self.result)
        return {"trades": trades, "equity": equity}

    @property
    def events(self) -> list[dict[str, Any]]:
        """Every order, risk and emergency event of the run in order (dicts with decimal strings)."""
        from jtrader.trading import events_to_records

        return events_to_records(self.result.run.events, [self.result.instrument])

    def _write_files(self, out: OutputDir) -> None:
        from jtrader.backtest.report import write_outputs

        write_outputs(self.result, self.summary, out)

    def __str__(self) -> str:
        """The text ``jtrader backtest`` prints without ``--json``."""
        from jtrader.backtest.report import human_summary

        return human_summary(self.summary)

    def __repr__(self) -> str:
        s = self.summary
        return (
            f"<BacktestRun {s['strategy']} on {s['symbol']}: {s['bars']} bars, {s['fills']} fills, "
            f"final equity {s['final_equity']} {s['quote']} ({s['return_pct']:+.2f}%)>"
        )

    def _key_figures(self) -> list[tuple[str, str]]:
        from jtrader.cmdkit.display import format_money

        s = self.summary
        quote = s["quote"]
        places = s["display_places"].get(quote, 2)

        def money(key: str) -> str:
            return f"{format_money(Decimal(s[key]), places)} {quote}"

        params = ", ".join(f"{k}={v}" for k, v in s["params"].items() if v != "")  # unset: not shown
        return [
            ("strategy", f"{s['strategy']}({params})"),
            ("symbol", s["symbol"]),
            ("period", f"{s['start']} .. {s['end']}" if s["start"] else "no bars"),
            ("bars", f"{s['bars']:,} ({s['gaps']} gaps)"),
            ("equity", f"{money('initial_cash')} -> {money('final_equity')}"),
            ("return", f"{s['return_pct']:+.2f}%"),
            ("max drawdown", f"{s['max_drawdown_pct']:.2f}%"),
            ("sharpe", f"{s['sharpe']:.2f}"),
            ("orders / fills / round trips", f"{s['orders']} / {s['fills']} / {s['round_trips']}"),
            ("denied / rejected", f"{s['denials']} / {s['rejections']}"),
            ("fees", money("fees")),
            ("fill, fee", f"{s['fill']}, {s['fee_bps']} bps"),
        ]


def backtest(
    data: str | os.PathLike[str] | CandleSeries,
    strategy: str | type[Strategy] | Strategy = "sma_cross",
    *,
    params: Mapping[str, object] | None = None,
    symbol: str = "BTC-USD",
    cash: str | int | Decimal = "100000",
    fee_bps: str | int | Decimal = "10",
    fill: str = "next-open",
    tick: str | Decimal = "0.01",
    lot: str | Decimal = "0.00000001",
    strict: bool = False,
    risk_limits: RiskLimits | None = None,
    emergency_limits: EmergencyLimits | None = None,
) -> BacktestRun:
    """Backtest ``strategy`` on candles; the Python twin of ``jtrader backtest DATA``.

    * ``data``: a candle file (CSV, Parquet, Binance/freqtrade JSON; see ``docs/user-guide.md``)
      or a :class:`~jtrader.backtest.CandleSeries` you loaded (then ``symbol``, ``tick`` and
      ``lot`` are the series' own and these arguments are ignored).
    * ``strategy``: a bundled name (``"sma_cross"``), ``"path/to/file.py:ClassName"``, a
      :class:`~jtrader.trading.Strategy` subclass, or an instance (used as it is; no ``params``).
      ``params``: parameter values (``{"fast": 10}``), coerced like ``--param fast=10``.
    * ``symbol`` (BASE-QUOTE), ``cash`` (starting quote balance, a decimal), ``fee_bps`` (per
      fill, makers and takers alike), ``fill`` (``"next-open"`` or ``"close"``), ``tick`` and
      ``lot`` (the instrument grid), ``strict`` (gaps in the candles are an error): the
      command's options, with its defaults.
    * ``risk_limits``, ``emergency_limits``: replace the defaults every mode shares
      (:data:`jtrader.trading.DEFAULT_RISK_LIMITS`, :data:`~jtrader.trading.DEFAULT_EMERGENCY_LIMITS`,
      as in :class:`~jtrader.EngineSettings`); a run with either has no command line.

    Latency is zero (a candle has no sub-bar timing). Bad input raises a
    :class:`~jtrader.errors.JTraderError` subclass that says what was wrong; a strategy that
    raises stops the run with :class:`~jtrader.errors.StrategyError`.
    """
    from jtrader.backtest import CandleSeries, load_candles, run_backtest
    from jtrader.backtest.command import make_instrument, parse_cash, parse_fee_bps
    from jtrader.backtest.report import summarize
    from jtrader.errors import DataError
    from jtrader.risk import EmergencyManager, RiskManager

    started = time.perf_counter()  # elapsed_s for the summary only, as the CLI does
    choice = choose_strategy(strategy, params)
    cash_atoms = parse_cash(option_text(cash))
    fee = parse_fee_bps(option_text(fee_bps))
    if isinstance(data, CandleSeries):
        series, source = data, None
    else:
        series = load_candles(data, make_instrument(symbol, option_text(tick), option_text(lot)))
        source = os.fspath(data)
    if strict and series.gaps:
        where = source or "the candles"
        raise DataError(f"strict: {where} has {series.gaps} gap(s) in time ({series.missing_bars} missing bar(s))")
    result = run_backtest(
        series,
        choice.strategy,
        cash=cash_atoms,
        fee_bps=fee,
        fill=fill,
        risk=RiskManager(risk_limits) if risk_limits is not None else None,
        emergency=EmergencyManager(emergency_limits) if emergency_limits is not None else None,
    )
    summary = summarize(result, choice.name, time.perf_counter() - started)
    command = None
    if source is not None and choice.spec is not None and risk_limits is None and emergency_limits is None:
        command = [
            "backtest",
            f"--symbol={symbol}",
            *choice.arguments(),
            f"--cash={option_text(cash)}",
            f"--fee-bps={option_text(fee_bps)}",
            f"--fill={fill}",
            f"--tick={option_text(tick)}",
            f"--lot={option_text(lot)}",
            *(["--strict"] if strict else []),
            "--",
            source,
        ]
    return BacktestRun(result, summary, command)
