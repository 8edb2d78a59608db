"""The backtest page: price with entries and exits, equity, drawdown, metrics, trades."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from jtrader.cmdkit.display import format_money
from jtrader.cmdkit.problems import problem_lines
from jtrader.report._plot import downsample, even_pick, figure, figure_div, to_datetimes
from jtrader.report.page import html_table, read_summary

__all__ = ["MAX_MARKERS", "MAX_TRADE_ROWS", "backtest_page", "drawdown_pct"]

#: fill markers drawn on the price chart at most (spread evenly over the run when there are more)
MAX_MARKERS = 5000
#: trade table rows shown at most (the first and last half; all of them are in trades.parquet)
MAX_TRADE_ROWS = 400


def drawdown_pct(equity: np.ndarray) -> np.ndarray:
    """Percent below the running peak at each point (0 at a new high, negative below it)."""
    if equity.size == 0:
        return equity
    peak = np.maximum.accumulate(equity)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(peak > 0, (equity / peak - 1.0) * 100.0, 0.0)


def _metrics(summary: dict[str, Any]) -> str:
    quote = summary.get("quote", "")
    places = (summary.get("display_places") or {}).get(quote, 2)

    def money(key: str) -> str:
        return f"{format_money(summary[key], places)} {quote}".strip() if key in summary else ""

    rows = [
        ("strategy", f"{summary.get('strategy')} {summary.get('params', {})}"),
        ("symbol", summary.get("symbol")),
        ("period", f"{summary.get('start')} .. {summary.get('end')}"),
        ("bars", f"{summary.get('bars', 0):,}"),
        ("initial cash", money("initial_cash")),
        ("final equity", money("final_equity")),
        ("return", f"{summary.get('return_pct', 0):+.2f}%"),
        ("max drawdown", f"{summary.get('max_drawdown_pct', 0):.2f}%"),
        ("sharpe", f"{summary.get('sharpe', 0):.2f}"),
        (
            "orders / fills / round trips",
            f"{summary.get('orders')} / {summary.get('fills')} / {summary.get('round_trips')}",
        ),
        ("fees", money("fees")),
        ("fill model, fee", f"{summary.get('fill')}, {summary.get('fee_bps')} bps"),
    ]
    table = html_table(("metric", "value"), rows, text_columns=(0, 1))
    problems = "".join(f'<p class="problem">{line}</p>' for line in problem_lines(summary))
    return table + problems


def backtest_page(directory: Path, max_points: int) -> tuple[str, list[tuple[str, str]], list[str]]:
    """Title, sections and notes of a backtest result directory."""
    import plotly.graph_objects as go
    import polars as pl

    summary = read_summary(directory)
    equity = pl.read_parquet(directory / "equity.parquet")
    trades = pl.read_parquet(directory / "trades.parquet")
    ts = equity["ts"].cast(pl.Int64).to_numpy()
    close = equity["close"].cast(pl.Float64).to_numpy()
    values = equity["equity"].cast(pl.Float64).to_numpy()
    notes = []
    if summary.get("interrupted"):
        notes.append("This run was interrupted: the charts cover the bars processed before the stop.")
    if len(ts) > max_points:
        notes.append(f"{len(ts):,} bars: lines are downsampled to {max_points:,} points (each bucket's low and high).")

    price = figure(f"{summary.get('symbol')}: close, entries and exits", "price")
    x, y = downsample(ts, close, max_points)
    price.add_trace(go.Scatter(x=to_datetimes(x), y=y, mode="lines", name="close", line={"width": 1}))
    for side, symbol, colour in (("BUY", "triangle-up", "#1a9850"), ("SELL", "triangle-down", "#d73027")):
        rows = trades.filter(pl.col("side") == side)
        pick = even_pick(rows.height, MAX_MARKERS // 2)
        if rows.height:
            price.add_trace(
                go.Scatter(
                    x=to_datetimes(rows["ts"].cast(pl.Int64).to_numpy()[pick]),
                    y=rows["price"].cast(pl.Float64).to_numpy()[pick],
                    mode="markers",
                    name=f"{side.lower()} fills"
                    + (f" ({len(pick):,} of {rows.height:,})" if len(pick) < rows.height else ""),
                    marker={"symbol": symbol, "size": 9, "color": colour},
                )
            )
    equity_fig = figure("Equity", summary.get("quote", ""))
    x, y = downsample(ts, values, max_points)
    equity_fig.add_trace(go.Scatter(x=to_datetimes(x), y=y, mode="lines", name="equity"))
    drawdown = figure("Drawdown", "% below the peak", height=300)
    x, y = downsample(ts, drawdown_pct(values), max_points)
    drawdown.add_trace(go.Scatter(x=to_datetimes(x), y=y, mode="lines", name="drawdown", fill="tozeroy"))

    sections = [
        ("Metrics", _metrics(summary)),
        ("Price", figure_div(price, "price")),
        ("Equity", figure_div(equity_fig, "equity")),
        ("Drawdown", figure_div(drawdown, "drawdown")),
        ("Trades", _trade_table(trades)),
    ]
    title = f"Backtest: {summary.get('strategy')} on {summary.get('symbol')}"
    return title, sections, notes


def _trade_table(trades: Any) -> str:
    import polars as pl

    columns = ["ts", "order_id", "side", "price", "size", "notional", "fee", "liquidity"]
    height = trades.height
    if height == 0:
        return '<p class="note">No fills.</p>'
    half = MAX_TRADE_ROWS // 2
    shown = trades if height <= MAX_TRADE_ROWS else pl.concat([trades.head(half), trades.tail(half)])
    rows = [[str(v) for v in row] for row in shown.select(columns).iter_rows()]
    note = (
        ""
        if height <= MAX_TRADE_ROWS
        else f'<p class="note">{height:,} fills: the first and last {half} shown; all are in trades.parquet.</p>'
    )
    return note + html_table(columns, rows, text_columns=(0, 1, 2, 7))
