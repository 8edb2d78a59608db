"""``jtrader strategies`` as a real subprocess: the human list and the JSON list."""

from __future__ import annotations

import json
import subprocess
import sys

CLI = [sys.executable, "-m", "jtrader.cli"]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, check=False, timeout=120)


def test_strategies_lists_every_bundled_strategy_with_its_parameters() -> None:
    proc = run_cli("strategies")
    assert proc.returncode == 0, proc.stderr
    for line in (
        "sma_cross:",
        "--param fast=10  (int)",
        "--param slow=30  (int)",
        "breakout:",
        "market_maker:",
        "--param size=0.001  (Decimal)",
        "path/to/file.py:ClassName",
    ):
        assert line in proc.stdout


def test_strategies_json_is_machine_readable() -> None:
    proc = run_cli("strategies", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    by_name = {item["name"]: item for item in data["strategies"]}
    assert sorted(by_name) == ["breakout", "market_maker", "sma_cross"]
    assert by_name["sma_cross"]["params"] == {
        "fast": {"default": 10, "type": "int"},
        "slow": {"default": 30, "type": "int"},
        "symbol": {"default": "", "type": "str"},
    }
    assert by_name["breakout"]["params"]["entry"]["default"] == 20
