"""Ctrl-C and SIGTERM during backtest, replay and generate, sent to real ``jtrader`` subprocesses.

The strongest check of a clean stop: the partial summary of an interrupted run equals the
summary of a full run on exactly the data the interrupted run processed (the first ``bars``
candles, the first ``records`` records). Nothing half-applied can pass that.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import polars as pl
import pytest

from jtrader.recording import RecordingWriter, open_recording
from tests.cli.clikit import RECORDINGS, Running, run_cli, write_candles

pytestmark = pytest.mark.slow
CANDLES = 1_000_000
PARAMS = ("--param", "fast=10", "--param", "slow=30")
#: the log line after which the engine is processing bars (sma_cross declares its signals)
RUNNING = "declared its signals"
#: keys that legitimately differ between an interrupted run and the full run on its prefix
RUN_ONLY = {"elapsed_s", "interrupted"}


@pytest.fixture(scope="module")
def long_candles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_candles(tmp_path_factory.mktemp("long") / "m1.parquet", CANDLES)


def interrupted_backtest(data: Path, out: Path, sig: int) -> tuple[int, dict, str]:
    run = Running("backtest", data, *PARAMS, "--json", "--log-level", "info", "--out", out)
    run.wait_for(RUNNING)
    time.sleep(0.2)
    run.signal(sig)
    code, stdout, stderr = run.finish()
    return code, json.loads(stdout), stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_backtest_reports_exactly_what_a_run_on_its_prefix_reports(
    long_candles: Path, tmp_path: Path, sig: int
) -> None:
    code, partial, stderr = interrupted_backtest(long_candles, tmp_path / "out", sig)
    assert code == 130, stderr
    assert partial["interrupted"] is True
    assert 0 < partial["bars"] < CANDLES
    assert f"stopped by {signal.Signals(sig).name}" in stderr
    assert "Traceback" not in stderr
    prefix = tmp_path / "prefix.parquet"
    pl.read_parquet(long_candles).head(partial["bars"]).write_parquet(prefix)
    done = run_cli("backtest", prefix, *PARAMS, "--json")
    assert done.returncode == 0, done.stderr
    full = json.loads(done.stdout)
    assert full["interrupted"] is False
    assert {k: v for k, v in partial.items() if k not in RUN_ONLY} == {
        k: v for k, v in full.items() if k not in RUN_ONLY
    }
    # --out is written and marked the same way, and matches the printed summary
    written = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert written["interrupted"] is True
    assert written == {k: v for k, v in partial.items() if k != "elapsed_s"}
    assert pl.read_parquet(tmp_path / "out" / "equity.parquet").height == partial["bars"]
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["interrupted"] is True


def test_an_interrupted_backtest_prints_the_human_summary_with_the_interruption(
    long_candles: Path, tmp_path: Path
) -> None:
    run = Running("backtest", long_candles, *PARAMS, "--log-level", "info")
    run.wait_for(RUNNING)
    time.sleep(0.2)
    run.signal(signal.SIGINT)
    code, stdout, stderr = run.finish()
    assert code == 130, stderr
    assert "interrupted: the results cover only the data processed before the stop" in stdout
    assert stdout.startswith("sma_cross on BTC-USD: ")


SLOW_STRATEGY = """
import time
from jtrader import Strategy

class Slow(Strategy):
    def on_bar(self, ctx, bar):
        time.sleep(0.002)  # a batch of 1024 bars takes about two seconds: the stop waits for its end
"""


def test_a_second_interrupt_aborts_at_once_without_a_summary(long_candles: Path, tmp_path: Path) -> None:
    strategy = tmp_path / "slow.py"
    strategy.write_text(SLOW_STRATEGY)
    run = Running("backtest", long_candles, "--strategy", f"{strategy}:Slow", "--log-level", "info")
    run.wait_for("loaded; running")
    time.sleep(1.0)  # inside the slow engine loop (two signals during one C call would count as one)
    run.signal(signal.SIGINT)
    time.sleep(0.3)
    run.signal(signal.SIGINT)
    code, stdout, stderr = run.finish()
    assert code == 130
    assert "aborted by a second interrupt" in stderr
    assert stdout == ""
    assert "Traceback" not in stderr


def prefix_recording(source: Path, target: Path, records: int) -> Path:
    reader = open_recording(source)
    header = reader.header
    with RecordingWriter(target, header.venue, header.products, header.metadata, created_ns=header.created_ns) as w:
        for i, record in enumerate(reader):
            if i == records:
                break
            w.write(record.ts, record.direction, record.conn, record.payload, record.url)
    return target


def test_an_interrupted_paced_replay_reports_what_a_replay_of_its_prefix_reports(tmp_path: Path) -> None:
    sample = RECORDINGS / "coinbase_btcusd_sample.jtrec"
    args = ("--strategy", "market_maker", "--param", "half_spread_ticks=1", "--json")
    run = Running("replay", sample, *args, "--speed", "4", "--log-level", "info", "--out", tmp_path / "out")
    run.wait_for("replay: reading")
    time.sleep(1.5)
    run.signal(signal.SIGINT)
    code, stdout, stderr = run.finish()
    assert code == 130, stderr
    partial = json.loads(stdout)
    assert partial["interrupted"] is True
    assert 0 < partial["records"] < 3063
    prefix = prefix_recording(sample, tmp_path / "prefix.jtrec", partial["records"])
    done = run_cli("replay", prefix, *args)
    assert done.returncode == 0, done.stderr
    full = json.loads(done.stdout)
    assert {k: v for k, v in partial.items() if k not in RUN_ONLY} == {
        k: v for k, v in full.items() if k not in RUN_ONLY
    }
    written = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert written["interrupted"] is True and written["records"] == partial["records"]
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["interrupted"] is True


def test_an_interrupted_generate_leaves_a_readable_partial_recording_marked_truncated(tmp_path: Path) -> None:
    out = tmp_path / "long.jtrec"
    run = Running("generate", "--seconds", "20000", "--seed", "4", "--out", out, "--log-level", "info")
    time.sleep(2.0)
    run.signal(signal.SIGINT)
    code, stdout, stderr = run.finish()
    assert code == 130, stderr
    assert stdout.startswith("interrupted: true; wrote ")
    assert not out.exists()
    partial = out.with_name("long.jtrec.partial")
    reader = open_recording(partial)
    records = sum(1 for _ in reader)
    # every record written is readable, and the file says it is not a whole session
    assert reader.truncated and not reader.ended and reader.corrupt_chunks == 0
    assert f"{records} records" in stdout
