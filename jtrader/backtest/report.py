"""The backtest's outputs: the summary dict (``--json``), a short human text, and ``--out`` files.

Summary fields (money as exact decimal strings of the quote currency):

``bars, orders, fills, fills_over_volume, round_trips, final_equity, fees, return_pct, max_drawdown_pct, sharpe,
elapsed_s`` plus ``symbol, strategy, params, fill, fee_bps, initial_cash, cash, position (base
units), start, end (ISO 8601 UTC: first bar's open, last bar's close), first_bar, last_bar (ns,
open times), interval_s, gaps, missing_bars, denials, rejections``.

``sharpe`` is computed from the per-bar returns of equity, annualized by the number of bars in a
365-day year at the median bar interval; 0 when undefined (see :func:`jtrader.backtest.metrics.sharpe`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jtrader.backtest.candles import format_ts
from jtrader.backtest.metrics import max_drawdown_pct, return_pct, sharpe
from jtrader.backtest.runner import BacktestResult
from jtrader.errors import ConfigError
from jtrader.model import format_atoms

__all__ = ["human_summary", "summarize", "write_outputs"]


def _plain(value: Any) -> Any:
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)


def summarize(result: BacktestResult, strategy_name: str, elapsed_s: float) -> dict[str, Any]:
    """The summary dict in a stable key order (same run -> same bytes, apart from ``elapsed_s``)."""
    series = result.series
    inst = result.instrument
    equity = result.equity
    final = result.final_equity
    run = result.run
    return {
        "symbol": inst.symbol,
        "strategy": strategy_name,
        "params": {k: _plain(v) for k, v in result.strategy.param_values.items()},
        "fill": result.fill,
        "fee_bps": str(result.fee_bps),
        "tick": format(inst.price_tick, "f"),
        "lot": format(inst.size_lot, "f"),
        "bars": len(series),
        "orders": run.orders,
        "fills": len(result.fills),
        "fills_over_volume": result.fills_over_volume,
        "round_trips": result.round_trips,
        "denials": run.denials,
        "rejections": run.rejections,
        "initial_cash": format_atoms(result.initial_cash),
        "final_equity": format_atoms(final),
        "cash": format_atoms(result.cash),
        "position": inst.lots_to_size(result.position),
        "fees": format_atoms(result.fees),
        "return_pct": round(return_pct(result.initial_cash, final), 6),
        "max_drawdown_pct": round(max_drawdown_pct([result.initial_cash, *equity]), 6),
        "sharpe": round(sharpe(equity, series.interval_ns), 6),
        "start": format_ts(series.start[0]),
        "end": format_ts(series.bar_ts(len(series) - 1)),
        "first_bar": series.start[0],
        "last_bar": series.start[-1],
        "interval_s": series.interval_ns / 1e9,
        "gaps": series.gaps,
        "missing_bars": series.missing_bars,
        "elapsed_s": round(elapsed_s, 3),
    }


def human_summary(summary: dict[str, Any]) -> str:
    """A few lines for a person (quote currency amounts rounded to 2 decimals for display)."""

    def money(text: str) -> str:
        return f"{float(text):,.2f}"

    lines = [
        f"{summary['strategy']} on {summary['symbol']}: {summary['bars']} bars "
        f"{summary['start']} .. {summary['end']} ({summary['gaps']} gaps)",
        f"  orders {summary['orders']}, fills {summary['fills']}, round trips {summary['round_trips']}, "
        f"denied {summary['denials']}, rejected {summary['rejections']}",
        f"  equity {money(summary['initial_cash'])} -> {money(summary['final_equity'])} "
        f"({summary['return_pct']:+.2f}%), fees {money(summary['fees'])}",
        f"  max drawdown {summary['max_drawdown_pct']:.2f}%, sharpe {summary['sharpe']:.2f}, "
        f"position {summary['position']}, elapsed {summary['elapsed_s']:.2f}s",
    ]
    return "\n".join(lines)


def write_outputs(result: BacktestResult, summary: dict[str, Any], out_dir: str | Path) -> Path:
    """Write ``summary.json``, ``trades.parquet`` (one row per fill) and ``equity.parquet`` (one row per bar)."""
    import polars as pl

    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"--out {out}: cannot create the directory: {exc}") from exc
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    inst = result.instrument
    fills = result.fills
    price_type = pl.Decimal(38, inst.price_precision)
    size_type = pl.Decimal(38, inst.size_precision)
    money_type = pl.Decimal(38, 18)
    from decimal import Decimal

    trades = pl.DataFrame(
        {
            "ts": pl.Series([f.ts for f in fills], dtype=pl.Int64).cast(pl.Datetime("ns", "UTC")),
            "order_id": pl.Series([f.order_id for f in fills], dtype=pl.String),
            "side": pl.Series([f.side.value for f in fills], dtype=pl.String),
            "price": pl.Series([Decimal(inst.ticks_to_price(f.price)) for f in fills], dtype=price_type),
            "size": pl.Series([Decimal(inst.lots_to_size(f.size)) for f in fills], dtype=size_type),
            "notional": pl.Series(
                [Decimal(format_atoms(inst.notional_atoms(f.price, f.size))) for f in fills], dtype=money_type
            ),
            "fee": pl.Series([Decimal(format_atoms(f.fee)) for f in fills], dtype=money_type),
            "fee_currency": pl.Series([f.fee_currency for f in fills], dtype=pl.String),
            "liquidity": pl.Series([f.liquidity.value for f in fills], dtype=pl.String),
            "price_ticks": pl.Series([f.price for f in fills], dtype=pl.Int64),
            "size_lots": pl.Series([f.size for f in fills], dtype=pl.Int64),
        }
    )
    trades.write_parquet(out / "trades.parquet")
    series = result.series
    equity = pl.DataFrame(
        {
            "ts": pl.Series([series.bar_ts(i) for i in range(len(series))], dtype=pl.Int64).cast(
                pl.Datetime("ns", "UTC")
            ),
            "close": pl.Series([Decimal(inst.ticks_to_price(c)) for c in series.close], dtype=price_type),
            "equity": pl.Series([Decimal(format_atoms(e)) for e in result.equity], dtype=money_type),
        }
    )
    equity.write_parquet(out / "equity.parquet")
    return out
