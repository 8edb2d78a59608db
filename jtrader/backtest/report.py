"""The backtest's outputs: the summary dict (``--json``), a short human text, and ``--out`` files.

Summary fields (money as exact decimal strings of the quote currency):

``bars, orders, fills, fills_over_volume, round_trips, final_equity, fees, return_pct, max_drawdown_pct, sharpe,
elapsed_s`` plus ``kind ("backtest"), interrupted, symbol, strategy, params, fill, fee_bps,
base, quote, initial_cash, cash, position (base units), start, end (ISO 8601 UTC: first bar's open, last bar's
close), first_bar, last_bar (ns, open times), interval_s, gaps, missing_bars, sent, denials,
rejections, denial_reasons, rejection_reasons (by reason: count and the first message in units),
denials_by_reason, rejections_by_reason (counts per reason code, keys sorted),
halt_reason, no_orders_reason, display_places ({currency: decimals} for human output)``.

An interrupted run (Ctrl-C) covers the bars that ran: ``bars``, ``end``, ``gaps`` and every metric
are those of that prefix, exactly what a full run on those bars would give.

``sharpe`` is computed from the per-bar returns of equity, annualized by the number of bars in a
365-day year at the median bar interval; 0 when undefined (see :func:`jtrader.backtest.metrics.sharpe`).

``summary.json`` is the summary without ``elapsed_s``: timings go to stdout only, so the files of
two runs are byte-identical.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from jtrader.backtest.candles import format_ts
from jtrader.backtest.metrics import max_drawdown_pct, return_pct, sharpe
from jtrader.backtest.runner import BacktestResult
from jtrader.cmdkit.display import currency_places, format_money, order_outcomes
from jtrader.cmdkit.outputs import OutputDir
from jtrader.cmdkit.problems import problem_lines
from jtrader.model import format_atoms

__all__ = ["TIMING_KEYS", "file_summary", "human_summary", "no_orders_reason", "summarize", "write_outputs"]

#: keys that hold wall-clock timings: printed, never written to files
TIMING_KEYS = ("elapsed_s",)


def _plain(value: Any) -> Any:
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)


def _prefix_gaps(start: list[int], bars: int, interval: int) -> tuple[int, int]:
    """Gaps and missing bars among the first ``bars`` open times (the rule of the candle loader)."""
    gaps = missing = 0
    for i in range(1, bars):
        step = start[i] - start[i - 1]
        if step > interval:
            gaps += 1
            missing += step // interval - 1
    return gaps, missing


def no_orders_reason(result: BacktestResult) -> str | None:
    """Why a run sent no order, when it can be told: warm-up longer than the data, a symbol not in it."""
    if result.run.orders:
        return None
    strategy = result.strategy
    bars = result.run.bars
    wanted = strategy.param_values.get("symbol")
    if wanted and wanted != result.instrument.symbol:
        return f"the strategy trades {wanted}, which is not in the data (it has {result.instrument.symbol})"
    warmup = getattr(strategy, "warmup_bars", None)
    if isinstance(warmup, int) and warmup > bars:
        return f"the strategy needs {warmup} bars of warm-up and the data has {bars}"
    return None


def summarize(
    result: BacktestResult, strategy_name: str, elapsed_s: float, interrupted: bool = False
) -> dict[str, Any]:
    """The summary dict in a stable key order (same run -> same bytes, apart from ``elapsed_s``)."""
    series = result.series
    inst = result.instrument
    equity = result.equity
    final = result.final_equity
    run = result.run
    bars = run.bars
    if bars == len(series):
        gaps, missing = series.gaps, series.missing_bars
    else:
        gaps, missing = _prefix_gaps(series.start, bars, series.interval_ns)
    places = currency_places([inst])
    outcomes = order_outcomes(run.events, {inst.symbol: inst}, places)
    return {
        "kind": "backtest",
        "interrupted": interrupted,
        "symbol": inst.symbol,
        "base": inst.base,
        "quote": inst.quote,
        "strategy": strategy_name,
        "params": {k: _plain(v) for k, v in result.strategy.param_values.items()},
        "fill": result.fill,
        "fee_bps": str(result.fee_bps),
        "tick": format(inst.price_tick, "f"),
        "lot": format(inst.size_lot, "f"),
        "bars": bars,
        "orders": run.orders,
        "sent": run.sent,
        "fills": len(result.fills),
        "fills_over_volume": result.fills_over_volume,
        "round_trips": result.round_trips,
        "denials": run.denials,
        "rejections": run.rejections,
        "denials_by_reason": dict(sorted(run.denials_by_reason.items())),
        "rejections_by_reason": dict(sorted(run.rejections_by_reason.items())),
        "initial_cash": format_atoms(result.initial_cash),
        "final_equity": format_atoms(final),
        "cash": format_atoms(result.cash),
        "position": inst.lots_to_size(result.position),
        "fees": format_atoms(result.fees),
        "return_pct": round(return_pct(result.initial_cash, final), 6),
        "max_drawdown_pct": round(max_drawdown_pct([result.initial_cash, *equity]), 6),
        "sharpe": round(sharpe(equity, series.interval_ns), 6),
        "start": format_ts(series.start[0]) if bars else None,
        "end": format_ts(series.bar_ts(bars - 1)) if bars else None,
        "first_bar": series.start[0] if bars else None,
        "last_bar": series.start[bars - 1] if bars else None,
        "interval_s": series.interval_ns / 1e9,
        "gaps": gaps,
        "missing_bars": missing,
        "trading_state": run.trading_state.value,
        "emergency_triggers": list(run.emergency_triggers),
        **outcomes,
        "no_orders_reason": no_orders_reason(result),
        "display_places": places,
        "elapsed_s": round(elapsed_s, 3),
    }


def file_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """``summary`` without wall-clock timings (what ``summary.json`` holds)."""
    return {k: v for k, v in summary.items() if k not in TIMING_KEYS}


def human_summary(summary: dict[str, Any]) -> str:
    """A few lines for a person: money at the quote currency's display precision, then the problems."""
    symbol = summary["symbol"]
    quote = summary.get("quote", "")
    decimals = (summary.get("display_places") or {}).get(quote, 2)

    def money(text: str) -> str:
        return format_money(Decimal(text), decimals)

    unit = f" {quote}" if quote else ""
    span = f"{summary['start']} .. {summary['end']}" if summary.get("start") else "no bars"
    lines = [
        f"{summary['strategy']} on {symbol}: {summary['bars']:,} bars {span} ({summary['gaps']} gaps)",
        f"  orders {summary['orders']}, fills {summary['fills']}, round trips {summary['round_trips']}, "
        f"denied {summary['denials']}, rejected {summary['rejections']}",
        f"  equity {money(summary['initial_cash'])} -> {money(summary['final_equity'])}{unit} "
        f"({summary['return_pct']:+.2f}%), fees {money(summary['fees'])}{unit}",
        f"  max drawdown {summary['max_drawdown_pct']:.2f}%, sharpe {summary['sharpe']:.2f}, "
        f"position {summary['position']}, elapsed {summary['elapsed_s']:.2f}s",
    ]
    lines += [f"  {line}" for line in problem_lines(summary)]
    return "\n".join(lines)


def write_outputs(result: BacktestResult, summary: dict[str, Any], out: OutputDir) -> OutputDir:
    """Write ``summary.json`` (no timings), ``trades.parquet`` (one row per fill), ``equity.parquet`` (per bar).

    The tables are built from integer columns with exact decimal kernels (:mod:`jtrader.backtest.tables`).
    """
    from jtrader.backtest.tables import write_tables

    out.write_json("summary.json", file_summary(summary))
    out.file("trades.parquet")
    out.file("equity.parquet")
    write_tables(result, out.path)
    return out
