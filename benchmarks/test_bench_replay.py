"""Full replay throughput (read, decompress, parse, apply, best bid/ask) against two references.

Issue 5 asks for replay throughput in messages/s and level updates/s on the real Coinbase capture
and on a generated stream of at least 1,000,000 level updates, compared with ``orjson.loads``
alone on the same frames (goal: within 2x) and with cryptofeed's ``order_book`` package fed the
way a cryptofeed user feeds it (orjson, ``Decimal`` per price and size, ``OrderBook`` updates,
best bid/ask read per frame). The same replay-versus-orjson figures are taken on Binance: the
real hftbacktest capture (converted to a jtrader recording in a temporary folder; mostly trades
and bookTicker quotes) and a generated Binance stream.

Each replay benchmark also times ``orjson.loads`` over the same frames (best of a few runs) and
reports, in ``extra_info``: ``frames``, ``messages_per_s``, ``level_updates_per_s``,
``orjson_s`` and ``ratio_to_orjson`` (replay time / orjson time). The cryptofeed benchmarks
report their own rates and, when the jtrader replay of the same data ran earlier in the session,
``jtrader_speedup`` (cryptofeed time / jtrader time). Nothing here asserts a time: the asserts
check that every run did the work (message counts, final books).

With ``--benchmark-disable`` (CI) the generated stream is small and every function runs once.
Peak memory as the recording grows is a plain test: ``tests/replay/test_replay_memory.py``.
"""

from __future__ import annotations

import gc
import itertools
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest

from jtrader.marketgen import generate
from jtrader.model import BookDelta, BookSnapshot
from jtrader.recording import Direction, RecordingWriter, open_recording, open_source
from jtrader.recording.command import convert
from jtrader.replay.runner import ReplayConfig, ReplayOutcome, replay
from jtrader.replay.source import RecordCounts, messages_from_records
from jtrader.venues import BinanceAdapter, CoinbaseAdapter

CAPTURE = Path("coinbase") / "advanced_trade_btc_eth_2026-08-09.jsonl.zst"
BINANCE_CAPTURE = Path("binance") / "spot_btcusdt_20240808.gz"
#: generated stream: (seconds, levels per update) when timed, and under --benchmark-disable
FULL_STREAM = (240, 100)
SMALL_STREAM = (5, 20)
#: generated Binance stream (seconds; about 40 frames per second) when timed, and under --benchmark-disable
FULL_BINANCE_SECONDS = 1200
SMALL_BINANCE_SECONDS = 5
#: the real Binance capture's frames replayed under --benchmark-disable (the whole file when timed)
SMALL_BINANCE_RECORDS = 2_000
#: best-of runs for the orjson reference timing (only when benchmarks are timed)
REFERENCE_RUNS = 5

#: jtrader replay times (s) by data set, for the cryptofeed comparison
_REPLAY_TIMES: dict[str, float] = {}


class Stream:
    """A recording prepared for the benchmarks: its path, recv frames and level-update count."""

    def __init__(self, name: str, path: Path, adapter_class: type = CoinbaseAdapter) -> None:
        self.name = name
        self.path = path
        self.frames = [r.payload for r in open_recording(path) if r.direction == Direction.RECV]
        adapter = adapter_class()
        self.messages = 0
        self.level_updates = 0
        for msg in messages_from_records(iter(open_recording(path)), adapter, RecordCounts()):
            self.messages += 1
            if type(msg) is BookDelta or type(msg) is BookSnapshot:
                self.level_updates += len(msg.bids) + len(msg.asks)


