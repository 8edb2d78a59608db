"""``jtrader paper`` and ``jtrader parity`` as subprocesses against a ``jtrader serve`` subprocess on 127.0.0.1:
SIGINT mid-session, SIGKILL then ``--resume``, a strategy that raises. Timeouts only guard against hangs."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from paper_helpers import TESTS

from jtrader.paper import events as paper_events
from jtrader.recording import Direction, open_recording

JTRADER = [sys.executable, "-m", "jtrader.cli"]
PRODUCTS = {"coinbase": "BTC-USD,ETH-USD", "binance": "BTCUSDT,ETHUSDT"}


def served(source: Path, *extra: str) -> Iterator[str]:
    with subprocess.Popen(
        [*JTRADER, "serve", str(source), "--port", "0", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            assert line.startswith("listening ws://127.0.0.1:"), line
            yield line.split()[1]
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=15)


@pytest.fixture
def coinbase_served(coinbase_src: Path) -> Iterator[str]:
    """The 12 s Coinbase source served at twice its pace, looping (a session can outlast it)."""
    yield from served(coinbase_src, "--speed", "2", "--loop")


def paper_proc(url: str, record: Path, *extra: str, venue: str = "coinbase") -> subprocess.Popen[str]:
    args = [*JTRADER, "--quiet", "paper", "--venue", venue, "--products", PRODUCTS[venue], "--url", url]
    args += ["--record", str(record), "--json", "--stall-timeout", "3", *extra]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def events_of(path: Path) -> list[dict]:
    return [paper_events.decode(r.payload) for r in open_recording(path) if r.direction is Direction.EVENT]


def wait_for_events(path: Path, count: int, proc: subprocess.Popen[str], timeout: float = 30.0) -> None:
    """Until the recording on disk holds ``count`` event records (the session is trading)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        if path.exists() and path.stat().st_size > 0:
            try:
                if len(events_of(path)) >= count:
                    return
            except Exception:  # noqa: BLE001 - the header may not be complete yet
                pass
        time.sleep(0.1)
    raise AssertionError(f"no {count} events in {path} within {timeout} s")


def parity(path: Path) -> dict:
    done = subprocess.run(
        [*JTRADER, "parity", str(path), "--json"], check=False, capture_output=True, text=True, timeout=60
    )
    result = json.loads(done.stdout)
    assert done.returncode == (0 if result["identical"] else 1), done.stderr
    return result


def test_sigint_mid_session_flushes_prints_the_summary_and_is_identical_on_parity(
    coinbase_served: str, tmp_path: Path
) -> None:
    record = tmp_path / "sigint.jtrec"
    proc = paper_proc(coinbase_served, record, "--strategy", "market_maker", "--param", "half_spread_ticks=1")
    wait_for_events(record, 20, proc)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "msg/s" not in err  # no status line when stderr is not a terminal
    summary = json.loads(out)
    assert summary["kind"] == "paper" and summary["stopped_by"] == "signal"
    for key in ("gaps", "resyncs", "reconnects", "malformed", "stalls", "orders", "fills", "final_equity"):
        assert key in summary, key
    assert summary["orders"] > 0
    reader = open_recording(record)
    records = list(reader)
    assert reader.ended and not reader.damage.problems  # flushed and closed, not cut
    assert events_of(record)[-1]["type"] == paper_events.END
    assert sum(r.direction is Direction.RECV for r in records) == summary["messages"]
    result = parity(record)
    assert result["identical"], result["first_divergence"]
    assert result["finished"] and result["orders_paper"] == summary["orders"] == result["orders_replay"]
    assert result["fills_paper"] == result["fills_replay"]


def test_sigkill_then_resume_continues_the_session_and_parity_holds_across_the_crash(
    coinbase_served: str, tmp_path: Path
) -> None:
    record = tmp_path / "killed.jtrec"
    proc = paper_proc(coinbase_served, record, "--strategy", "market_maker", "--param", "half_spread_ticks=1")
    wait_for_events(record, 20, proc)
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    before = parity(record)
    assert before["identical"] and not before["finished"] and before["orders_paper"] > 0

    resumed = subprocess.run(
        [*JTRADER, "--quiet", "paper", "--resume", str(record), "--url", coinbase_served, "--duration", "2", "--json"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["resumed"] and summary["records_rebuilt"] > 0
    assert summary["stopped_by"] == "duration"
    # the resumed session counts everything the session did, before and after the crash
    assert summary["orders"] >= before["orders_paper"]
    after = parity(record)
    assert after["identical"], after["first_divergence"]
    assert after["finished"] and after["resumes"] == 1
    assert after["orders_paper"] == summary["orders"] and after["fills_paper"] == summary["fills"]
    reader = open_recording(record)
    list(reader)
    assert reader.ended and not reader.damage.problems
    # a second resume of a finished session is refused with a clear error
    again = subprocess.run(
        [*JTRADER, "--quiet", "paper", "--resume", str(record), "--url", coinbase_served, "--duration", "1"],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert again.returncode != 0 and "ended normally" in again.stderr


def test_a_strategy_that_raises_ends_the_session_with_exit_1_and_its_recording_replays_to_the_error(
    coinbase_served: str, tmp_path: Path
) -> None:
    record = tmp_path / "raises.jtrec"
    strategy = f"{TESTS / 'strategies_for_tests.py'}:RaiseOnBook"
    proc = paper_proc(coinbase_served, record, "--strategy", strategy, "--param", "at=150")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "boom at book 150" in err
    summary = json.loads(out)
    assert "boom at book 150" in summary["strategy_error"]
    assert summary["orders"] == 1  # the bid it placed before raising
    reader = open_recording(record)
    list(reader)
    assert reader.ended and not reader.damage.problems
    last = events_of(record)[-1]
    assert last["type"] == paper_events.ERROR and "boom" in json.dumps(last)
    result = parity(record)
    assert result["identical"], result["first_divergence"]
    assert result["orders_paper"] == result["orders_replay"] == 1
