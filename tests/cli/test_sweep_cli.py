"""``jtrader sweep`` as a real subprocess: rows equal single backtests, files, errors, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from jtrader.backtest.synthetic import random_walk
from jtrader.model import Instrument

CLI = [sys.executable, "-m", "jtrader.cli"]


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, check=False, timeout=300)


@pytest.fixture(scope="module")
def candles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    series = random_walk(Instrument("BTC-USD", "BTC", "USD"), 2_000, seed=21)
    frame = pl.DataFrame(
        {
            "timestamp": [t // 1_000_000 for t in series.start],
            "open": [p / 100 for p in series.open],
            "high": [p / 100 for p in series.high],
            "low": [p / 100 for p in series.low],
            "close": [p / 100 for p in series.close],
            "volume": [v / 1000 for v in series.volume],
        }
    )
    path = tmp_path_factory.mktemp("sweep") / "candles.parquet"
    frame.write_parquet(path)
    return path


def test_every_row_equals_jtrader_backtest_of_that_point(candles: Path, tmp_path: Path) -> None:
    out = tmp_path / "rows.parquet"
    done = run_cli(
        "sweep", candles, "--grid", "fast=4:8:4", "--grid", "slow=8,20", "--fee-bps", "5", "--json", "--out", out
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["points"] == 4 and report["errors"] == 1
    assert report["grid"] == {"fast": [4, 8], "slow": [8, 20]}
    rows = report["rows"]
    assert [(r["fast"], r["slow"]) for r in rows] == [(4, 8), (4, 20), (8, 8), (8, 20)]
    assert rows[2]["error"] == "sma_cross: need 1 <= fast < slow, got fast=8 slow=8"
    for row in (rows[0], rows[1], rows[3]):
        single = run_cli(
            "backtest", candles, "--param", f"fast={row['fast']}", "--param", f"slow={row['slow']}",
            "--fee-bps", "5", "--json",
        )  # fmt: skip
        summary = json.loads(single.stdout)
        params = summary.pop("params")
        del summary["elapsed_s"]
        params = {f"param_{k}" if k in summary else k: v for k, v in params.items()}
        assert row == {**params, **summary, "error": None}
    table = pl.read_parquet(out)
    assert table.columns == list(rows[0])
    # nested values (counts by reason, display places) are JSON text in the table
    flat = [{k: json.dumps(v, sort_keys=True, separators=(",", ":")) if isinstance(v, dict | list) else v
             for k, v in row.items()} for row in rows]  # fmt: skip
    assert table.to_dicts() == flat


def test_the_human_summary_ranks_points_by_return(candles: Path, tmp_path: Path) -> None:
    done = run_cli("sweep", candles, "--grid", "fast=3,5", "--param", "slow=12", "--out", tmp_path / "r.csv")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("sweep sma_cross on BTC-USD: 2 points (0 invalid) on 2000 bars, local x")
    assert lines[1] == "best 2 by return:"
    assert lines[2].startswith("  fast=") and "round trips" in lines[2]
    assert lines[-1] == f"rows written to {tmp_path / 'r.csv'}"
    assert pl.read_csv(tmp_path / "r.csv").height == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--grid", "fast=5:x:5"], "--grid 'fast=5:x:5': lo, hi and step must be numbers, got '5:x:5'"),
        (["--grid", "fast=40,50", "--grid", "slow=10"], "no point of the grid is valid"),
        (["--grid", "fast=5", "--out", "rows.txt"], "--out rows.txt: write rows to a .parquet or .csv file"),
        (["--grid", "fast=5", "--scheduler", "tcp://127.0.0.1:1"], "--scheduler needs --executor dask"),
        (["--grid", "fast=5", "--param", "fast=6"], "--grid 'fast=5': parameter 'fast' is also given with --param"),
        ([], "no --grid given"),
    ],
)
def test_mistakes_exit_1_with_a_clear_message(candles: Path, args: list[str], message: str) -> None:
    done = run_cli("sweep", candles, *args)
    assert done.returncode == 1
    assert f"jtrader sweep: error: {message}" in done.stderr
    assert done.stdout == ""


def children_of(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to see the worker processes")
def test_ctrl_c_stops_the_workers_and_exits_130(tmp_path: Path) -> None:
    series = random_walk(Instrument("BTC-USD", "BTC", "USD"), 60_000, seed=2)
    path = tmp_path / "long.parquet"
    pl.DataFrame(
        {
            "ts": series.start,
            "open": [p / 100 for p in series.open],
            "high": [p / 100 for p in series.high],
            "low": [p / 100 for p in series.low],
            "close": [p / 100 for p in series.close],
            "volume": [v / 1000 for v in series.volume],
        }
    ).write_parquet(path)
    process = subprocess.Popen(
        [*CLI, "sweep", str(path), "--grid", "fast=2:40:1", "--param", "slow=50", "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        workers: set[int] = set()
        while time.monotonic() < deadline and len(workers) < 2:
            workers = {p for p in children_of(process.pid) if b"spawn_main" in cmdline(p)}
            time.sleep(0.2)
        assert len(workers) >= 2, "the pool never started"
        time.sleep(1.0)  # let the workers start their first points
        os.kill(process.pid, signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 130, stderr
    assert "interrupted; the workers were stopped" in stderr
    assert stdout == ""
    left = {
        pid: (Path(f"/proc/{pid}/status").read_text()[:200] if Path(f"/proc/{pid}").exists() else "") for pid in workers
    }
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()], left


WORKER_ONLY_FAILURE = """
import multiprocessing

