"""Benchmarks of the L2 book: a seeded synthetic stream and the real Coinbase l2_data stream.

The goal from the issue: applying a venue's book frames (already parsed into ints) costs no more
than twice ``orjson.loads`` of the same frames. Compare ``test_book_applies_the_coinbase_l2_stream``
with ``test_orjson_loads_the_same_coinbase_l2_frames`` (same ``part`` parameter).
"""

from __future__ import annotations

import io
import random
from pathlib import Path
from typing import Any

import orjson
import pytest

from jtrader.book import OrderBook
from jtrader.model import Instrument

Level = tuple[int, int]
Frame = tuple[tuple[Level, ...], tuple[Level, ...]]

MID = 6_500_000  # 65000.00 at a 0.01 tick


# -- (a) synthetic stream -------------------------------------------------------------------------
def synthetic_stream(n_updates: int, seed: int = 20260809, per_frame: int = 10) -> tuple[Frame, list[Frame]]:
    """A snapshot and frames of ``per_frame`` level updates around a random-walking mid (ticks).

    Mix per level: ~70% size changes near the top (distance from the touch roughly exponential),
    ~20% deletes near the top (some of absent levels), ~10% new levels deep in the book. When
    the mid moves, the levels it crosses are deleted first, so the book never crosses.
    """
    rng = random.Random(seed)
    sizes = [rng.randrange(1, 5 * 10**8) for _ in range(4096)]  # lots; shared int objects
    bids = {MID - 1 - d: sizes[d] for d in range(200)}
    asks = {MID + 1 + d: sizes[-d] for d in range(200)}
    snapshot = (tuple(bids.items()), tuple(asks.items()))
    mid = MID
    frames: list[Frame] = []
    done = 0
    while done < n_updates:
        frame_bids: list[Level] = []
        frame_asks: list[Level] = []
        if rng.random() < 0.15:
            step = rng.choice((-2, -1, 1, 2))
            mid += step
            if step > 0:  # asks below mid + 1 are lifted
                frame_asks.extend((p, 0) for p in range(mid - step + 1, mid + 1) if asks.pop(p, None))
            else:
                frame_bids.extend((p, 0) for p in range(mid, mid - step) if bids.pop(p, None))
        while len(frame_bids) + len(frame_asks) < per_frame:
            is_bid = rng.random() < 0.5
            side, out = (bids, frame_bids) if is_bid else (asks, frame_asks)
            roll = rng.random()
            depth = rng.randrange(20, 2000) if roll >= 0.9 else min(int(rng.expovariate(0.2)), 300)
            price = mid - 1 - depth if is_bid else mid + 1 + depth
            if 0.7 <= roll < 0.9:
                side.pop(price, None)
                out.append((price, 0))
            else:
                size = sizes[rng.randrange(4096)]
                side[price] = size
                out.append((price, size))
        frames.append((tuple(frame_bids), tuple(frame_asks)))
        done += len(frame_bids) + len(frame_asks)
    return snapshot, frames


def apply_synthetic(snapshot: Frame, frames: list[Frame]) -> tuple[OrderBook, int]:
    book = OrderBook("SYN-USD")
    book.apply_snapshot(*snapshot)
    apply = book.apply_delta
    crossed = 0
    for bids, asks in frames:
        apply(bids, asks)
        bid, ask = book.best_bid, book.best_ask
        if bid is not None and ask is not None and bid >= ask:
            crossed += 1
    return book, crossed


def test_book_applies_a_million_synthetic_level_updates(benchmark: Any, bench_full: bool) -> None:
    n_updates = 1_000_000 if bench_full else 20_000
    snapshot, frames = synthetic_stream(n_updates)
    book, crossed = benchmark.pedantic(apply_synthetic, args=(snapshot, frames), rounds=3, iterations=1)
    benchmark.extra_info["level_updates"] = book.updates
    assert crossed == 0
    assert book.updates == len(snapshot[0]) + len(snapshot[1]) + sum(len(b) + len(a) for b, a in frames)
    assert book.updates >= n_updates
    # the same seed gives the same book: compare with a naive replay of the frames
    bids, asks = dict(snapshot[0]), dict(snapshot[1])
    for frame_bids, frame_asks in frames:
        for levels, updates in ((bids, frame_bids), (asks, frame_asks)):
            for price, size in updates:
                if size:
                    levels[price] = size
                else:
                    levels.pop(price, None)
    assert book.best_bid == max(bids)
    assert book.best_ask == min(asks)
    assert len(book) == len(bids) + len(asks)


def test_synthetic_stream_is_deterministic_and_never_crossed() -> None:
    snapshot, frames = synthetic_stream(5_000)
    assert synthetic_stream(5_000) == (snapshot, frames)
    book, crossed = apply_synthetic(snapshot, frames)
    assert crossed == 0
    assert 0 < book.absent_deletes < book.updates
    sizes = [size for bids, asks in frames for _, size in bids + asks]
    assert 0.15 < sizes.count(0) / len(sizes) < 0.45


# -- (b), (c) the real Coinbase Advanced Trade stream ---------------------------------------------
COINBASE = "coinbase/advanced_trade_btc_eth_2026-08-09.jsonl.zst"
GRID = {sym: Instrument(sym, sym[:3], "USD", "0.01", "0.00000001") for sym in ("BTC-USD", "ETH-USD")}

