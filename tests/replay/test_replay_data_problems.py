"""Nothing lost silently: every data-problem counter exists, is counted, is in ``--json`` and is named.

One hand-made Binance recording holds one of each problem; the real CLI replays it as a
subprocess. ``--strict`` turns any problem into exit code 1 with a one-line reason.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from jtrader.recording import RecordingWriter
from jtrader.replay.problems import PROBLEM_KEYS, data_problems, problem_lines, strict_reason

T0 = 1_723_161_254_000_000_000
S = 1_000_000_000
E = T0 // 1_000_000
DEPTH_URL = "https://api.binance.com/api/v3/depth?symbol=BTCUSDT"


def jtrader(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jtrader.cli", *args], capture_output=True, text=True, check=False, timeout=300
    )


def combined(stream: str, data: dict) -> bytes:
    return orjson.dumps({"stream": stream, "data": data})


def diff(first: int, last: int, bids: list, asks: list | None = None) -> bytes:
    data = {"e": "depthUpdate", "E": E, "s": "BTCUSDT", "U": first, "u": last, "b": bids, "a": asks or []}
    return combined("btcusdt@depth@100ms", data)


def trade(trade_id: int) -> bytes:
    data = {"e": "trade", "E": E, "s": "BTCUSDT", "t": trade_id, "p": "100.01", "q": "0.5", "T": E, "m": True}
    return combined("btcusdt@trade", data)


def ticker(symbol: str, update_id: int, bid: str, ask: str, sizes: tuple[str, str] = ("1", "1")) -> bytes:
    data = {"u": update_id, "s": symbol, "b": bid, "B": sizes[0], "a": ask, "A": sizes[1]}
    return combined(f"{symbol.lower()}@bookTicker", data)


@pytest.fixture(scope="module")
def damaged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A recording with one of every problem, cut off (its writer never closed it)."""
    path = tmp_path_factory.mktemp("problems") / "problems.jtrec"
    writer = RecordingWriter(path, "binance", ["BTCUSDT"], created_ns=T0)
    snapshot = b'{"lastUpdateId": 100, "bids": [["100.00", "5"]], "asks": [["100.02", "5"]]}'
    frames = [
        (T0, ticker("BTCUSDT", 99, "100.00", "100.02")),
        (T0 + 1 * S, diff(101, 101, [["100.00", "4"]])),
        (T0 + 2 * S, ticker("BTCUSDT", 101, "100.00", "100.03")),  # the book says 100.02: a mismatch
        (T0 + 3 * S, trade(7)),
        (T0 + 4 * S, trade(7)),  # a duplicate
        (T0 + 5 * S, b"{not json"),  # malformed
        (T0 + 6 * S, combined("btcusdt@ticker", {"e": "24hrTicker"})),  # unknown channel
        (T0 + 7 * S, diff(102, 102, [["100.005", "1"], ["99.99", "1"]])),  # one level off the 0.01 grid
        (T0 + 6 * S, ticker("BTCUSDT", 102, "100.00", "100.02", ("4", "5"))),  # older than the clock: late
        (T0 + 2 * 86_400 * S, ticker("BTCUSDT", 103, "100.00", "100.02")),  # an impossible receive time
        (T0 + 8 * S, diff(110, 111, [["99.98", "1"]])),  # a gap: the book resyncs, this diff is held
        (T0 + 9 * S, diff(112, 112, [["99.97", "1"]])),  # held too, never applied: the data ends
        (T0 + 40 * S, ticker("ETHUSDT", 5, "2000.00", "2000.01")),  # a product first seen after the pre-roll
    ]
    writer.write(T0 - 1, "http", "rest", snapshot, DEPTH_URL)
    for ts, frame in frames:
        writer.write(ts, "recv", "ws", frame)
    writer.abort()  # flushed, no end marker: truncated
    return path


@pytest.fixture(scope="module")
def summary(damaged: Path) -> dict:
    result = jtrader("replay", str(damaged), "--json")
    assert result.returncode == 0, result.stderr
    return orjson.loads(result.stdout)


EXPECTED = {
    "truncated": 1,
    "bad_timestamps": 1,
    "malformed": 1,
    "unknown_channel": 1,
    "duplicates": 1,
    "gaps": 1,
    "late": 1,
    "off_grid_levels": 1,
    "unapplied_diffs": 2,
    "book_check_mismatches": 1,
    "unknown_symbol": 1,
}


def test_every_problem_is_counted_under_its_stable_key(summary: dict) -> None:
    assert summary["data_problems"] == EXPECTED
    for key in ("corrupt_chunks", "unreadable_lines", "out_of_order", "lost_records", "off_grid_levels"):
        assert key in summary  # present (0 or more) in every replay summary
    assert summary["truncated"] is True and summary["truncated_at"] > 0
    assert summary["source_damage"] is None
    assert {event["kind"] for event in summary["damage"]} == {"truncated", "bad_timestamps"}


def test_the_human_summary_names_every_problem_and_strict_fails_with_one_line(damaged: Path) -> None:
    result = jtrader("replay", str(damaged), "--strict")
    assert result.returncode == 1
    out = result.stdout
    for label in (
        "data problems:",
        "truncated at byte",
        "1 records with an impossible timestamp skipped",
        "1 malformed frames skipped (last: JSONDecodeError",
        "1 frames of channels the adapter does not handle",
        "1 duplicate messages skipped",
        "1 sequence gaps",
        "1 messages older than the replay clock",
        "1 book levels off the instrument's grid left out",
        "2 buffered book diffs never applied",
        "1 bookTicker checks that disagreed with the rebuilt book",
        "1 messages of products first seen after the pre-roll",
    ):
        assert label in out, label
    (reason,) = [line for line in result.stderr.splitlines() if line.startswith("jtrader replay: error:")]
    assert reason == f"jtrader replay: error: {strict_reason(EXPECTED)}"
    assert "Traceback" not in result.stderr


def test_a_clean_replay_has_no_problem_and_passes_strict() -> None:
    recording = Path(__file__).resolve().parents[2] / "recordings" / "binance_btcusdt_sample.jtrec"
    result = jtrader("replay", str(recording), "--strict", "--json")
    assert result.returncode == 0, result.stderr
    assert orjson.loads(result.stdout)["data_problems"] == {}
    human = jtrader("replay", str(recording))
    assert "data problems" not in human.stdout


def test_problem_lines_and_keys_in_process(summary: dict) -> None:
    assert set(EXPECTED) <= set(PROBLEM_KEYS)
    assert data_problems(summary) == EXPECTED
    assert problem_lines({**summary, "data_problems": {}}) == []
    assert problem_lines({"source_damage": {"problems": 2, "format": "hftbacktest", "file": "x.gz"}})[1].startswith(
        "  converted from a damaged hftbacktest file 'x.gz'"
    )


def test_strict_in_process_prints_the_summary_then_fails(damaged: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from jtrader.cli import main

    assert main(["replay", str(damaged), "--strict"]) == 1
    captured = capsys.readouterr()
    assert "data problems:" in captured.out and "2 buffered book diffs never applied" in captured.out
    assert captured.err.strip().endswith(strict_reason(EXPECTED))
    assert main(["replay", str(damaged), "--json"]) == 0  # without --strict: the same data, exit 0