from jtrader.strategies import SmaCross

if multiprocessing.parent_process() is not None:  # loads in jtrader itself, fails in a pool worker
    raise ImportError("no licence server in this process")


class OnlyHere(SmaCross):
    pass
"""


@pytest.mark.parametrize("failure", ["raise", "exit"])
def test_a_strategy_that_fails_to_load_in_a_worker_ends_the_sweep_with_its_message(
    candles: Path, tmp_path: Path, failure: str
) -> None:
    # a pool worker whose start-up raises (or exits) is replaced for ever: the sweep used to hang
    source = WORKER_ONLY_FAILURE
    if failure == "exit":
        source = source.replace('raise ImportError("no licence server in this process")', "raise SystemExit(3)")
    strategy = tmp_path / "only_here.py"
    strategy.write_text(source)
    done = run_cli(
        "sweep", candles, "--strategy", f"{strategy}:OnlyHere", "--grid", "fast=3,5", "--workers", "2", "--json"
    )
    assert done.returncode == 1, done.stderr
    why = f"strategy file {strategy} failed to import: ImportError: no licence server in this process"
    expected = why if failure == "raise" else "SystemExit: 3"
    last_line = done.stderr.strip().splitlines()[-1]
    assert (
        last_line == f"jtrader sweep: error: a sweep worker could not start (strategy {strategy}:OnlyHere): {expected}"
    )
    assert done.stdout == ""


# -- the same command in this process (the subprocess runs above are not traced by coverage) -------
def test_main_runs_the_sweep_in_process(candles: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from jtrader.cli import main

    out = tmp_path / "deep" / "rows.parquet"
    code = main(
        ["sweep", str(candles), "--grid", "fast=3,5", "--grid", "slow=4,12", "--workers", "1", "--out", str(out)]
    )
    assert code == 0
    text = capsys.readouterr().out
    assert "4 points (1 invalid) on 2000 bars, local x1" in text
    assert pl.read_parquet(out).height == 4
    code = main(["sweep", str(candles), "--grid", "fast=3", "--workers", "1", "--json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["workers"] == 1 and report["rows"][0]["slow"] == 30


def test_an_unwritable_out_file_is_a_clear_error(
    candles: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from jtrader.cli import main

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code = main(["sweep", str(candles), "--grid", "fast=3", "--workers", "1", "--out", str(blocker / "rows.csv")])
    assert code == 1
    assert "jtrader sweep: error: --out" in capsys.readouterr().err


INTERRUPTS = '''
from jtrader.strategies import SmaCross

class Interrupted(SmaCross):
    """Stands for a Ctrl-C arriving while a point runs in this process."""

    def on_bar(self, ctx, bar):
        raise KeyboardInterrupt
'''


def test_an_interrupt_during_an_in_process_sweep_exits_130(
    candles: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from jtrader.cli import main

    path = tmp_path / "interrupts.py"
    path.write_text(INTERRUPTS)
    code = main(["sweep", str(candles), "--strategy", f"{path}:Interrupted", "--grid", "fast=3", "--workers", "1"])
    assert code == 130
    captured = capsys.readouterr()
    assert "interrupted; the workers were stopped" in captured.err
    assert captured.out == ""
