"""Helpers for tests that run ``jtrader`` as a real subprocess: start it, wait for a line, signal it."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import polars as pl

CLI = [sys.executable, "-m", "jtrader.cli"]
REPO = Path(__file__).resolve().parents[2]
RECORDINGS = REPO / "recordings"


class Running:
    """A ``jtrader`` subprocess whose stderr lines are collected by a thread (so waits can time out)."""

    def __init__(self, *args: str | Path, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [*CLI, *map(str, args)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env={**os.environ, **(env or {})},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.stderr: list[str] = []
        self.stdout: list[str] = []
        self._readers = [
            threading.Thread(target=self._read_stderr, daemon=True),
            threading.Thread(target=self._read_stdout, daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line)
            self.lines.put(line)

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        self.stdout.append(self.proc.stdout.read())

    def wait_for(self, text: str, timeout: float = 120) -> str:
        """Block until a stderr line contains ``text``; fail (and kill the process) after ``timeout`` s."""
        try:
            while True:
                line = self.lines.get(timeout=timeout)
                if text in line:
                    return line
        except queue.Empty:
            self.proc.kill()
            raise AssertionError(f"no stderr line with {text!r} within {timeout} s; got {self.stderr}") from None

    def signal(self, sig: int = signal.SIGINT) -> None:
        self.proc.send_signal(sig)

    def finish(self, timeout: float = 120) -> tuple[int, str, str]:
        """Wait for the exit; return (exit code, stdout, stderr)."""
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        for reader in self._readers:  # both pipes are read to their end by the threads, never twice
            reader.join(timeout=30)
        for pipe in (self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()
        return self.proc.returncode, "".join(self.stdout), "".join(self.stderr)


def run_cli(
    *args: str | Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
        cwd=REPO,
        env={**os.environ, **(env or {})},
    )


def write_candles(path: Path, n: int, seed: int = 3) -> Path:
    """``n`` one-minute candles of a seeded random walk on a 0.01 tick (numpy: fast for a million)."""
    rng = np.random.default_rng(seed)
    close = 6_500_000 + np.cumsum(rng.integers(-50, 51, n))
    open_ = np.concatenate([[close[0]], close[:-1]])
    high = np.maximum(open_, close) + rng.integers(0, 20, n)
    low = np.minimum(open_, close) - rng.integers(0, 20, n)
    start = 1_700_000_000_000 + np.arange(n, dtype=np.int64) * 60_000
    pl.DataFrame(
        {
            "timestamp": start,
            "open": open_ / 100,
            "high": high / 100,
            "low": low / 100,
            "close": close / 100,
            "volume": rng.integers(1, 1000, n) / 100,
        }
    ).write_parquet(path)
    return path
