"""Trustworthy results through the real CLI: counts by reason, no spurious denials, a raising strategy is an
error that writes nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from jtrader.backtest.synthetic import random_walk
from jtrader.model import Instrument

CLI = [sys.executable, "-m", "jtrader.cli"]
REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "recordings" / "coinbase_btcusd_sample.jtrec"


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, check=False, timeout=300)


@pytest.fixture
def candles(tmp_path: Path) -> Path:
    inst = Instrument("BTC-USD", "BTC", "USD")
    s = random_walk(inst, 400, seed=11)
    rows = ["ts,open,high,low,close,volume"]
    for i in range(len(s.close)):
        rows.append(f"{s.start[i] // 10**9},{s.open[i] / 100},{s.high[i] / 100},{s.low[i] / 100},{s.close[i] / 100},1")
    path = tmp_path / "candles.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_the_quick_start_demo_has_no_denial_and_counts_rejections_by_reason() -> None:
    proc = run_cli("replay", SAMPLE, "--strategy", "market_maker", "--param", "half_spread_ticks=1", "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["denials"] == 0 and summary["denials_by_reason"] == {}
    assert sum(summary["rejections_by_reason"].values()) == summary["rejections"]
    assert list(summary["rejections_by_reason"]) == sorted(summary["rejections_by_reason"])
    assert summary["orders"] > 500 and summary["fills"] > 50
    # one request in flight per side: a venue refuses few quotes (stale position, book or fill in flight)
    assert summary["rejections"] < summary["orders"] // 5


@pytest.mark.parametrize("strategy", ["sma_cross", "breakout"])
def test_backtest_json_counts_denials_and_rejections_by_reason(candles: Path, strategy: str) -> None:
    proc = run_cli("backtest", candles, "--strategy", strategy, "--json")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["denials_by_reason"] == {} and summary["denials"] == 0
    assert sum(summary["rejections_by_reason"].values()) == summary["rejections"]


def test_a_raising_strategy_is_an_error_naming_where_and_writes_no_results(candles: Path, tmp_path: Path) -> None:
    source = tmp_path / "broken.py"
    source.write_text(
        "from jtrader.trading import Strategy\n"
        "class Broken(Strategy):\n"
        "    name = 'broken'\n"
        "    def on_bar(self, ctx, bar):\n"
        "        if ctx.position(bar.symbol) == 0 and bar.close % 7 == 3:\n"
        "            raise ZeroDivisionError('strategy bug')\n"
    )
    out = tmp_path / "out"
    proc = run_cli("backtest", candles, "--strategy", f"{source}:Broken", "--out", out, "--json")
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "error: strategy 'broken' raised ZeroDivisionError in on_bar on BTC-USD at 20" in proc.stderr
    assert "strategy bug" in proc.stderr and "results are incomplete" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (out / "summary.json").exists()


@pytest.mark.shared_data
@pytest.mark.parametrize("strategy", ["breakout", "sma_cross"])
def test_real_ethbtc_candles_run_without_a_denial(shared_data: Path, strategy: str) -> None:
    path = shared_data / "candles" / "binance_1m_ethbtc_2018-01.json"
    proc = run_cli(
        "backtest",
        path,
        "--symbol",
        "ETH-BTC",
        "--tick",
        "0.00000001",
        "--strategy",
        strategy,
        "--cash",
        "10",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["denials"] == 0 and summary["denials_by_reason"] == {}
    assert summary["round_trips"] > 10
