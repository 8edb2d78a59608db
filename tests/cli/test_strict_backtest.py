"""``jtrader backtest --strict``: candles the loader finds suspicious but usable (gaps) are exit code 1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CLI = [sys.executable, "-m", "jtrader.cli", "backtest"]
MINUTE_MS = 60_000
T0_MS = 1_767_225_600_000


def candles(path: Path, minutes: list[int]) -> Path:
    rows = ["timestamp,open,high,low,close,volume"]
    rows += [f"{T0_MS + m * MINUTE_MS},100.00,101.00,99.00,100.50,1.5" for m in minutes]
    path.write_text("\n".join(rows) + "\n")
    return path


def backtest(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, str(path), *args], capture_output=True, text=True, check=False, timeout=300)


def test_strict_fails_on_gaps_with_a_one_line_reason_and_runs_nothing(tmp_path: Path) -> None:
    gappy = candles(tmp_path / "gappy.csv", [*range(50), *range(53, 100), *range(110, 120)])
    result = backtest(gappy, "--strict", "--json")
    assert result.returncode == 1 and result.stdout == ""
    (reason,) = [line for line in result.stderr.splitlines() if line.startswith("jtrader backtest: error:")]
    assert reason == f"jtrader backtest: error: --strict: {gappy} has 2 gap(s) in time (13 missing bar(s))"
    assert backtest(gappy, "--json").returncode == 0  # without --strict: a warning, and the run


def test_strict_passes_candles_without_problems(tmp_path: Path) -> None:
    clean = candles(tmp_path / "clean.csv", list(range(100)))
    result = backtest(clean, "--strict", "--json")
    assert result.returncode == 0, result.stderr
