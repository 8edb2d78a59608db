"""Replay end to end on jtrader's own recordings: generated, bundled, and damaged in the test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from jtrader.errors import ConfigError, RecordingError
from jtrader.marketgen import generate
from jtrader.recording import Direction, RecordingWriter, open_recording
from jtrader.replay.command import parse_latency_ms, parse_speed
from jtrader.replay.runner import ReplayConfig, replay
from jtrader.replay.source import Pacer
from jtrader.strategies.loader import build_strategy

REPO = Path(__file__).resolve().parents[2]
COINBASE_SAMPLE = REPO / "recordings" / "coinbase_btcusd_sample.jtrec"
BINANCE_SAMPLE = REPO / "recordings" / "binance_btcusdt_sample.jtrec"


def _cli(*args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "jtrader.cli", *args], capture_output=True, check=check, timeout=300)


@pytest.fixture(scope="module")
def coinbase_session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gen") / "coinbase.jtrec"
    generate("coinbase", 20, 11, path)
    return path


@pytest.fixture(scope="module")
def binance_session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gen") / "binance.jtrec"
    generate("binance", 20, 12, path)
    return path


def test_bundled_samples_replay_cleanly(tmp_path: Path) -> None:
    for sample, symbol in ((COINBASE_SAMPLE, "BTC-USD"), (BINANCE_SAMPLE, "BTCUSDT")):
        summary = replay(sample).summary
        assert summary["format"] == "jtrader"
        assert (summary["malformed"], summary["gaps"], summary["resyncs"]) == (0, 0, 0)
        assert list(summary["books"]) == [symbol]
        assert summary["books"][symbol]["bids"] and summary["books"][symbol]["asks"]
        assert not summary["books"][symbol]["crossed"]
        assert "orders" not in summary  # no strategy: no trading keys
    assert replay(BINANCE_SAMPLE).summary["book_checks"]["checked"] > 0
    assert replay(BINANCE_SAMPLE).summary["book_checks"]["mismatched"] == 0


def test_generated_binance_session_passes_every_bookticker_check(binance_session: Path) -> None:
    summary = replay(binance_session).summary
    assert summary["book_checks"]["checked"] > 20
    assert summary["book_checks"]["mismatched"] == 0


def test_quick_start_command_trades_and_prints_a_summary() -> None:
    proc = _cli("replay", str(COINBASE_SAMPLE), "--strategy", "market_maker")
    text = proc.stdout.decode()
    assert "strategy market_maker:" in text
    assert "BTC-USD: bid" in text


def test_replay_json_is_byte_identical_on_two_cli_runs_and_out_dir_holds_events(tmp_path: Path) -> None:
    outputs = []
    for run in range(2):
        out = tmp_path / f"run{run}"
        proc = _cli("replay", str(BINANCE_SAMPLE), "--strategy", "market_maker", "--json", "--out", str(out))
        summary = orjson.loads(proc.stdout)
        summary.pop("elapsed_s")
        outputs.append((orjson.dumps(summary), (out / "events.jsonl").read_bytes()))
        assert orjson.loads((out / "summary.json").read_bytes())["orders"] == summary["orders"]
    assert outputs[0] == outputs[1]
    events = [orjson.loads(line) for line in outputs[0][1].splitlines()]
    assert len(events) >= orjson.loads(outputs[0][0])["orders"] > 0
    assert all(isinstance(e["ts"], int) for e in events)


def test_speed_one_paces_by_receive_time_and_gives_the_same_result(coinbase_session: Path) -> None:
    fake_now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        fake_now[0] += seconds

    paced = replay(coinbase_session, ReplayConfig(speed=1.0, sleep=sleep, monotonic=lambda: fake_now[0])).summary
    fast = replay(coinbase_session).summary
    assert {k: v for k, v in paced.items() if k != "elapsed_s"} == {k: v for k, v in fast.items() if k != "elapsed_s"}
    # the fake clock advanced by the data's duration: pacing followed receive times
    assert fake_now[0] == pytest.approx(paced["duration_s"], abs=1.0)
    assert len(slept) > 10


def test_pacer_at_ten_times_speed_sleeps_a_tenth_of_the_gap() -> None:
    now = [100.0]
    slept: list[float] = []
    pacer = Pacer(10.0, slept.append, lambda: now[0])
    pacer.wait_until(5_000_000_000)
    pacer.wait_until(7_000_000_000)  # 2 s of data at 10x: 0.2 s
    assert slept == [pytest.approx(0.2)]
    now[0] += 5.0  # the consumer was slow: no sleep, never negative
    pacer.wait_until(8_000_000_000)
    assert slept == [pytest.approx(0.2)]


@pytest.mark.parametrize("text", ["0", "-1", "fast", "inf", "nan"])
def test_bad_speed_values_are_config_errors(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_speed(text)


def test_speed_values_parse() -> None:
    assert parse_speed("max") is None
    assert parse_speed("1") == 1.0
    assert parse_speed("2.5") == 2.5


def test_truncated_recording_replays_up_to_its_last_complete_chunk(coinbase_session: Path, tmp_path: Path) -> None:
    data = coinbase_session.read_bytes()
    cut = tmp_path / "cut.jtrec"
    cut.write_bytes(data[: len(data) * 2 // 3])
    full = replay(coinbase_session).summary
    partial = replay(cut).summary
    assert partial["truncated"] is True
    assert 0 < partial["records"] < full["records"]
    assert (partial["malformed"], partial["gaps"]) == (0, 0)
    assert partial["books"]["BTC-USD"]["bids"]


def test_corrupt_middle_bytes_are_skipped_and_counted(coinbase_session: Path, tmp_path: Path) -> None:
    data = bytearray(coinbase_session.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = b"\x00" * 64
    bad = tmp_path / "corrupt.jtrec"
    bad.write_bytes(bytes(data))
    summary = replay(bad).summary
    assert summary["corrupt_chunks"] + int(summary["truncated"]) >= 1
    # a lost chunk is a gap in Coinbase sequence numbers: the book resyncs rather than lying
    assert summary["gaps"] >= 1 or summary["truncated"]
    assert summary["records"] > 0


def _rewrite_with(src: Path, dst: Path, mutate) -> None:
    reader = open_recording(src)
    header = reader.header
    with RecordingWriter(dst, header.venue, header.products, created_ns=header.created_ns) as writer:
        for index, record in enumerate(reader):
            for payload in mutate(index, record):
                writer.write(record.ts, record.direction, record.conn, payload, record.url)


def test_malformed_unknown_and_duplicate_frames_are_counted_and_skipped(coinbase_session: Path, tmp_path: Path) -> None:
    def mutate(index: int, record):
        yield record.payload
        if record.direction == Direction.RECV and index == 40:
            yield b"{not json"
            yield b'{"channel":"mystery","events":[]}'
        if record.direction == Direction.RECV and index == 60:
            yield record.payload  # an exact duplicate: repeated sequence number

    damaged = tmp_path / "damaged.jtrec"
    _rewrite_with(coinbase_session, damaged, mutate)
    summary = replay(damaged).summary
    assert summary["malformed"] >= 1
    assert summary["unknown_channel"] + summary["malformed"] >= 2
    assert summary["duplicates"] >= 1
    assert summary["gaps"] == 0
    assert summary["books"]["BTC-USD"]["bids"]
    assert not summary["books"]["BTC-USD"]["crossed"]


def test_a_dropped_frame_is_a_gap_and_the_book_resyncs(coinbase_session: Path, tmp_path: Path) -> None:
    def mutate(index: int, record):
        if record.direction == Direction.RECV and index == 50:
            return
        yield record.payload

    gapped = tmp_path / "gapped.jtrec"
    _rewrite_with(coinbase_session, gapped, mutate)
    summary = replay(gapped, ReplayConfig(strategy=build_strategy("market_maker"))).summary
    assert summary["gaps"] == 1
    assert summary["resyncs"] >= 1
    # Coinbase sends no new snapshot by itself: the book stays marked wrong to the end
    assert summary["books"]["BTC-USD"]["resyncing"] is True


def test_unreadable_files_get_one_clear_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jtrec"
    empty.write_bytes(b"")
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    for path in (empty, junk, tmp_path / "missing.jtrec"):
        with pytest.raises(RecordingError):
            replay(path)
        proc = _cli("replay", str(path), check=False)
        assert proc.returncode == 1
        assert b"error" in proc.stderr and b"Traceback" not in proc.stderr


def test_wrong_format_flag_is_an_error_not_a_crash(tmp_path: Path) -> None:
    proc = _cli("replay", str(COINBASE_SAMPLE), "--format", "hftbacktest", check=False)
    assert proc.returncode in (0, 1)
    assert b"Traceback" not in proc.stderr
    if proc.returncode == 0:
        assert b"malformed" in proc.stdout


def test_param_without_strategy_and_bad_top_are_refused() -> None:
    proc = _cli("replay", str(COINBASE_SAMPLE), "--param", "x=1", check=False)
    assert proc.returncode == 1 and b"--param needs --strategy" in proc.stderr
    proc = _cli("replay", str(COINBASE_SAMPLE), "--top", "-1", check=False)
    assert proc.returncode == 1 and b"--top" in proc.stderr


FAT_FINGER = """
from jtrader.model import OrderType, Side
from jtrader.trading import Strategy


