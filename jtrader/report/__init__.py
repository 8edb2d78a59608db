"""HTML reports of results: ``jtrader report RESULT`` and ``--report`` on commands with an output.

Input contract (files only; nothing is re-run):

* a **result directory** with ``summary.json`` whose ``"kind"`` picks the page:
  ``backtest`` (``equity.parquet``, ``trades.parquet``), ``replay`` and ``paper`` (``book.parquet``,
  ``events.jsonl``); a directory without ``kind`` is recognized by its files;
* a **sweep file** (``--out FILE.parquet`` of ``jtrader sweep``): one row per grid point, one
  column per parameter (named after it) plus the backtest metric columns (:data:`METRIC_COLUMNS`).

Output: one self-contained HTML file (plotly.js inlined: opens offline), deterministic (fixed
element ids, no timestamps: the same result gives the same bytes). Long series are downsampled
to ``max_points`` per line, keeping each bucket's extremes, so a million-bar run stays responsive.
plotly is the ``report`` extra, imported only when a report is written.
"""

from __future__ import annotations

from pathlib import Path

from jtrader.report.page import METRIC_COLUMNS, write_report

__all__ = ["METRIC_COLUMNS", "report_kind", "write_report"]


def report_kind(result: str | Path) -> str:
    """``backtest``, ``replay``, ``paper`` or ``sweep`` for ``result`` (see the module docstring)."""
    from jtrader.report.page import detect_kind

    return detect_kind(Path(result))
