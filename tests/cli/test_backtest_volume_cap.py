"""``jtrader backtest --volume-cap PCT`` as a real subprocess: capped candle fills and ``fills_over_volume``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

CLI = [sys.executable, "-m", "jtrader.cli"]
#: buys 2 BTC once, on the first bar; the bars trade 0.5 and 1 BTC in turn
STRATEGY = """
from jtrader.trading import Strategy
class BuyTwo(Strategy):
    params = {}
    def on_bar(self, ctx, bar):
        if not self.__dict__.get("sent"):
            self.sent = True
            ctx.buy(bar.symbol, 200_000_000)
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    candles = tmp_path / "candles.csv"
    n = 40
    pl.DataFrame(
        {
            "timestamp": [1_700_000_000_000 + i * 60_000 for i in range(n)],
            "open": [100.0] * n,
            "high": [101.0] * n,
            "low": [99.0] * n,
            "close": [100.0] * n,
            "volume": [0.5 + (i % 2) / 2 for i in range(n)],
        }
    ).write_csv(candles)
    strategy = tmp_path / "buy_two.py"
    strategy.write_text(STRATEGY)
    return candles, strategy


def backtest(candles: Path, strategy: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    args = [*CLI, "backtest", str(candles), "--strategy", f"{strategy}:BuyTwo", "--json", *extra]
    return subprocess.run(args, capture_output=True, text=True, check=False, timeout=300)


def test_without_a_cap_a_fill_past_the_bars_volume_is_counted(files: tuple[Path, Path]) -> None:
    proc = backtest(*files)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    assert (summary["fills"], summary["fills_over_volume"], summary["position"]) == (1, 1, "2.00000000")


def test_a_volume_cap_spreads_the_order_over_bars_and_nothing_is_over_volume(files: tuple[Path, Path]) -> None:
    proc = backtest(*files, "--volume-cap", "50")
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout)
    # from the next bar on, 50% of 1.0 / 0.5 BTC per bar: 0.5 + 0.25 + 0.5 + 0.25 + 0.5
    assert summary["fills"] == 5 and summary["fills_over_volume"] == 0
    assert summary["position"] == "2.00000000"


def test_a_volume_cap_outside_0_to_100_is_a_clear_error(files: tuple[Path, Path]) -> None:
    proc = backtest(*files, "--volume-cap", "0")
    assert proc.returncode == 1 and "volume_cap" in proc.stderr and not proc.stdout
