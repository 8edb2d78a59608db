"""``record``, ``serve`` and ``download-candles`` run in this process through ``jtrader.cli.main``."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from websockets.sync.client import connect

from jtrader.cli import main
from jtrader.live.commands import parse_products, parse_speed
from jtrader.recording import Direction, open_recording


@pytest.fixture
def served(binance_small: Path) -> Iterator[str]:
    """``jtrader serve`` of the small Binance recording, in a subprocess; yields its URL."""
    with subprocess.Popen(
        [sys.executable, "-m", "jtrader.cli", "serve", str(binance_small)],
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


def test_record_in_process_writes_the_session_and_prints_its_summary(
    served: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.jtrec"
    code = main(
        [
            "record",
            "--venue",
            "binance",
            "--products",
            "BTCUSDT",
            "--url",
            served,
            "--duration",
            "1",
            "--out",
            str(out),
            "--json",
        ]
    )
    summary = orjson.loads(capsys.readouterr().out)
    assert code == 0 and summary["stopped_by"] == "duration" and summary["counters"]["frames"] > 0
    assert summary["counters"]["http"] >= 2, "exchangeInfo, then the depth snapshot"
    assert {r.direction for r in open_recording(out)} >= {Direction.HTTP, Direction.CONNECT, Direction.RECV}


def test_record_in_process_with_subscribe_frames_stops_after_max_messages(
    served: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["record", "--venue", "binance", "--products", "BTCUSDT", "--url", served, "--max-messages", "50"]
    code = main([*argv, "--subscribe-frames", "--channels", "trade,depth@100ms", "--out", str(tmp_path / "f.jtrec")])
    text = capsys.readouterr().out
    assert code == 0 and "stopped by max-messages" in text and "reconnects 0" in text


def test_download_candles_in_process(served: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "k.parquet"
    code = main(["download-candles", "--venue", "binance", "--product", "BTC-USDT", "--start", "2026-01-01",
                 "--end", "2026-01-01T00:01:00Z", "--interval", "1s", "--url", served.replace("ws://", "http://"),
                 "--out", str(out)])  # fmt: skip
    assert code == 0 and "1s candles of BTCUSDT" in capsys.readouterr().out and out.stat().st_size > 0


def test_serve_in_process_stops_on_sigint(coinbase_small: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers: list[dict] = []

    def client() -> None:
        deadline = time.monotonic() + 20
        while signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # until serve handles SIGINT
            assert time.monotonic() < deadline
            time.sleep(0.01)
        url = ""
        while not url:
            url = next((w for w in capsys.readouterr().out.split() if w.startswith("ws://")), "")
        with connect(url) as ws:
            ws.send('{"type":"subscribe","channel":"heartbeats"}')
            answers.append(orjson.loads(ws.recv(timeout=10)))
        os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=client)
    thread.start()
    code = main(["serve", str(coinbase_small), "--speed", "max", "--faults", "dup=0.1", "--seed", "3"])
    thread.join(10)
    assert code == 0 and answers[0]["channel"] == "subscriptions"
    assert "connection(s)" in capsys.readouterr().err


_RECORD = ["record", "--venue", "coinbase", "--products"]
_DOWNLOAD = ["download-candles", "--venue", "coinbase", "--product", "BTC-USD", "--out", "x.csv"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([*_RECORD, ",", "--out", "x.jtrec"], "at least one product"),
        ([*_RECORD, "BTC-USD", "--duration", "0", "--out", "{tmp}/x.jtrec"], "--duration"),
        ([*_RECORD, "BTC-USD", "--max-messages", "0", "--out", "{tmp}/x.jtrec"], "--max-messages"),
        (["record", "--venue", "binance", "--products", "BTCUSDT", "--url", "http://x", "--out", "x"], "ws://"),
        (["serve", "{rec}", "--speed", "fast"], "--speed"),
        (["serve", "{rec}", "--speed", "0"], "--speed"),
        (["serve", "{rec}", "--faults", "drop=3"], "probability"),
        (["serve", "{rec}", "--port", "70000"], "--port"),
        (["serve", "{tmp}/missing.jtrec"], "does not exist"),
        ([*_DOWNLOAD, "--start", "2026-01-02", "--end", "2026-01-01"], "--end"),
        ([*_DOWNLOAD, "--start", "2026-01-01", "--end", "2026-01-02", "--interval", "1s"], "Coinbase has no 1s"),
    ],
)
def test_bad_arguments_are_one_clear_error(
    argv: list[str], message: str, tmp_path: Path, coinbase_small: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = [a.replace("{tmp}", str(tmp_path)).replace("{rec}", str(coinbase_small)) for a in argv]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"jtrader {argv[0]}: error:") and message in err


def test_argument_parsers() -> None:
    assert parse_products(" BTC-USD, ,ETH-USD") == ["BTC-USD", "ETH-USD"]
    assert parse_speed("max") is None and parse_speed("2.5") == 2.5
    asyncio.run(asyncio.sleep(0))  # the runners leave no loop behind
