"""``jtrader paper`` and ``jtrader parity`` as a user runs them: real subprocesses of the CLI against a
real ``jtrader serve`` subprocess on 127.0.0.1, stopped by SIGINT and SIGKILL, then resumed.

Timeouts here only guard against hangs; nothing asserts on wall-clock time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from paper_helpers import TESTS

from jtrader.paper import events as paper_events
from jtrader.recording import Direction, open_recording

CLI = [sys.executable, "-m", "jtrader.cli"]
ENV = {**os.environ, "PYTHONUNBUFFERED": "1"}


@pytest.fixture
def served(coinbase_src: Path) -> Iterator[str]:
    """``jtrader serve`` of the 12-second Coinbase session at 4x, looping, in a subprocess; yields its URL."""
    with subprocess.Popen(
        [*CLI, "serve", str(coinbase_src), "--speed", "4", "--loop"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=ENV,
    ) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line.startswith("listening ws://127.0.0.1:"), line
            yield line.split()[1]
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=15)


def paper_argv(url: str, record: Path, *extra: str) -> list[str]:
    return [
        *CLI,
        "--quiet",
        "paper",
        "--venue",
        "coinbase",
        "--products",
        "BTC-USD,ETH-USD",
        "--url",
        url,
        "--strategy",
        "market_maker",
        "--param",
        "half_spread_ticks=1",
        "--record",
        str(record),
        "--json",
        *extra,
    ]


def events_in(path: Path) -> list[dict]:
    return [paper_events.decode(r.payload) for r in open_recording(path) if r.direction is Direction.EVENT]


def wait_for_fills(path: Path, fills: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    """Poll the recording as it grows until it holds ``fills`` fills (the session is trading)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else "the session ended early"
        if path.exists() and sum(e["type"] == "OrderFilled" for e in events_in(path)) >= fills:
            return
        time.sleep(0.2)
    raise AssertionError(f"no {fills} fills in {path} within {timeout} s")


def parity(path: Path) -> dict:
    proc = subprocess.run(
        [*CLI, "parity", str(path), "--json"], check=False, capture_output=True, text=True, env=ENV, timeout=120
    )
    result = orjson.loads(proc.stdout)
    assert proc.returncode == (0 if result["identical"] else 1), proc.stderr
    return result


def test_sigint_stops_the_session_cleanly_with_its_summary_report_and_parity(served: str, tmp_path: Path) -> None:
    record = tmp_path / "session.jtrec"
    with subprocess.Popen(
        paper_argv(served, record, "--report"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV
    ) as proc:
        wait_for_fills(record, 2, proc)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    summary = orjson.loads(out)
    assert summary["kind"] == "paper" and summary["stopped_by"] == "signal"
    assert summary["fills"] >= 2 and summary["denials"] == 0
    for key in ("gaps", "resyncs", "reconnects", "malformed", "stalls", "orders", "fills", "final_equity"):
        assert key in summary
    reader = open_recording(record)
    list(reader)
    assert reader.ended and not reader.damage.problems  # flushed and closed, end marker written
    result = parity(record)
    assert result["identical"], result["first_divergence"]
    assert result["finished"] and result["fills_paper"] == summary["fills"] == result["fills_replay"]
    html = record.with_suffix(".html").read_text(encoding="utf-8")
    assert "plotly" in html.lower() and "BTC-USD" in html


def test_sigkill_then_resume_continues_the_same_session_and_parity_holds_across_the_crash(
    served: str, tmp_path: Path
) -> None:
    record = tmp_path / "session.jtrec"
    with subprocess.Popen(
        paper_argv(served, record), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV
    ) as proc:
        wait_for_fills(record, 2, proc)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    crashed = parity(record)
    assert crashed["identical"] and not crashed["finished"], crashed["first_divergence"]
    fills_before = crashed["fills_paper"]

    resumed = subprocess.run(
        [*CLI, "--quiet", "paper", "--resume", str(record), "--url", served, "--max-messages", "600", "--json"],
        check=False,
        capture_output=True,
        text=True,
        env=ENV,
        timeout=120,
    )
    assert resumed.returncode == 0, resumed.stderr
    summary = orjson.loads(resumed.stdout)
    assert summary["resumed"] and summary["records_rebuilt"] > 0
    assert summary["fills"] >= fills_before  # the fills before the crash are the session's, not lost
    result = parity(record)
    assert result["identical"], result["first_divergence"]
    assert result["finished"] and result["resumes"] == 1
    assert result["fills_paper"] == summary["fills"]


def test_a_strategy_that_raises_ends_the_session_with_exit_1_and_parity_reproduces_the_error(
    served: str, tmp_path: Path
) -> None:
    record = tmp_path / "session.jtrec"
    argv = paper_argv(served, record)
    at = argv.index("market_maker")
    argv[at : at + 3] = [f"{TESTS / 'strategies_for_tests.py'}:RaiseOnBook", "--param", "at=200"]
    proc = subprocess.run(argv, check=False, capture_output=True, text=True, env=ENV, timeout=120)
    assert proc.returncode == 1
    assert "boom at book 200" in proc.stderr
    summary = orjson.loads(proc.stdout)
    assert "boom at book 200" in summary["strategy_error"]
    assert summary["orders"] >= 1  # it placed its bid before it raised
    result = parity(record)
    assert result["identical"], result["first_divergence"]
    assert "boom at book 200" in result["strategy_error"]


def test_resume_refuses_to_change_the_recorded_configuration(served: str, tmp_path: Path) -> None:
    record = tmp_path / "session.jtrec"
    proc = subprocess.run(
        [*CLI, "paper", "--resume", str(record), "--strategy", "sma_cross"],
        check=False,
        capture_output=True,
        text=True,
        env=ENV,
    )
    assert proc.returncode == 1 and "--strategy cannot change a resumed session" in proc.stderr
