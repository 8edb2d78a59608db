"""The stoppable source (stop flag and bar checked once per batch), signal handling, file positions."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from jtrader.cmdkit import EXIT_INTERRUPTED, Job, StopFlag
from jtrader.cmdkit.interrupt import stop_on_signals
from jtrader.cmdkit.progress import NullTracker, file_position, progress_wanted, watched
from tests.cli.clikit import CLI, REPO, write_candles


class CountingTracker:
    def __init__(self) -> None:
        self.advances: list[int] = []
        self.closed = 0

    def advance(self, items: int) -> None:
        self.advances.append(items)

    def close(self) -> None:
        self.closed += 1


def test_watched_yields_every_item_and_reports_once_per_batch() -> None:
    tracker = CountingTracker()
    assert list(watched(range(10), StopFlag(), tracker, batch=4)) == list(range(10))
    assert tracker.advances == [4, 4, 4]  # three batches started; the last one partly filled
    assert tracker.closed == 1


def test_watched_stops_at_the_next_batch_boundary_after_a_stop_request() -> None:
    stop = StopFlag()
    stopped: list[bool] = []
    seen = []
    for item in watched(range(100), stop, None, batch=10, on_stop=lambda: stopped.append(True)):
        seen.append(item)
        if item == 13:
            stop.request()
    assert seen == list(range(20))  # the batch in progress (10..19) finishes, nothing after it
    assert stopped == [True]
    assert stop.signal_name == "request"


def test_watched_with_batch_one_stops_right_after_the_item() -> None:
    stop = StopFlag()
    seen = []
    for item in watched(iter(range(100)), stop, NullTracker(), batch=1):
        seen.append(item)
        if item == 5:
            stop.request()
    assert seen == list(range(6))
    with pytest.raises(ValueError, match="batch"):
        watched([], stop, batch=0)


def test_a_dropped_iterator_still_closes_its_bar() -> None:
    tracker = CountingTracker()
    items = watched(range(100), StopFlag(), tracker, batch=10)
    next(items)
    del items
    assert tracker.closed == 1


def test_the_first_signal_sets_the_flag_the_second_raises_and_handlers_come_back() -> None:
    before = signal.getsignal(signal.SIGINT)
    flag = StopFlag()
    with stop_on_signals(flag):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.01)
        assert flag.requested and flag.signal_name == "SIGTERM"
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.5)
    assert signal.getsignal(signal.SIGINT) is before


def test_a_job_says_130_once_stopped_and_tracks_without_bars_when_quiet() -> None:
    job = Job()
    assert job.exit_code() == 0 and not job.interrupted
    assert list(job.track(range(5), label="t")) == list(range(5))
    job.stop.request()
    assert job.exit_code() == EXIT_INTERRUPTED
    assert list(job.track(range(5))) == []
    assert not progress_wanted(quiet=True)


def test_file_position_follows_the_open_file(tmp_path: Path) -> None:
    path = tmp_path / "data.bin"
    path.write_bytes(b"x" * 10_000)
    position = file_position(path)
    assert position() is None  # not open yet
    with path.open("rb", buffering=0) as f:  # the OS offset: what a buffered reader has fetched
        f.read(1234)
        assert position() == 1234
        f.read(100)
        assert position() == 1334
    assert position() is None


def run_in_terminal(*args: str | Path, timeout: float = 120) -> tuple[int, str]:
    """Run the CLI with stdout and stderr on a pseudo-terminal; return (exit code, everything shown)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen([*CLI, *map(str, args)], stdout=follower, stderr=follower, cwd=REPO, close_fds=True)
    os.close(follower)
    chunks = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 0.5)
        if ready:
            try:
                data = os.read(leader, 65536)
            except OSError:  # the terminal closed: the process exited
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    os.close(leader)
    return proc.wait(timeout=30), b"".join(chunks).decode(errors="replace")


@pytest.mark.skipif(sys.platform != "linux", reason="pseudo-terminals as used here are Linux-only")
def test_a_backtest_on_a_terminal_draws_a_progress_bar_and_quiet_turns_it_off(tmp_path: Path) -> None:
    data = write_candles(tmp_path / "c.parquet", 300_000)
    code, shown = run_in_terminal("backtest", data, "--param", "fast=50", "--param", "slow=200")
    assert code == 0, shown
    assert "backtest" in shown and "300,000 bars" in shown and "100%" in shown
    code, quiet = run_in_terminal("backtest", data, "--param", "fast=50", "--param", "slow=200", "--quiet")
    assert code == 0
    assert "100%" not in quiet and "sma_cross on BTC-USD" in quiet


def test_no_bar_when_stdout_is_not_a_terminal(tmp_path: Path) -> None:
    data = write_candles(tmp_path / "c.parquet", 2000)
    done = subprocess.run([*CLI, "backtest", data, "--json"], capture_output=True, text=True, cwd=REPO, check=False)
    assert done.returncode == 0
    assert done.stderr == ""
