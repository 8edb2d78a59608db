"""Paper trading: receive-to-decision latency and the message rate a session sustains against ``serve``.

* receive-to-decision: for each frame, the wall time from its receive time (stamped by the
  handler as it is read off the socket) to the moment the engine has handed every message of it
  to the strategy, the strategy's orders went through the risk manager and the simulated
  exchange, and the resulting event records were written (:class:`~jtrader.paper.runner.LatencyHistogram`).
* max: ``jtrader serve --speed max`` in its own process, the paper session (the bundled market
  maker) in this one; messages/s from the first frame to the last.
* paced: ``serve --speed S`` with S chosen so the feed runs at a target rate (messages/s); the
  lag of frame k is ``(recv_k - recv_0) - (ts_k - ts_0) / S``. A rate is sustained when the p99
  lag stays small and does not grow with the session.

Full size: a 120-second generated Binance session (about 5,000 frames); under
``--benchmark-disable`` (CI) a 10-second one, run once. Figures go to ``extra_info``; nothing here
asserts a wall-clock threshold.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from jtrader.live.feeds import make_plan
from jtrader.live.handler import HandlerConfig
from jtrader.marketgen import generate
from jtrader.paper.config import PaperConfig
from jtrader.paper.resume import new_session
from jtrader.paper.runner import PaperOptions, PaperRunner
from jtrader.recording import Direction, Record, open_source


@pytest.fixture(scope="module")
def session(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    small = request.config.getoption("benchmark_disable")
    path = tmp_path_factory.mktemp("bench_paper") / "binance.jtrec"
    generate("binance", 10 if small else 120, 9, path, ["BTCUSDT", "ETHUSDT"])
    return path


async def _paper_against_serve(path: Path, out: Path, speed: str) -> dict[str, Any]:
    """A paper session on ``path`` served at ``speed``: receive wall times, recorded times, summary."""
    source = open_source(path)
    recorded = [r.ts for r in source if r.direction == Direction.RECV]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "jtrader.cli", "serve", str(path), "--speed", speed,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        url = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().split()[1]
        plan = make_plan(source.header.venue, list(source.header.products), (), url)
        config = PaperConfig.create(plan.venue, plan.products, "market_maker", ["half_spread_ticks=1"])
        reopened = new_session(out, config, {"recorder": "bench"})
        runner = PaperRunner(reopened.session, plan, PaperOptions(max_frames=len(recorded), handler=HandlerConfig()))
        received: list[int] = []
        on_record = runner.handler.on_record

        def timed(record: Record) -> None:
            if record.direction is Direction.RECV:
                received.append(time.time_ns())
            on_record(record)

        runner.handler.on_record = timed
        summary = await asyncio.wait_for(runner.run(), 300)
    finally:
        proc.terminate()
        await proc.wait()
    return {"received": received, "recorded": recorded, "summary": summary, "session": reopened.session.summary()}


def _figures(run: dict[str, Any], speed: float | None) -> dict[str, Any]:
    received, recorded, summary = run["received"], run["recorded"], run["summary"]
    latency = summary["receive_to_decision_us"]
    seconds = (received[-1] - received[0]) / 1e9
    figures: dict[str, Any] = {
        "frames": len(received),
        "messages_per_s_received": round(len(received) / max(seconds, 1e-9)),
        "decision_p50_us": latency["p50"],
        "decision_p99_us": latency["p99"],
        "decision_max_us": latency["max"],
        "orders": run["session"]["orders"],
        "fills": run["session"]["fills"],
    }
    if speed is not None:
        lags = [((r - received[0]) - (t - recorded[0]) / speed) / 1e6 for r, t in zip(received, recorded, strict=False)]
        ordered = sorted(lags)
        figures["feed_messages_per_s"] = round(len(recorded) / ((recorded[-1] - recorded[0]) / 1e9 / speed))
        figures["lag_p50_ms"] = round(statistics.median(lags), 2)
        figures["lag_p99_ms"] = round(ordered[int(0.99 * (len(ordered) - 1))], 2)
        figures["lag_last_ms"] = round(lags[-1], 2)
    return figures


def test_bench_paper_rate_at_max_speed(benchmark, session: Path, tmp_path: Path) -> None:
    def run() -> dict[str, Any]:
        return _figures(asyncio.run(_paper_against_serve(session, tmp_path / "max.jtrec", "max")), None)

    figures = benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update(figures)
    assert figures["frames"] > 0 and figures["decision_p50_us"] is not None


@pytest.mark.parametrize("rate", [1_000, 10_000])
def test_bench_paper_latency_at_a_paced_rate(benchmark, session: Path, tmp_path: Path, rate: int) -> None:
    recorded = [r.ts for r in open_source(session) if r.direction == Direction.RECV]
    natural = len(recorded) / ((recorded[-1] - recorded[0]) / 1e9)
    speed = rate / natural

    def run() -> dict[str, Any]:
        done = asyncio.run(_paper_against_serve(session, tmp_path / f"r{rate}.jtrec", f"{speed:.4f}"))
        return _figures(done, float(f"{speed:.4f}"))

    figures = benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update(figures)
    assert figures["lag_p50_ms"] > -1000  # a sanity check of the arithmetic, never a timing threshold


def test_bench_paper_session_per_frame_cost_without_a_socket(benchmark, session: Path, tmp_path: Path) -> None:
    """The decision path alone: each record of the source through a fresh :class:`PaperSession` (record
    written, adapter parse, engine, event records, flushes), timed per frame; no socket, no server."""
    from jtrader.paper.session import PaperSession

    records = list(open_source(session))
    config = PaperConfig.create("binance", ["BTCUSDT", "ETHUSDT"], "market_maker", ["half_spread_ticks=1"])

    def run() -> dict[str, Any]:
        reopened = new_session(tmp_path / "direct.jtrec", config, {"recorder": "bench"}, created_ns=0)
        paper: PaperSession = reopened.session
        costs: list[int] = []
        clock = time.perf_counter_ns
        for record in records:
            started = clock()
            paper.feed_record(record)
            if record.direction is Direction.RECV:
                costs.append(clock() - started)
        paper.finish()
        ordered = sorted(costs)
        return {
            "frames": len(costs),
            "frame_p50_us": round(ordered[len(ordered) // 2] / 1000, 1),
            "frame_p99_us": round(ordered[int(0.99 * (len(ordered) - 1))] / 1000, 1),
            "frames_per_s_one_core": round(len(costs) / (sum(costs) / 1e9)),
            "orders": paper.summary()["orders"],
        }

    figures = benchmark.pedantic(run, rounds=1, iterations=1)
    benchmark.extra_info.update(figures)
    assert figures["frames"] > 0
