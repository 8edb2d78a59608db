"""``jtrader paper`` / ``jtrader parity`` through ``jtrader.cli.main`` in this process, against a
``jtrader serve`` subprocess: the human and JSON outputs, a resume, argument errors, and parity
catching a recording whose configuration was changed after the fact."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_paper_resume import chunk_ends, cut

from jtrader.cli import main
from jtrader.recording import EVENTS_VERSION, RecordingWriter, open_recording

PRODUCTS = {"coinbase": "BTC-USD,ETH-USD", "binance": "BTCUSDT,ETHUSDT"}


def served(source: Path, *extra: str) -> Iterator[str]:
    """``jtrader serve`` of ``source`` in a subprocess on 127.0.0.1; yields its URL."""
    with subprocess.Popen(
        [sys.executable, "-m", "jtrader.cli", "serve", str(source), "--port", "0", *extra],
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


@pytest.fixture(scope="module")
def url(coinbase_src: Path) -> Iterator[str]:
    yield from served(coinbase_src, "--speed", "4", "--loop")


def paper_args(url: str, record: Path, *extra: str) -> list[str]:
    args = ["--quiet", "paper", "--venue", "coinbase", "--products", PRODUCTS["coinbase"], "--url", url]
    return [*args, "--strategy", "market_maker", "--param", "half_spread_ticks=1", "--record", str(record), *extra]


@pytest.fixture(scope="module")
def session(url: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    record = tmp_path_factory.mktemp("paper_cmd") / "s.jtrec"
    assert main(paper_args(url, record, "--max-messages", "600", "--fee-bps", "5")) == 0
    return record


def test_paper_prints_its_summary_and_parity_says_identical(session: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parity", str(session)]) == 0
    text = capsys.readouterr().out
    assert text.startswith("identical: final equity ")
    assert "(paper/replay)" in text
    assert main(["parity", str(session), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in ("identical", "orders_paper", "orders_replay", "fills_paper", "fills_replay", "first_divergence"):
        assert key in result
    assert result["identical"] and result["first_divergence"] is None and result["orders_paper"] > 0


def test_the_human_summary_of_a_session(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(paper_args(url, tmp_path / "h.jtrec", "--max-messages", "300")) == 0
    first = capsys.readouterr().out.split("\n")[0]
    assert first.startswith("paper session on coinbase: 300 frames")
    assert "stopped by max-messages" in first and "receive-to-decision p50" in first


def test_a_cut_session_resumes_in_process(
    session: Path, url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crashed = cut(session, chunk_ends(session)[2] + 3, tmp_path / "crashed.jtrec")
    assert main(["--quiet", "paper", "--resume", str(crashed), "--url", url, "--max-messages", "200", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["resumed"] and summary["records_rebuilt"] > 0 and summary["stopped_by"] == "max-messages"
    assert main(["parity", str(crashed), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["identical"] and result["resumes"] == 1


def test_parity_finds_the_first_divergence_of_a_recording_whose_fees_were_changed(
    session: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reader = open_recording(session)
    metadata = dict(reader.header.metadata)
    metadata["paper"] = {**metadata["paper"], "maker_bps": "50", "taker_bps": "50"}
    forged = tmp_path / "forged.jtrec"
    header = reader.header
    with RecordingWriter(
        forged,
        header.venue,
        list(header.products),
        metadata,
        created_ns=header.created_ns,
        format_version=EVENTS_VERSION,
    ) as writer:
        for r in open_recording(session):
            writer.write(r.ts, r.direction, r.conn, r.payload, r.url)
    assert main(["parity", str(forged)]) == 1
    text = capsys.readouterr().out
    assert text.startswith("diverged at event ") and "OrderFilled" in text.split("\n")[0]
    assert "expected (paper)" in text and "got (replay)" in text
    assert main(["parity", str(forged), "--json"]) == 1
    result = json.loads(capsys.readouterr().out)
    assert not result["identical"] and result["first_divergence"]["event"] == "OrderFilled"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["paper", "--venue", "coinbase", "--products", "BTC-USD", "--strategy", "market_maker"], "--record FILE"),
        (["paper", "--venue", "coinbase", "--products", "BTC-USD", "--record", "x.jtrec"], "--strategy is required"),
        (
            [
                "paper",
                "--venue",
                "coinbase",
                "--products",
                "BTC-USD",
                "--strategy",
                "market_maker",
                "--record",
                "x",
                "--fee-bps",
                "1",
                "--maker-bps",
                "2",
            ],
            "not both",
        ),  # fmt: skip
        (
            [
                "paper",
                "--venue",
                "coinbase",
                "--products",
                "BTC-USD",
                "--strategy",
                "market_maker",
                "--record",
                "x",
                "--stp-mode",
                "SOMETIMES",
            ],
            "--stp-mode must be one of",
        ),  # fmt: skip
        (["paper", "--resume", "x.jtrec", "--strategy", "market_maker"], "cannot change a resumed session"),
        (["paper", "--resume", "x.jtrec", "--param", "a=1"], "cannot change a resumed session"),
    ],
)
def test_bad_arguments_are_one_clear_error(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) != 0
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "x").exists() and not (tmp_path / "x.jtrec").exists()