@pytest.fixture(scope="module")
def real_capture(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Stream:
    src = shared_data / CAPTURE
    if not src.is_file():
        pytest.skip(f"../shared/data not present: {src}")
    dst = tmp_path_factory.mktemp("replay") / "coinbase_capture.jtrec"
    convert(src, dst)
    return Stream("real_capture", dst)


@pytest.fixture(scope="module")
def generated(bench_full: bool, tmp_path_factory: pytest.TempPathFactory) -> Stream:
    seconds, levels = FULL_STREAM if bench_full else SMALL_STREAM
    path = tmp_path_factory.mktemp("replay") / "generated.jtrec"
    stats = generate("coinbase", seconds, 7, path, levels_per_update=levels)
    stream = Stream("generated", path)
    assert stream.level_updates == stats["level_updates"]
    if bench_full:
        assert stream.level_updates >= 1_000_000
    return stream


def convert_head(src: Path, dst: Path, limit: int | None) -> None:
    """Convert ``src`` to a jtrader recording at ``dst``: all of it, or its first ``limit`` records."""
    if limit is None:
        convert(src, dst)
        return
    source = open_source(src)
    header = source.header
    with RecordingWriter(dst, header.venue, header.products, created_ns=header.created_ns) as writer:
        for record in itertools.islice(source, limit):
            writer.write(record.ts, record.direction, record.conn, record.payload, record.url)


@pytest.fixture(scope="module")
def binance_capture(shared_data: Path, bench_full: bool, tmp_path_factory: pytest.TempPathFactory) -> Stream:
    src = shared_data / BINANCE_CAPTURE
    if not src.is_file():
        pytest.skip(f"../shared/data not present: {src}")
    dst = tmp_path_factory.mktemp("replay") / "binance_capture.jtrec"
    convert_head(src, dst, None if bench_full else SMALL_BINANCE_RECORDS)
    return Stream("binance_capture", dst, BinanceAdapter)


@pytest.fixture(scope="module")
def binance_generated(bench_full: bool, tmp_path_factory: pytest.TempPathFactory) -> Stream:
    seconds = FULL_BINANCE_SECONDS if bench_full else SMALL_BINANCE_SECONDS
    path = tmp_path_factory.mktemp("replay") / "binance_generated.jtrec"
    stats = generate("binance", seconds, 7, path)
    stream = Stream("binance_generated", path, BinanceAdapter)
    assert len(stream.frames) == stats["frames"]
    return stream


def best_time(fn: Callable[[], Any], runs: int = REFERENCE_RUNS) -> float:
    """Best wall time of ``runs`` calls of ``fn`` (s): a reference figure, never asserted."""
    times = []
    for _ in range(runs):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def loads_all(frames: list[bytes]) -> int:
    loads = orjson.loads
    for frame in frames:
        loads(frame)
    return len(frames)


def replay_once(stream: Stream) -> ReplayOutcome:
    return replay(stream.path, ReplayConfig(record_events=False))


def run_replay_benchmark(benchmark: Any, stream: Stream) -> ReplayOutcome:
    outcome = benchmark.pedantic(replay_once, args=(stream,), rounds=5, iterations=1, warmup_rounds=1)
    summary = outcome.summary
    assert summary["messages"] == len(stream.frames)
    assert summary["market_messages"] == stream.messages
    assert summary["malformed"] == 0
    for book in summary["books"].values():
        assert book["bids"] and book["asks"] and not book["crossed"]
    if benchmark.stats:
        seconds = benchmark.stats.stats.min
        reference = best_time(lambda: loads_all(stream.frames))
        _REPLAY_TIMES[stream.name] = seconds
        benchmark.extra_info.update(
            frames=len(stream.frames),
            messages=stream.messages,
            level_updates=stream.level_updates,
            messages_per_s=round(stream.messages / seconds),
            level_updates_per_s=round(stream.level_updates / seconds),
            orjson_s=round(reference, 4),
            ratio_to_orjson=round(seconds / reference, 2),
        )
    return outcome


def test_bench_replay_of_the_real_coinbase_capture(benchmark: Any, real_capture: Stream) -> None:
    outcome = run_replay_benchmark(benchmark, real_capture)
    assert set(outcome.summary["books"]) == {"BTC-USD", "ETH-USD"}


def test_bench_orjson_loads_of_the_real_capture_frames(benchmark: Any, real_capture: Stream) -> None:
    assert benchmark(loads_all, real_capture.frames) == len(real_capture.frames)


def test_bench_replay_of_a_generated_million_level_stream(benchmark: Any, generated: Stream) -> None:
    outcome = run_replay_benchmark(benchmark, generated)
    assert list(outcome.summary["books"]) == ["BTC-USD"]


def test_bench_orjson_loads_of_the_generated_frames(benchmark: Any, generated: Stream) -> None:
    assert benchmark(loads_all, generated.frames) == len(generated.frames)


def test_bench_replay_of_the_real_binance_capture(benchmark: Any, binance_capture: Stream) -> None:
    outcome = run_replay_benchmark(benchmark, binance_capture)
    summary = outcome.summary
    assert list(summary["books"]) == ["BTCUSDT"]
    assert summary["gaps"] == 0 and summary["book_checks"]["mismatched"] == 0
    assert summary["book_checks"]["checked"] > 0


def test_bench_orjson_loads_of_the_binance_capture_frames(benchmark: Any, binance_capture: Stream) -> None:
    assert benchmark(loads_all, binance_capture.frames) == len(binance_capture.frames)


def test_bench_replay_of_a_generated_binance_stream(benchmark: Any, binance_generated: Stream) -> None:
    outcome = run_replay_benchmark(benchmark, binance_generated)
    summary = outcome.summary
    assert list(summary["books"]) == ["BTCUSDT"]
    assert summary["gaps"] == 0 and summary["book_checks"]["mismatched"] == 0


def test_bench_orjson_loads_of_the_generated_binance_frames(benchmark: Any, binance_generated: Stream) -> None:
    assert benchmark(loads_all, binance_generated.frames) == len(binance_generated.frames)


# -- cryptofeed's order_book, fed the way cryptofeed's Coinbase handler feeds it -----------------
def cryptofeed_books(frames: list[bytes]) -> dict[str, Any]:
    """orjson, Decimal per price and size, ``OrderBook`` per product, best bid/ask read per frame."""
    from order_book import OrderBook  # the optional bench extra

    books: dict[str, Any] = {}
    top: tuple[Any, Any] = (None, None)
    loads = orjson.loads
    for frame in frames:
        msg = loads(frame)
        if msg.get("channel") != "l2_data":
            continue
        for event in msg["events"]:
            symbol = event["product_id"]
            if event["type"] == "snapshot":
                books[symbol] = OrderBook()
            book = books.get(symbol)
            if book is None:
                continue
            for update in event["updates"]:
                side = book.bids if update["side"] == "bid" else book.asks
                price = Decimal(update["price_level"])
                size = Decimal(update["new_quantity"])
                if size == 0:
                    if price in side:
                        del side[price]
                else:
                    side[price] = size
            bids, asks = book.bids, book.asks
            top = (bids.index(0) if len(bids) else None, asks.index(0) if len(asks) else None)
    assert top != (None, None) or not books
    return books


def check_same_tops(books: dict[str, Any], outcome: ReplayOutcome) -> None:
    """The cryptofeed books end where jtrader's do (no gaps in the data: nothing to resync)."""
    for symbol, book in outcome.summary["books"].items():
        theirs = books[symbol]
        assert (Decimal(book["bids"][0][0]), Decimal(book["bids"][0][1])) == theirs.bids.index(0)
        assert (Decimal(book["asks"][0][0]), Decimal(book["asks"][0][1])) == theirs.asks.index(0)


def run_cryptofeed_benchmark(benchmark: Any, stream: Stream) -> None:
    pytest.importorskip("order_book", reason="cryptofeed's order_book is in the optional bench extra")
    books = benchmark.pedantic(cryptofeed_books, args=(stream.frames,), rounds=3, iterations=1, warmup_rounds=1)
    outcome = replay_once(stream)
    assert outcome.summary["gaps"] == 0 and outcome.summary["adapter"]["off_grid_levels"] == 0
    check_same_tops(books, outcome)
    if benchmark.stats:
        seconds = benchmark.stats.stats.min
        benchmark.extra_info.update(
            messages_per_s=round(stream.messages / seconds),
            level_updates_per_s=round(stream.level_updates / seconds),
        )
        if stream.name in _REPLAY_TIMES:
            benchmark.extra_info["jtrader_speedup"] = round(seconds / _REPLAY_TIMES[stream.name], 2)


def test_bench_cryptofeed_order_book_on_the_real_capture(benchmark: Any, real_capture: Stream) -> None:
    run_cryptofeed_benchmark(benchmark, real_capture)


def test_bench_cryptofeed_order_book_on_the_generated_stream(benchmark: Any, generated: Stream) -> None:
    run_cryptofeed_benchmark(benchmark, generated)
