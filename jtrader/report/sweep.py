"""The sweep page: a heatmap of one metric over two parameters, and the best grid points.

Input: the sweep's Parquet file (``jtrader sweep --out FILE.parquet``): one row per grid point,
one column per parameter, plus the metric columns (:data:`jtrader.report.page.METRIC_COLUMNS`).
With more than two parameters, each heatmap cell shows the best value of the metric over the
others (the page says so).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from jtrader.errors import ConfigError
from jtrader.report._plot import figure_div
from jtrader.report.page import METRIC_COLUMNS, html_table

__all__ = ["LOWER_IS_BETTER", "TOP_ROWS", "sweep_page"]

#: metrics where a smaller value is better (the heatmap's "best over the other parameters" is the minimum)
LOWER_IS_BETTER = frozenset({"max_drawdown_pct", "fees", "denials", "rejections", "elapsed_s"})
#: rows of the best-points table
TOP_ROWS = 20


def sweep_page(
    path: Path, metric: str | None, x_param: str | None, y_param: str | None
) -> tuple[str, list[tuple[str, str]], list[str]]:
    """Title, sections and notes of a sweep file."""
    import plotly.graph_objects as go
    import polars as pl

    frame = pl.read_parquet(path)
    params = [c for c in frame.columns if c not in METRIC_COLUMNS]
    metrics = [
        c for c in frame.columns if (c in METRIC_COLUMNS and frame[c].dtype.is_numeric()) or c in ("final_equity",)
    ]
    if len(params) < 1:
        raise ConfigError(f"{path}: no parameter columns (every column is a metric)")
    metric = metric or ("sharpe" if "sharpe" in frame.columns else (metrics[0] if metrics else ""))
    if metric not in frame.columns:
        raise ConfigError(f"{path}: no metric column {metric!r}; columns: {', '.join(frame.columns)}")
    x_param = x_param or params[0]
    y_param = y_param or (params[1] if len(params) > 1 else None)
    for name in (x_param, y_param):
        if name is not None and name not in params:
            raise ConfigError(f"{path}: {name!r} is not a parameter column; parameters: {', '.join(params)}")
    values = pl.col(metric).cast(pl.Float64, strict=False)
    lower = metric in LOWER_IS_BETTER
    best = values.min() if lower else values.max()
    notes = [f"{frame.height:,} grid points; parameters: {', '.join(params)}."]
    keys = [x_param] + ([y_param] if y_param else [])
    others = [p for p in params if p not in keys]
    if others:
        notes.append(f"Each cell is the {'lowest' if lower else 'highest'} {metric} over {', '.join(others)}.")
    grid = frame.group_by(keys).agg(best.alias(metric)).sort(keys)
    xs = sorted(grid[x_param].unique().to_list())
    if y_param:
        ys = sorted(grid[y_param].unique().to_list())
        z = np.full((len(ys), len(xs)), np.nan)
        xi = {v: i for i, v in enumerate(xs)}
        yi = {v: i for i, v in enumerate(ys)}
        for xv, yv, mv in grid.select(x_param, y_param, metric).iter_rows():
            z[yi[yv], xi[xv]] = np.nan if mv is None else mv
        trace = go.Heatmap(
            x=[str(v) for v in xs],
            y=[str(v) for v in ys],
            z=z,
            colorscale="RdYlGn_r" if lower else "RdYlGn",
            colorbar={"title": metric},
        )
    else:
        ys = []
        trace = go.Bar(x=[str(v) for v in grid[x_param].to_list()], y=grid[metric].to_list(), name=metric)
    fig = go.Figure(trace)
    fig.update_layout(
        title={"text": f"{metric} by {x_param}" + (f" and {y_param}" if y_param else "")},
        xaxis_title=x_param,
        yaxis_title=y_param or metric,
        height=520,
        template="plotly_white",
    )
    ranked = frame.sort(pl.col(metric).cast(pl.Float64, strict=False), descending=not lower, nulls_last=True).head(
        TOP_ROWS
    )
    table = html_table(ranked.columns, ranked.iter_rows())
    sections = [
        ("Heatmap", figure_div(fig, "heatmap")),
        (f"Best {min(TOP_ROWS, frame.height)} points by {metric}", table),
    ]
    return f"Sweep: {metric} over {', '.join(keys)}", sections, notes