class FatFinger(Strategy):
    name = "fat_finger"

    def on_start(self, ctx):
        self.sent = False

    def on_book(self, ctx, msg):
        book = ctx.book(msg.symbol)
        if self.sent or book.best_bid is None or book.best_ask is None:
            return
        self.sent = True
        ctx.submit(msg.symbol, Side.BUY, OrderType.LIMIT, size=1000, price=book.best_ask * 2)
        ctx.submit(msg.symbol, Side.BUY, OrderType.LIMIT, size=1000, price=book.best_ask)
"""


def test_replay_orders_go_through_the_risk_manager(tmp_path: Path) -> None:
    strategy_file = tmp_path / "fat_finger.py"
    strategy_file.write_text(FAT_FINGER)
    out = tmp_path / "out"
    proc = _cli(
        "replay", str(COINBASE_SAMPLE), "--strategy", f"{strategy_file}:FatFinger",
        "--taker-bps", "10", "--latency-ms", "0", "--json", "--out", str(out),
    )  # fmt: skip
    summary = orjson.loads(proc.stdout)
    events = [orjson.loads(line) for line in (out / "events.jsonl").read_bytes().splitlines()]
    denied = [e for e in events if e["type"] == "OrderDenied"]
    assert [e["reason"] for e in denied] == ["PRICE_BAND"]
    assert summary["orders"] == 2 and summary["denials"] == 1
    fills = [e for e in events if e["type"] == "OrderFilled"]
    assert fills and all(e["liquidity"] == "TAKER" for e in fills)
    assert summary["fees"]["USD"] != "0"  # 10 bps taker fee charged on the marketable limit


@pytest.mark.parametrize("text", ["-1", "soon", "nan", "inf"])
def test_bad_latency_values_are_config_errors(text: str) -> None:
    with pytest.raises(ConfigError):
        parse_latency_ms(text)


def test_latency_values_parse_to_nanoseconds() -> None:
    assert parse_latency_ms("50") == 50_000_000
    assert parse_latency_ms("0.5") == 500_000
    assert parse_latency_ms("0") == 0


def test_skipped_frames_are_logged_with_their_position(
    coinbase_session: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def mutate(index: int, record):
        yield record.payload
        if record.direction == Direction.RECV and index in (30, 31):
            yield b"{not json"

    damaged = tmp_path / "logged.jtrec"
    _rewrite_with(coinbase_session, damaged, mutate)
    with caplog.at_level("WARNING", logger="jtrader.replay"):
        summary = replay(damaged).summary
    assert summary["malformed"] == 2
    lines = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(lines) == 2
    # the inserted frames are records 32 and 34 (1-based: each follows its original)
    assert lines[0].startswith("record 32 (receive ts ") and "malformed" in lines[0]
    assert lines[1].startswith("record 34 ")


def test_problem_logging_is_capped_at_warning_level(
    coinbase_session: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def mutate(index: int, record):
        yield record.payload
        if record.direction == Direction.RECV and 20 <= index < 50:
            yield b"[]"

    damaged = tmp_path / "many.jtrec"
    _rewrite_with(coinbase_session, damaged, mutate)
    with caplog.at_level("WARNING", logger="jtrader.replay"):
        summary = replay(damaged).summary
    assert summary["malformed"] == 30
    warned = [r for r in caplog.records if r.levelname == "WARNING" and "skipped" in r.getMessage()]
    assert len(warned) == 20
    assert any("further problems are logged at DEBUG" in r.getMessage() for r in caplog.records)
