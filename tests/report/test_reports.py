"""HTML reports: they open in headless Chromium without script errors and show the expected charts;
the same result gives the same bytes; long series are downsampled; sweeps get a heatmap."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from jtrader.errors import ConfigError
from jtrader.report import report_kind, write_report
from jtrader.report._plot import downsample, even_pick
from tests.cli.clikit import RECORDINGS, run_cli, write_candles
from tests.report.browser import render

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def backtest_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bt")
    data = write_candles(root / "c.parquet", 5000)
    out = root / "out"
    done = run_cli("backtest", data, "--param", "fast=5", "--param", "slow=20", "--out", out, "--report")
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def replay_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rp") / "out"
    sample = RECORDINGS / "coinbase_btcusd_sample.jtrec"
    done = run_cli(
        "replay", sample, "--strategy", "market_maker", "--param", "half_spread_ticks=1", "--out", out, "--report"
    )
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sweep result as issue 12 defines it: one row per grid point, parameter columns, metric columns."""
    rows = []
    for fast in (5, 10, 15, 20):
        for slow in (30, 50, 80):
            for fee in (5, 10):
                rows.append(
                    {
                        "fast": fast,
                        "slow": slow,
                        "fee_bps": fee,
                        "bars": 1000,
                        "orders": fast + slow,
                        "fills": fast,
                        "round_trips": fast // 2,
                        "final_equity": str(100000 + fast * slow - fee),
                        "fees": str(fee),
                        "return_pct": (fast * slow - fee) / 1000,
                        "max_drawdown_pct": slow / 10,
                        "sharpe": fast / slow - fee / 100,
                    }
                )
    path = tmp_path_factory.mktemp("sweep") / "sweep.parquet"
    pl.DataFrame(rows).write_parquet(path)
    return path


def test_a_backtest_report_renders_price_equity_and_drawdown(backtest_dir: Path) -> None:
    page = backtest_dir / "report.html"
    result = render(page)
    assert result["errors"] == []
    charts = {plot["id"]: plot for plot in result["plots"]}
    assert set(charts) == {"price", "equity", "drawdown"}
    assert all(plot["svg"] > 0 for plot in charts.values())
    assert charts["price"]["traces"] == 3  # close, buy fills, sell fills
    assert charts["equity"]["title"] == "Equity"
    text = page.read_text()
    assert "<h2>Trades</h2>" in text and "<h2>Metrics</h2>" in text
    assert "http://" not in text.split("<script", 1)[0]  # nothing fetched before the inlined plotly.js


def test_a_replay_report_renders_book_spread_and_depth_with_fills(replay_dir: Path) -> None:
    result = render(replay_dir / "report.html")
    assert result["errors"] == []
    charts = {plot["id"]: plot for plot in result["plots"]}
    assert set(charts) == {"book-0", "spread-0", "depth-0"}
    assert charts["book-0"]["title"].startswith("BTC-USD: mid, best bid and ask")
    assert charts["book-0"]["traces"] == 5  # mid, bid, ask, buy fills, sell fills
    assert charts["depth-0"]["traces"] == 5  # 4 size lines and open orders


def test_a_sweep_report_renders_a_heatmap_of_the_chosen_metric(sweep_file: Path, tmp_path: Path) -> None:
    done = run_cli(
        "report", sweep_file, "-o", tmp_path / "s.html", "--metric", "return_pct", "--x", "slow", "--y", "fast"
    )
    assert done.returncode == 0, done.stderr
    result = render(tmp_path / "s.html")
    assert result["errors"] == []
    (heatmap,) = result["plots"]
    assert heatmap["id"] == "heatmap" and heatmap["title"] == "return_pct by slow and fast"
    text = (tmp_path / "s.html").read_text()
    assert "Each cell is the highest return_pct over fee_bps." in text


def test_the_render_check_catches_a_script_error(tmp_path: Path) -> None:
    page = tmp_path / "broken.html"
    page.write_text("<html><head></head><body><script>undefinedFunction();</script></body></html>")
    result = render(page)
    assert any("undefinedFunction" in error for error in result["errors"])


