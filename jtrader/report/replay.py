"""The replay (and paper session) page: per product, mid/bid/ask with the strategy's fills, the
spread, top-of-book depth and open orders over time, with gaps, resyncs and risk state changes marked."""

from __future__ import annotations

import html
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from jtrader.cmdkit.problems import problem_lines
from jtrader.report._plot import downsample, even_pick, figure, figure_div, to_datetimes
from jtrader.report.page import html_table, read_summary

__all__ = ["MAX_LINES", "MAX_MARKERS", "replay_page"]

#: fill markers per product at most (spread evenly when there are more)
MAX_MARKERS = 5000
#: vertical lines (gaps, resyncs, risk changes) drawn per chart at most
MAX_LINES = 200
_TERMINAL = {"OrderCanceled", "OrderExpired", "OrderRejected"}


def _events(directory: Path) -> list[dict[str, Any]]:
    path = directory / "events.jsonl"
    if not path.exists():
        return []
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def _open_orders(events: list[dict[str, Any]]) -> dict[str, tuple[list[int], list[int]]]:
    """Per symbol: (ts, open order count) after each change."""
    open_ids: dict[str, set[str]] = defaultdict(set)
    series: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for event in events:
        kind, symbol = event.get("type"), event.get("symbol")
        if symbol is None:
            continue
        ids = open_ids[symbol]
        before = len(ids)
        if kind == "OrderAccepted":
            ids.add(event["order_id"])
        elif kind in _TERMINAL or (kind == "OrderFilled" and float(event.get("leaves") or 0) == 0):
            ids.discard(event["order_id"])
        if len(ids) != before:
            ts_list, counts = series[symbol]
            ts_list.append(event["ts"])
            counts.append(len(ids))
    return series


def _marks(fig: Any, times: list[int], label: str, colour: str) -> None:
    for ts in [times[i] for i in even_pick(len(times), MAX_LINES)]:
        fig.add_vline(x=int(ts // 1_000_000), line={"color": colour, "width": 1, "dash": "dot"})
    if times:
        import plotly.graph_objects as go

        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                name=f"{label} ({len(times):,})",
                line={"color": colour, "dash": "dot"},
            )
        )


def _float(column: Any) -> np.ndarray:
    import polars as pl

    return column.cast(pl.Float64, strict=False).fill_null(np.nan).to_numpy()


def replay_page(directory: Path, max_points: int, kind: str) -> tuple[str, list[tuple[str, str]], list[str]]:
    """Title, sections and notes of a replay or paper result directory."""
    import plotly.graph_objects as go
    import polars as pl

    summary = read_summary(directory)
    events = _events(directory)
    book_path = directory / "book.parquet"
    book = pl.read_parquet(book_path) if book_path.exists() else None
    notes = []
    if summary.get("interrupted"):
        notes.append("This run was interrupted: the charts cover the data processed before the stop.")
    if book is None:
        notes.append("No book.parquet in this directory (written by jtrader replay --out): no book charts.")
    risk_times = [e["ts"] for e in events if e.get("type") == "RiskStateChanged"]
    fills: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in events:
        if event.get("type") == "OrderFilled":
            fills[event["symbol"]].append(event)
    open_orders = _open_orders(events)
    sections = [("Summary", _summary_table(summary))]
    symbols = sorted(set(book["symbol"].unique().to_list())) if book is not None else []
    for i, symbol in enumerate(symbols):
        rows = book.filter(pl.col("symbol") == symbol)  # type: ignore[union-attr]
        ts = rows["ts"].cast(pl.Int64).to_numpy()
        bid, ask = _float(rows["bid"]), _float(rows["ask"])
        mid = (bid + ask) / 2
        price = figure(f"{symbol}: mid, best bid and ask, fills", "price")
        for name, values, width in (("mid", mid, 1.5), ("bid", bid, 0.8), ("ask", ask, 0.8)):
            x, y = downsample(ts, values, max_points)
            price.add_trace(go.Scatter(x=to_datetimes(x), y=y, mode="lines", name=name, line={"width": width}))
        for side, marker, colour in (("BUY", "triangle-up", "#1a9850"), ("SELL", "triangle-down", "#d73027")):
            chosen = [f for f in fills.get(symbol, []) if f["side"] == side]
            pick = even_pick(len(chosen), MAX_MARKERS // 2)
            if chosen:
                price.add_trace(
                    go.Scatter(
                        x=to_datetimes([chosen[j]["ts"] for j in pick]),
                        y=[float(chosen[j]["price"]) for j in pick],
                        mode="markers",
                        name=f"{side.lower()} fills ({len(chosen):,})",
                        marker={"symbol": marker, "size": 8, "color": colour},
                    )
                )
        events_of = rows.filter(pl.col("event") != "")
        for label, colour in (("gap", "#d73027"), ("resync", "#fc8d59")):
            _marks(price, events_of.filter(pl.col("event") == label)["ts"].cast(pl.Int64).to_list(), label, colour)
        _marks(price, risk_times, "risk state change", "#7b3294")
        spread = figure(f"{symbol}: spread", "ask - bid", height=280)
        x, y = downsample(ts, ask - bid, max_points)
        spread.add_trace(go.Scatter(x=to_datetimes(x), y=y, mode="lines", name="spread"))
        depth = figure(f"{symbol}: top-of-book depth and open orders", "size (base units)", height=320)
        for name in ("bid_size", "ask_size", "bid_depth", "ask_depth"):
            x, y = downsample(ts, _float(rows[name]), max_points)
            depth.add_trace(go.Scatter(x=to_datetimes(x), y=y, mode="lines", name=name))
        if symbol in open_orders:
            times, counts = open_orders[symbol]
            x, y = downsample(np.asarray(times, dtype=np.int64), np.asarray(counts, dtype=np.float64), max_points)
            depth.add_trace(
                go.Scatter(x=to_datetimes(x), y=y, mode="lines", name="open orders", yaxis="y2", line={"shape": "hv"})
            )
            depth.update_layout(yaxis2={"title": "open orders", "overlaying": "y", "side": "right"})
        sections.append((f"{symbol}: book and fills", figure_div(price, f"book-{i}")))
        sections.append((f"{symbol}: spread", figure_div(spread, f"spread-{i}")))
        sections.append((f"{symbol}: depth and orders", figure_div(depth, f"depth-{i}")))
    label = "Paper session" if kind == "paper" else "Replay"
    title = f"{label}: {summary.get('venue', '')} {', '.join(symbols)}".strip()
    if summary.get("strategy"):
        title += f" with {summary['strategy']}"
    return title, sections, notes


def _summary_table(summary: dict[str, Any]) -> str:
    keys = (
        "venue",
        "format",
        "records",
        "messages",
        "duration_s",
        "strategy",
        "orders",
        "fills",
        "denials",
        "rejections",
        "final_equity",
        "equity_currency",
        "trading_state",
    )
    rows = [(key, summary[key]) for key in keys if key in summary]
    problems = "".join(f'<p class="problem">{html.escape(line)}</p>' for line in problem_lines(summary))
    return html_table(("field", "value"), rows, text_columns=(0, 1)) + problems
