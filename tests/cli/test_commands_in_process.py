"""The command layer in-process (the subprocess tests cover the same paths end to end; these also
reach the branches a subprocess cannot show coverage for): stopped jobs, verify, report, replay output."""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from jtrader.cli import main
from jtrader.cmdkit import Job
from jtrader.cmdkit.logs import configure_logging, resolve_level
from jtrader.cmdkit.outputs import OutputDir, check_out_file
from jtrader.cmdkit.progress import RichTracker, file_position, shared_console
from jtrader.cmdkit.verify import compare_files
from jtrader.errors import ConfigError
from jtrader.recording import open_recording
from tests.cli.clikit import RECORDINGS, write_candles

SAMPLE = RECORDINGS / "coinbase_btcusd_sample.jtrec"
MM = ["--strategy", "market_maker", "--param", "half_spread_ticks=1"]


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    logger = logging.getLogger("jtrader")
    handlers, level = list(logger.handlers), logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)


@pytest.fixture(scope="module")
def candles(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_candles(tmp_path_factory.mktemp("ip") / "c.parquet", 800)


def stopped() -> Job:
    job = Job()
    job.stop.request("SIGINT")
    return job


def test_replay_in_process_writes_out_report_and_manifest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert main(["replay", str(SAMPLE), *MM, "--out", str(out), "--report", "--sample-ms", "500"]) == 0
    text = capsys.readouterr().out
    assert "final equity 100,000.00 USD" in text and "0 denied by risk" in text
    assert {p.name for p in out.iterdir()} == {
        "summary.json",
        "events.jsonl",
        "book.parquet",
        "trades.parquet",
        "equity.parquet",
        "manifest.json",
        "report.html",
    }
    book = pl.read_parquet(out / "book.parquet")
    samples = book.filter(pl.col("event") == "")["ts"].cast(pl.Int64).to_list()
    assert all(b - a >= 0 for a, b in zip(samples, samples[1:], strict=False))
    assert len(samples) <= 60 * 2 + 1  # at most one sample per 500 ms over 60 s
    assert book.filter(pl.col("event") == "snapshot").height >= 1
    summary = json.loads((out / "summary.json").read_text())
    assert summary["kind"] == "replay" and summary["display_places"] == {"BTC": 8, "USD": 2}
    example = summary["rejection_reasons"]["POST_ONLY_WOULD_CROSS"]["example"]
    assert re.fullmatch(r"best opposite price 650\d\d\.\d\d crosses 650\d\d\.\d\d", example), (
        example
    )  # prices, not ticks
    assert main(["verify", str(out)]) == 0
    assert capsys.readouterr().out.startswith("verified: 7 files byte-identical")


def test_replay_says_why_a_strategy_on_a_missing_symbol_sent_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(SAMPLE), "--strategy", "market_maker", "--param", "symbol=ETH-USD", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["orders"] == 0
    assert summary["no_orders_reason"] == "the strategy trades ETH-USD, which is not in the recording (it has BTC-USD)"
    assert main(["replay", str(SAMPLE), "--sample-ms", "0", "--out", "x"]) == 1
    assert "--sample-ms must be a positive" in capsys.readouterr().err


def test_a_replay_stopped_before_it_started_reports_nothing_read(capsys: pytest.CaptureFixture[str]) -> None:
    from jtrader.replay.command import run

    args = argparse.Namespace(
        recording=str(SAMPLE),
        format="auto",
        venue="auto",
        strategy="market_maker",
        param=[],
        speed="max",
        top=1,
        cash="100000",
        maker_bps="0",
        taker_bps="0",
        latency_ms="50",
        sample_ms=100,
        out=None,
        json=False,
    )
    assert run(args, stopped()) == 130
    text = capsys.readouterr().out
    assert "replayed 0 records" in text and "interrupted: the results cover only" in text
    assert "no order: no product of the recording could be read" in text


def test_a_backtest_stopped_before_the_first_bar_has_an_empty_but_valid_summary(
    candles: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from jtrader.backtest.command import run
    from jtrader.cli import build_parser

    args = build_parser().parse_args(["backtest", str(candles), "--out", str(tmp_path / "out"), "--json"])
    assert run(args, stopped()) == 130
    summary = json.loads(capsys.readouterr().out)
    assert (summary["bars"], summary["start"], summary["interrupted"]) == (0, None, True)
    assert summary["final_equity"] == "100000"
    assert pl.read_parquet(tmp_path / "out" / "equity.parquet").height == 0


def test_generate_and_convert_stopped_leave_partial_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from jtrader.marketgen.command import run as generate
    from jtrader.recording.command import run_convert

    out = tmp_path / "g.jtrec"
    gen = argparse.Namespace(venue="binance", seconds=5.0, seed=1, symbol=[], out=str(out))
    assert generate(gen, stopped()) == 130
    assert "interrupted: true; wrote" in capsys.readouterr().out
    assert not out.exists() and sum(1 for _ in open_recording(tmp_path / "g.jtrec.partial")) == 0
    conv = argparse.Namespace(input=str(SAMPLE), output=str(tmp_path / "c.jtrec"), format="auto", venue="auto")
    assert run_convert(conv, stopped()) == 130
    assert capsys.readouterr().out.startswith("interrupted: true; converted")
    assert (tmp_path / "c.jtrec.partial").exists() and not (tmp_path / "c.jtrec").exists()
    conv.output = conv.input
    with pytest.raises(ConfigError, match="same file"):
        run_convert(conv)


def test_report_and_verify_commands_in_process(
    candles: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bt"
    assert (
        main(["backtest", str(candles), "--param", "fast=4", "--param", "slow=12", "--out", str(out), "--quiet"]) == 0
    )
    capsys.readouterr()
    assert main(["report", str(out), "-o", str(tmp_path / "r.html"), "--max-points", "50"]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {tmp_path / 'r.html'}"
    assert main(["report", str(out), "--max-points", "5"]) == 1
    assert "--max-points must be at least 10" in capsys.readouterr().err
    assert main(["verify", str(out), "--keep", str(tmp_path / "again")]) == 0
    assert (tmp_path / "again" / "summary.json").read_bytes() == (out / "summary.json").read_bytes()
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["interrupted"] = True
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert main(["verify", str(out)]) == 1
    assert "interrupted" in capsys.readouterr().out
    assert main(["verify", str(tmp_path / "nowhere")]) == 1


def test_compare_files_describes_each_kind_of_difference(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x.jsonl").write_text('{"k":1}\n{"k":2}\n')
    (b / "x.jsonl").write_text('{"k":1}\n{"k":3}\n')
    assert compare_files(a / "x.jsonl", b / "x.jsonl") == ['line 2: {"k":2} != {"k":3}']
    (a / "x.json").write_text('{"a": [1, 2], "b": 1}')
    (b / "x.json").write_text('{"a": [1, 3], "c": 1}')
    assert compare_files(a / "x.json", b / "x.json") == [
        "a[1]: 2 != 3",
        "b: only in the original",
        "c: only in the re-run",
    ]
    pl.DataFrame({"v": [1, 2]}).write_parquet(a / "x.parquet")
    pl.DataFrame({"v": [1, 5]}).write_parquet(b / "x.parquet")
    assert compare_files(a / "x.parquet", b / "x.parquet")[0].startswith("row 1: columns v differ")
    pl.DataFrame({"w": [1]}).write_parquet(b / "x.parquet")
    assert compare_files(a / "x.parquet", b / "x.parquet")[0].startswith("schema:")
    (a / "x.bin").write_bytes(b"1")
    (b / "x.bin").write_bytes(b"22")
    assert compare_files(a / "x.bin", b / "x.bin") == ["bytes differ; sizes 1 != 2"]
    assert compare_files(a / "x.bin", b / "none") == ["the re-run did not write it"]
    assert compare_files(a / "none", b / "x.bin") == ["missing from the original directory"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files: the check cannot fail as root")
def test_a_read_only_output_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "ro.txt"
    target.write_text("x")
    target.chmod(0o444)
    try:
        with pytest.raises(ConfigError, match="read-only"):
            check_out_file(target)
    finally:
        target.chmod(0o644)


def test_an_output_dir_writes_json_and_lists_its_files(tmp_path: Path) -> None:
    out = OutputDir(tmp_path / "d")
    out.write_json("a.json", {"b": 1})
    out.write_jsonl("c.jsonl", [{"d": 2}])
    assert sorted(out.hashes()) == ["a.json", "c.jsonl"]
    assert (tmp_path / "d" / "a.json").read_text() == '{\n  "b": 1\n}\n'


def test_the_rich_bar_and_log_handler_work_on_a_console(tmp_path: Path) -> None:
    path = tmp_path / "f.bin"
    path.write_bytes(b"x" * 1000)
    with path.open("rb", buffering=0) as f:
        tracker = RichTracker("read", 1000, "blocks", file_position(path))
        f.read(400)
        tracker.advance(10)
        tracker.close()
    tracker = RichTracker("count", None, "items")
    tracker.advance(5)
    tracker.close()
    configure_logging(logging.INFO, shared_console())
    logging.getLogger("jtrader.test").info("a line above the bar")
    assert resolve_level("debug") == logging.DEBUG and resolve_level(None, 2) == logging.DEBUG
    assert resolve_level(None, 0, quiet=True) == logging.ERROR and resolve_level(None, 1) == logging.INFO