def test_a_report_is_byte_identical_when_written_again(backtest_dir: Path, replay_dir: Path, tmp_path: Path) -> None:
    for directory in (backtest_dir, replay_dir):
        again = write_report(directory, tmp_path / f"{directory.parent.name}.html")
        assert again.read_bytes() == (directory / "report.html").read_bytes()


def test_the_sweep_heatmap_takes_the_best_value_over_the_other_parameters(sweep_file: Path, tmp_path: Path) -> None:
    target = write_report(sweep_file, tmp_path / "s.html", metric="max_drawdown_pct")
    text = target.read_text()
    assert "Each cell is the lowest max_drawdown_pct over fee_bps." in text  # lower is better for drawdowns
    assert sweep_file.with_suffix(".html") == write_report(sweep_file)
    with pytest.raises(ConfigError, match="no metric column 'calmar'"):
        write_report(sweep_file, tmp_path / "x.html", metric="calmar")
    with pytest.raises(ConfigError, match="'fees' is not a parameter column"):
        write_report(sweep_file, tmp_path / "x.html", x_param="fees")


def test_kinds_come_from_the_summary_or_the_files(
    backtest_dir: Path, replay_dir: Path, sweep_file: Path, tmp_path: Path
) -> None:
    assert (report_kind(backtest_dir), report_kind(replay_dir), report_kind(sweep_file)) == (
        "backtest",
        "replay",
        "sweep",
    )
    paper = tmp_path / "paper"
    paper.mkdir()
    summary = json.loads((replay_dir / "summary.json").read_text())
    (paper / "summary.json").write_text(json.dumps({**summary, "kind": "paper"}))
    (paper / "events.jsonl").write_bytes((replay_dir / "events.jsonl").read_bytes())
    (paper / "book.parquet").write_bytes((replay_dir / "book.parquet").read_bytes())
    assert report_kind(paper) == "paper"
    assert "<title>Paper session: coinbase BTC-USD with market_maker</title>" in write_report(paper).read_text()
    with pytest.raises(ConfigError, match="no summary.json"):
        report_kind(tmp_path)
    with pytest.raises(ConfigError, match="no such result"):
        report_kind(tmp_path / "missing")


def test_a_million_bar_backtest_report_stays_small(tmp_path: Path) -> None:
    n = 1_000_000
    out = tmp_path / "big"
    out.mkdir()
    ts = 1_700_000_000_000_000_000 + np.arange(n, dtype=np.int64) * 60_000_000_000
    close = 65_000 + np.cumsum(np.random.default_rng(1).normal(0, 5, n))
    pl.DataFrame({"ts": ts, "close": close, "equity": 100_000 + close - close[0]}).with_columns(
        pl.col("ts").cast(pl.Datetime("ns", "UTC"))
    ).write_parquet(out / "equity.parquet")
    pl.DataFrame(
        {
            "ts": ts[:3],
            "order_id": ["o-1", "o-2", "o-3"],
            "side": ["BUY", "SELL", "BUY"],
            "price": close[:3],
            "size": [1.0] * 3,
            "notional": [1.0] * 3,
            "fee": [0.0] * 3,
            "liquidity": ["TAKER"] * 3,
        }
    ).with_columns(pl.col("ts").cast(pl.Datetime("ns", "UTC"))).write_parquet(out / "trades.parquet")
    (out / "summary.json").write_text(json.dumps({"kind": "backtest", "symbol": "BTC-USD", "strategy": "s", "bars": n}))
    from plotly.offline import get_plotlyjs

    page = write_report(out, max_points=2000)
    assert page.stat().st_size < len(get_plotlyjs()) + 400_000
    assert "1,000,000 bars: lines are downsampled to 2,000 points" in page.read_text()


def test_downsampling_keeps_the_extremes_and_the_last_point() -> None:
    x = np.arange(100_000)
    y = np.sin(x / 1000.0)
    y[54_321] = -5.0
    y[77_777] = 9.0
    dx, dy = downsample(x, y, 500)
    assert len(dx) <= 501
    assert dy.min() == -5.0 and dy.max() == 9.0 and dx[-1] == 99_999
    assert list(np.diff(dx) > 0) == [True] * (len(dx) - 1)
    assert downsample(x[:10], y[:10], 500)[0].tolist() == list(range(10))
    assert even_pick(3, 10).tolist() == [0, 1, 2] and len(even_pick(10_000, 50)) == 50
