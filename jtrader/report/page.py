"""Assemble one self-contained HTML report: detect the result's kind, build its sections, write the file.

A section is ``(title, html)``; pages are lists of sections (charts from ``_plot.figure_div``,
tables from :func:`html_table`). The page inlines plotly.js once and nothing else is fetched, so
the file opens offline. Every id is fixed and nothing time-dependent is written: the same result
gives the same bytes.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import orjson

from jtrader.errors import ConfigError

__all__ = ["METRIC_COLUMNS", "detect_kind", "html_table", "read_summary", "write_report"]

#: the backtest metric columns of a sweep file (every other column is a parameter)
METRIC_COLUMNS = (
    "bars",
    "orders",
    "sent",
    "fills",
    "round_trips",
    "denials",
    "rejections",
    "final_equity",
    "fees",
    "cash",
    "position",
    "return_pct",
    "max_drawdown_pct",
    "sharpe",
    "elapsed_s",
    "error",
)
KINDS = ("backtest", "replay", "paper", "sweep")

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1200px; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.6em; }
table { border-collapse: collapse; font-size: 0.9em; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; }
th { background: #f4f4f4; } td.text { text-align: left; }
.note { color: #666; font-size: 0.9em; } .problem { color: #a40; }
"""


def read_summary(directory: Path) -> dict[str, Any]:
    """``DIR/summary.json`` (ConfigError when missing or unreadable)."""
    path = directory / "summary.json"
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        raise ConfigError(f"{directory}: no summary.json: not a jtrader result directory") from None
    except orjson.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a JSON object")
    return data


def detect_kind(result: Path) -> str:
    """The kind of ``result``: a sweep ``.parquet`` file, or a directory's ``summary.json`` ``kind``."""
    if result.is_file():
        if result.suffix == ".parquet":
            return "sweep"
        if result.suffix == ".jtrec":
            return "paper_recording"
        raise ConfigError(f"{result}: expected a result directory, a sweep .parquet or a paper recording .jtrec")
    if not result.is_dir():
        raise ConfigError(f"{result}: no such result directory or sweep file")
    kind = read_summary(result).get("kind")
    if kind in KINDS:
        return str(kind)
    if kind is not None:
        raise ConfigError(f"{result}: unknown result kind {kind!r}; expected one of {', '.join(KINDS)}")
    if (result / "equity.parquet").exists():
        return "backtest"
    if (result / "events.jsonl").exists():
        return "replay"
    raise ConfigError(f"{result}: cannot tell what kind of result this is (summary.json has no 'kind')")


def html_table(header: Sequence[str], rows: Iterable[Sequence[Any]], text_columns: Iterable[int] = ()) -> str:
    """A plain HTML table (values escaped; columns in ``text_columns`` left-aligned)."""
    texts = set(text_columns)
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="text">{html.escape(_cell(v))}</td>' if i in texts else f"<td>{html.escape(_cell(v))}</td>"
            for i, v in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.4f}"
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return str(value)


def render(title: str, sections: list[tuple[str, str]], notes: Sequence[str] = ()) -> str:
    """The whole page: plotly.js inlined once, the title, notes, then each section."""
    from plotly.offline import get_plotlyjs

    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{_STYLE}</style>",
        f'<script type="text/javascript">{get_plotlyjs()}</script>',
        "</head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    parts += [f'<p class="note">{html.escape(note)}</p>' for note in notes]
    for heading, body in sections:
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        parts.append(body)
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_report(
    result: str | Path,
    output: str | Path | None = None,
    *,
    max_points: int = 2000,
    metric: str | None = None,
    x_param: str | None = None,
    y_param: str | None = None,
) -> Path:
    """Write the HTML report of ``result`` to ``output`` (default ``DIR/report.html``, ``SWEEP.html``, ``FILE.html``).

    ``result`` is a result directory, a sweep ``.parquet`` or a paper recording ``.jtrec`` (its
    session is rebuilt by a replay with the configuration in its header).
    """
    source = Path(result)
    kind = detect_kind(source)
    try:
        import plotly  # noqa: F401
    except ImportError:  # pragma: no cover - plotly is in the dev extra
        raise ConfigError("HTML reports need plotly: pip install 'jtrader[report]'") from None
    if max_points < 10:
        raise ConfigError(f"--max-points must be at least 10, got {max_points}")
    if kind == "sweep":
        from jtrader.report.sweep import sweep_page

        target = Path(output) if output else source.with_suffix(".html")
        title, sections, notes = sweep_page(source, metric, x_param, y_param)
    elif kind == "backtest":
        from jtrader.report.backtest import backtest_page

        target = Path(output) if output else source / "report.html"
        title, sections, notes = backtest_page(source, max_points)
    elif kind == "paper_recording":
        import tempfile

        from jtrader.paper.outputs import write_session_result
        from jtrader.report.replay import replay_page

        target = Path(output) if output else source.with_suffix(".html")
        with tempfile.TemporaryDirectory(prefix="jtrader-paper-") as scratch:
            write_session_result(source, Path(scratch) / "result")
            title, sections, notes = replay_page(Path(scratch) / "result", max_points, "paper")
    else:
        from jtrader.report.replay import replay_page

        target = Path(output) if output else source / "report.html"
        title, sections, notes = replay_page(source, max_points, kind)
    target.write_text(render(title, sections, notes), encoding="utf-8")
    return target
