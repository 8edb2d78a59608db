"""Plot helpers shared by the report pages: downsampling, figure layout, one figure as an HTML div.

plotly is imported inside these functions only (the ``report`` extra).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["PLOT_CONFIG", "downsample", "even_pick", "figure", "figure_div", "to_datetimes"]

#: plotly's config for every chart: no logo, no "edit in chart studio" link, responsive
PLOT_CONFIG = {"displaylogo": False, "responsive": True}


def downsample(x: np.ndarray, y: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``max_points`` of ``(x, y)``: the lowest and the highest point of each of ``max_points // 2``
    equal buckets, in order, plus the last point. Keeps every peak and trough a reader would look for
    (a drawdown's bottom survives), unlike taking every n-th point. NaNs are kept out of the extremes.
    """
    n = len(x)
    if n <= max_points or max_points < 4:
        return x, y
    buckets = max_points // 2
    edges = np.linspace(0, n, buckets + 1).astype(np.int64)
    picks: list[int] = []
    filled = np.where(np.isnan(y), np.nanmean(y) if np.isfinite(y).any() else 0.0, y)
    for start, end in itertools.pairwise(edges.tolist()):
        if end <= start:
            continue
        part = filled[start:end]
        low, high = int(np.argmin(part)) + start, int(np.argmax(part)) + start
        picks.extend(sorted({low, high}))
    if picks[-1] != n - 1:
        picks.append(n - 1)
    index = np.array(picks, dtype=np.int64)
    return x[index], y[index]


def even_pick(count: int, limit: int) -> np.ndarray:
    """Indices of at most ``limit`` items spread evenly over ``count`` (all of them when they fit)."""
    if count <= limit:
        return np.arange(count)
    return np.unique(np.linspace(0, count - 1, limit).astype(np.int64))


def to_datetimes(ns: Sequence[int] | np.ndarray) -> np.ndarray:
    """Nanoseconds since the epoch as ``datetime64[ms]`` (what the charts' time axes show)."""
    return (np.asarray(ns, dtype=np.int64) // 1_000_000).astype("datetime64[ms]")


def figure(title: str, y_title: str, height: int = 380) -> Any:
    """An empty plotly figure with the report's layout (time on x, legend on top)."""
    import plotly.graph_objects as go

    fig = go.Figure()
    fig.update_layout(
        title={"text": title},
        height=height,
        margin={"l": 60, "r": 20, "t": 60, "b": 40},
        yaxis_title=y_title,
        hovermode="x",
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        template="plotly_white",
    )
    return fig


def figure_div(fig: Any, div_id: str) -> str:
    """The figure as a ``<div>`` plus its script (plotly.js itself is inlined once, by the page)."""
    import plotly.io as pio

    return str(pio.to_html(fig, full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOT_CONFIG))
