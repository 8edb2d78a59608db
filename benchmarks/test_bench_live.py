"""Live market data: the handler's receive-to-hand-off cost, and what ``record`` sustains against ``serve``.

* hand-off: :meth:`WebSocketHandler.handle_frame` over the frames of a generated session (record
  handed to a ``RecordingWriter``, adapter parse, recovery check, hand-off), per frame, against the
  adapter's ``on_frame`` alone (the part any client pays).
* throughput: ``jtrader serve --speed max`` in its own process, the recorder in this one; frames/s
  from the first frame to the last.
* lag: ``serve --speed S`` paces the recording at S x its recorded rate; for frame k the lag is
  ``(recv_k - recv_0) - (ts_k - ts_0) / S`` (receive wall time against the recorded schedule). A
  rate is sustained when the p99 lag stays small; past it the lag grows with the session.

Full size: a 120-second generated Binance session (about 5,000 frames); under
``--benchmark-disable`` (CI) a 10-second one, run once.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

import pytest

from jtrader.live.feeds import make_plan
from jtrader.live.handler import HandlerConfig, WebSocketHandler
from jtrader.live.record import Recorder, RecordOptions
from jtrader.marketgen import generate
from jtrader.recording import Direction, Record, RecordingWriter, open_source
from jtrader.venues import BinanceAdapter, CoinbaseAdapter


@pytest.fixture(scope="module", params=["binance", "coinbase"])
def session(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    small = request.config.getoption("benchmark_disable")
    venue = request.param
    path = tmp_path_factory.mktemp("bench_live") / f"{venue}.jtrec"
    generate(venue, 10 if small else 120, 9, path)
    return path


def _records(path: Path) -> list[Record]:
    return list(open_source(path))


def test_bench_handler_hand_off(benchmark, session: Path, tmp_path: Path) -> None:
    records = _records(session)
    venue = open_source(session).header.venue
    frames = [r.payload for r in records if r.direction == Direction.RECV]
    bodies = [r for r in records if r.direction == Direction.HTTP]

    def run() -> int:
        plan = make_plan(venue, ["BTC-USD"] if venue == "coinbase" else ["BTCUSDT"], (), "ws://127.0.0.1:1")
        with RecordingWriter(tmp_path / "h.jtrec", venue, [], created_ns=0) as writer:
            handler = WebSocketHandler(plan, on_record=writer.write_record)
            handler.connection = "bench.ws.1"
            for r in bodies:
                handler.adapter.on_http(r.ts, r.url or "", r.payload)
            handle = handler.handle_frame
            for frame in frames:
                handle(frame)
        return handler.counters.frames

    assert benchmark(run) == len(frames)
    if benchmark.stats:
        benchmark.extra_info["us_per_frame"] = round(benchmark.stats.stats.min / len(frames) * 1e6, 2)
        benchmark.extra_info["frames"] = len(frames)


def test_bench_adapter_alone_reference(benchmark, session: Path) -> None:
    records = _records(session)
    venue = open_source(session).header.venue

    def run() -> int:
        adapter = CoinbaseAdapter() if venue == "coinbase" else BinanceAdapter()
        n = 0
        for r in records:
            if r.direction == Direction.RECV:
                adapter.on_frame(r.ts, r.payload, r.conn)
                n += 1
            elif r.direction == Direction.HTTP:
                adapter.on_http(r.ts, r.url or "", r.payload)
        return n

    n = benchmark(run)
    if benchmark.stats:
        benchmark.extra_info["us_per_frame"] = round(benchmark.stats.stats.min / n * 1e6, 2)


async def _record_against_serve(path: Path, out: Path, speed: str) -> tuple[list[int], list[int], float]:
    """Receive times (ns, wall) and recorded times of every frame of ``path`` served at ``speed``."""
    source = open_source(path)
    recorded = [r.ts for r in source if r.direction == Direction.RECV]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "jtrader.cli", "serve", str(path), "--speed", speed,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        url = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().split()[1]
        venue = source.header.venue
        plan = make_plan(venue, list(source.header.products), (), url)
        received: list[int] = []
        recorder = Recorder(plan, RecordOptions(out=out, max_frames=len(recorded), handler=HandlerConfig()))
        write = recorder.write  # the benchmark notes the wall time of each frame as it is written

        def timed(record: Record) -> None:
            if record.direction is Direction.RECV:
                received.append(time.time_ns())
            write(record)

        recorder.handler.on_record = timed
        started = time.perf_counter()
        await asyncio.wait_for(recorder.run(), 300)
        elapsed = time.perf_counter() - started
    finally:
        proc.terminate()
        await proc.wait()
    return received, recorded, elapsed


def test_bench_record_against_serve_at_max_speed(benchmark, session: Path, tmp_path: Path) -> None:
    def run() -> tuple[int, float]:
        received, recorded, _ = asyncio.run(_record_against_serve(session, tmp_path / "max.jtrec", "max"))
        assert len(received) == len(recorded)
        return len(received), (received[-1] - received[0]) / 1e9

    frames, seconds = benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info["frames"] = frames
    benchmark.extra_info["frames_per_s"] = round(frames / max(seconds, 1e-9))


@pytest.mark.parametrize("speed", ["32", "128"])
def test_bench_record_lag_at_a_paced_speed(benchmark, session: Path, tmp_path: Path, speed: str) -> None:
    def run() -> dict[str, float]:
        received, recorded, _ = asyncio.run(_record_against_serve(session, tmp_path / f"s{speed}.jtrec", speed))
        scale = float(speed)
        lags = [((r - received[0]) - (t - recorded[0]) / scale) / 1e6 for r, t in zip(received, recorded, strict=True)]
        ordered = sorted(lags)
        return {
            "frames_per_s": round(len(recorded) / ((recorded[-1] - recorded[0]) / 1e9 / scale)),
            "lag_p50_ms": round(statistics.median(lags), 2),
            "lag_p99_ms": round(ordered[int(0.99 * (len(ordered) - 1))], 2),
            "lag_last_ms": round(lags[-1], 2),
        }

    result = benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update(result)
    assert result["lag_p50_ms"] > -1000  # a sanity check of the arithmetic, never a timing threshold