Parsed = tuple[str, bool, tuple[Level, ...], tuple[Level, ...]]


def parse_l2_frame(raw: bytes) -> list[Parsed]:
    """A tiny l2_data parser: (product, is_snapshot, bids, asks) per event, prices in ticks, sizes in lots."""
    out: list[Parsed] = []
    for event in orjson.loads(raw)["events"]:
        inst = GRID[event["product_id"]]
        bids: list[Level] = []
        asks: list[Level] = []
        for update in event["updates"]:
            level = (inst.price_to_ticks(update["price_level"]), inst.size_to_lots(update["new_quantity"]))
            (bids if update["side"] == "bid" else asks).append(level)
        out.append((event["product_id"], event["type"] == "snapshot", tuple(bids), tuple(asks)))
    return out


@pytest.fixture(scope="module")
def coinbase_l2(shared_data: Path) -> tuple[list[bytes], list[list[Parsed]]]:
    """The l2_data frames of the recording (raw bytes, ordered by receive time) and their parse."""
    path = shared_data / COINBASE
    if not path.is_file():
        pytest.skip(f"../shared/data not present: {path}")
    import zstandard

    records = []
    with path.open("rb") as fh, zstandard.ZstdDecompressor().stream_reader(fh) as reader:
        for line in io.BufferedReader(reader):
            record = orjson.loads(line)
            if record.get("t") == "recv" and '"channel":"l2_data"' in record["data"]:
                records.append((record["ts"], record["data"].encode()))
    records.sort(key=lambda r: r[0])
    raws = [raw for _, raw in records]
    return raws, [parse_l2_frame(raw) for raw in raws]


def select(coinbase_l2: tuple[list[bytes], list[list[Parsed]]], part: str) -> tuple[list[bytes], list[list[Parsed]]]:
    raws, parsed = coinbase_l2
    if part == "all":
        return raws, parsed
    keep = [i for i, frame in enumerate(parsed) if not any(snap for _, snap, _, _ in frame)]
    return [raws[i] for i in keep], [parsed[i] for i in keep]


def apply_coinbase(frames: list[list[Parsed]], books: dict[str, OrderBook]) -> dict[str, OrderBook]:
    for frame in frames:
        for product, is_snapshot, bids, asks in frame:
            book = books[product]
            if is_snapshot:
                book.apply_snapshot(bids, asks)
            else:
                book.apply_delta(bids, asks)
            _ = book.best_bid, book.best_ask
    return books


def seeded_books(coinbase_l2: tuple[list[bytes], list[list[Parsed]]]) -> dict[str, OrderBook]:
    """Books holding the recording's snapshots, for timing the updates alone."""
    books = {sym: OrderBook(sym) for sym in GRID}
    for frame in coinbase_l2[1]:
        for product, is_snapshot, bids, asks in frame:
            if is_snapshot:
                books[product].apply_snapshot(bids, asks)
    return books


@pytest.mark.shared_data
@pytest.mark.parametrize("part", ["all", "updates"])
def test_book_applies_the_coinbase_l2_stream(benchmark: Any, coinbase_l2: Any, part: str) -> None:
    raws, frames = select(coinbase_l2, part)
    if part == "all":
        books = benchmark(lambda: apply_coinbase(frames, {sym: OrderBook(sym) for sym in GRID}))
    else:
        books = benchmark.pedantic(
            apply_coinbase, setup=lambda: ((frames, seeded_books(coinbase_l2)), {}), rounds=50, iterations=1
        )
    levels = sum(len(b) + len(a) for frame in frames for _, _, b, a in frame)
    benchmark.extra_info.update(frames=len(frames), levels=levels, frame_bytes=sum(map(len, raws)))
    btc, eth = books["BTC-USD"], books["ETH-USD"]
    assert not btc.crossed and not eth.crossed
    assert 6_000_000 < btc.best_bid < btc.best_ask < 7_000_000  # about 65000.00 USD
    assert 180_000 < eth.best_bid < eth.best_ask < 200_000  # about 1919.00 USD
    assert btc.updates + eth.updates >= levels


@pytest.mark.shared_data
@pytest.mark.parametrize("part", ["all", "updates"])
def test_orjson_loads_the_same_coinbase_l2_frames(benchmark: Any, coinbase_l2: Any, part: str) -> None:
    raws, _ = select(coinbase_l2, part)
    loads = orjson.loads

    def load_all() -> int:
        return sum(len(loads(raw)["events"]) for raw in raws)

    assert benchmark(load_all) >= len(raws)


def test_the_l2_parser_reads_prices_in_ticks_and_sizes_in_lots() -> None:
    raw = (
        b'{"channel":"l2_data","events":[{"type":"update","product_id":"BTC-USD","updates":['
        b'{"side":"bid","price_level":"65083.66","new_quantity":"0.20371215"},'
        b'{"side":"offer","price_level":"65083.7","new_quantity":"0"}]}]}'
    )
    assert parse_l2_frame(raw) == [("BTC-USD", False, ((6508366, 20371215),), ((6508370, 0),))]
