"""The scripts in ``examples/`` run as a user runs them (a subprocess each) and print what they say."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"


def run_example(name: str, *args: str | Path) -> str:
    done = subprocess.run(
        [sys.executable, EXAMPLES / name, *map(str, args)], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_every_example_is_tested() -> None:
    tested = {"make_candles.py", "backtest_api.py", "custom_strategy.py", "replay_recording.py", "small_sweep.py"}
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


def test_make_candles_writes_a_file_the_backtest_command_reads(tmp_path: Path) -> None:
    out = run_example("make_candles.py", tmp_path / "c.csv", "--bars", "500", "--seed", "3")
    assert "wrote 500 candles" in out
    lines = (tmp_path / "c.csv").read_text().splitlines()
    assert lines[0] == "timestamp,open,high,low,close,volume" and len(lines) == 501
    done = subprocess.run(
        [sys.executable, "-m", "jtrader.cli", "backtest", tmp_path / "c.csv", "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["bars"] == 500


def test_backtest_api_saves_a_directory_that_verifies(tmp_path: Path) -> None:
    out = run_example("backtest_api.py", tmp_path)
    assert "sma_cross on BTC-USD: 5,000 bars" in out and "lowest equity" in out
    result = tmp_path / "result"
    assert {p.name for p in result.iterdir()} == {"summary.json", "trades.parquet", "equity.parquet", "manifest.json"}
    done = subprocess.run(
        [sys.executable, "-m", "jtrader.cli", "verify", result],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr + done.stdout


def test_custom_strategy_trades_more_with_a_lower_threshold() -> None:
    lines = [line for line in run_example("custom_strategy.py").splitlines() if line.startswith("threshold")]
    fills = [int(line.split(":")[1].split()[0]) for line in lines]
    assert len(fills) == 3 and fills[0] > fills[1] > 0


@pytest.mark.parametrize("name", ["replay_recording.py", "small_sweep.py"])
def test_replay_and_sweep_examples_run(name: str) -> None:
    out = run_example(name)
    if name == "replay_recording.py":
        assert "688 orders, 120 fills" in out and "MAKER" in out
    else:
        assert "best: fast=" in out and "sma_cross: need 1 <= fast < sl" in out
