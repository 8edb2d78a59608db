"""Replay hot path: CoinbaseAdapter.on_frame over the real Coinbase capture vs orjson.loads alone.

Reads ``../shared/data`` in place (skipped when absent). With ``--benchmark-disable`` only the
first frames are used so that CI stays quick.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
import zstandard

from jtrader.venues import CoinbaseAdapter

CAPTURE = (
    Path(__file__).resolve().parents[1]
    / ".."
    / "shared"
    / "data"
    / "coinbase"
    / "advanced_trade_btc_eth_2026-08-09.jsonl.zst"
)


@pytest.fixture(scope="module")
def frames(request: pytest.FixtureRequest) -> list[tuple[int, bytes, str]]:
    if not CAPTURE.is_file():
        pytest.skip(f"../shared/data not present: {CAPTURE}")
    with CAPTURE.open("rb") as fh:
        raw = zstandard.ZstdDecompressor().stream_reader(fh).read()
    records = [orjson.loads(line) for line in raw.splitlines()[1:]]
    recv = sorted((r for r in records if r["t"] == "recv"), key=lambda r: r["ts"])
    out = [(int(round(r["ts"] * 1e9)), r["data"].encode(), r["conn"]) for r in recv]
    if request.config.getoption("benchmark_disable"):
        out = out[:60]
    return out


def parse_all(frames: list[tuple[int, bytes, str]]) -> int:
    adapter = CoinbaseAdapter()
    count = 0
    for ts, data, conn in frames:
        count += len(adapter.on_frame(ts, data, conn))
    assert adapter.stats.malformed == 0 and adapter.stats.gaps == 0
    return count


def loads_all(frames: list[tuple[int, bytes, str]]) -> int:
    count = 0
    for _, data, _ in frames:
        count += len(orjson.loads(data))
    return count


def test_bench_coinbase_adapter_on_frame(benchmark, frames) -> None:
    benchmark.extra_info["frames"] = len(frames)
    messages = benchmark(parse_all, frames)
    assert messages > len(frames) // 2


def test_bench_coinbase_orjson_loads_only(benchmark, frames) -> None:
    benchmark.extra_info["frames"] = len(frames)
    assert benchmark(loads_all, frames) >= 4 * len(frames)
