"""Recording throughput: reader (records/s, MB/s of payload) and writer, on a generated session.

Full size: a Coinbase session with at least 1,000,000 level updates; with ``--benchmark-disable``
(CI) a small one, so the suite stays quick.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from jtrader.marketgen import generate
from jtrader.recording import RecordingWriter, open_recording


@pytest.fixture(scope="module")
def session(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    small = request.config.getoption("benchmark_disable")
    path = tmp_path_factory.mktemp("bench") / "session.jtrec"
    seconds, levels = (5, 5) if small else (700, 40)
    stats = generate("coinbase", seconds, 42, path, levels_per_update=levels)
    assert small or stats["level_updates"] >= 1_000_000
    return path, stats


def read_all(path: Path) -> tuple[int, int]:
    n = size = 0
    for record in open_recording(path):
        n += 1
        size += len(record.payload)
    return n, size


def test_bench_reader_throughput(benchmark, session: tuple[Path, dict]) -> None:
    path, stats = session
    n, size = benchmark(read_all, path)
    assert n == stats["records"]
    if benchmark.stats:
        seconds = benchmark.stats.stats.mean
        benchmark.extra_info["records_per_s"] = round(n / seconds)
        benchmark.extra_info["payload_mb_per_s"] = round(size / seconds / 1e6, 1)
        benchmark.extra_info["level_updates"] = stats["level_updates"]


def test_bench_orjson_loads_of_the_same_frames(benchmark, session: tuple[Path, dict]) -> None:
    """The reference for the replay goal: parsing every frame with orjson alone."""
    payloads = [r.payload for r in open_recording(session[0]) if r.payload]
    loads = orjson.loads

    def parse_all() -> int:
        for payload in payloads:
            loads(payload)
        return len(payloads)

    assert benchmark(parse_all) == session[1]["records"] - 1  # all but the empty connect payload


def test_bench_writer_throughput(benchmark, session: tuple[Path, dict], tmp_path: Path) -> None:
    records = list(open_recording(session[0]))

    def write_all() -> int:
        with RecordingWriter(tmp_path / "copy.jtrec", "coinbase", ["BTC-USD"], created_ns=0) as writer:
            write = writer.write
            for r in records:
                write(r.ts, r.direction, r.conn, r.payload, r.url)
        return writer.records_written

    assert benchmark(write_all) == len(records)
    if benchmark.stats:
        benchmark.extra_info["records_per_s"] = round(len(records) / benchmark.stats.stats.mean)
