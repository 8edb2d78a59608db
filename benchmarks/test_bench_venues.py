"""Replay hot path: the venue adapters' ``on_frame`` over real captures vs ``orjson.loads`` alone.

Coinbase: the Advanced Trade capture, read through the typed ``msgspec`` structs (the default) and
through the general ``orjson`` path (``typed_decoding=False``), side by side. Binance: the
hftbacktest BTCUSDT capture (combined-stream depth, trade and bookTicker frames). Reads
``../shared/data`` in place (skipped when absent). With ``--benchmark-disable`` only the first
frames are used so that CI stays quick.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest
import zstandard

from jtrader.venues import BinanceAdapter, CoinbaseAdapter

CAPTURE = (
    Path(__file__).resolve().parents[1]
    / ".."
    / "shared"
    / "data"
    / "coinbase"
    / "advanced_trade_btc_eth_2026-08-09.jsonl.zst"
)
BINANCE_CAPTURE = CAPTURE.parents[1] / "binance" / "spot_btcusdt_20240808.gz"


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


@pytest.fixture(scope="module")
def binance_frames(request: pytest.FixtureRequest) -> list[tuple[int, bytes, str]]:
    if not BINANCE_CAPTURE.is_file():
        pytest.skip(f"../shared/data not present: {BINANCE_CAPTURE}")
    out = []
    with gzip.open(BINANCE_CAPTURE, "rb") as fh:
        for line in fh:
            ts, _, data = line.partition(b" ")
            out.append((int(ts), data.strip(), "c"))
    if request.config.getoption("benchmark_disable"):
        out = out[:200]
    return out


def parse_all(frames: list[tuple[int, bytes, str]], typed_decoding: bool = True) -> int:
    adapter = CoinbaseAdapter(typed_decoding=typed_decoding)
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


@pytest.mark.parametrize("typed_decoding", [True, False], ids=["typed", "general"])
def test_bench_coinbase_adapter_on_frame(benchmark, frames, typed_decoding: bool) -> None:
    benchmark.extra_info["frames"] = len(frames)
    messages = benchmark(parse_all, frames, typed_decoding)
    assert messages > len(frames) // 2


def test_bench_coinbase_orjson_loads_only(benchmark, frames) -> None:
    benchmark.extra_info["frames"] = len(frames)
    assert benchmark(loads_all, frames) >= 4 * len(frames)


def parse_all_binance(frames: list[tuple[int, bytes, str]]) -> int:
    adapter = BinanceAdapter()
    count = 0
    for ts, data, conn in frames:
        count += len(adapter.on_frame(ts, data, conn))
    assert adapter.stats.malformed == 0 and adapter.stats.gaps == 0
    return count


def test_bench_binance_adapter_on_frame(benchmark, binance_frames) -> None:
    benchmark.extra_info["frames"] = len(binance_frames)
    messages = benchmark(parse_all_binance, binance_frames)
    assert messages > len(binance_frames) // 2


def test_bench_binance_orjson_loads_only(benchmark, binance_frames) -> None:
    benchmark.extra_info["frames"] = len(binance_frames)
    assert benchmark(loads_all, binance_frames) >= 2 * len(binance_frames)
