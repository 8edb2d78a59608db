"""Paper trading: the receive-to-decision cost, and the message rate a session sustains against ``serve``.

* per record: :class:`~jtrader.paper.session.PaperSession` over the records of a generated session
  (each record written to the recording, parsed, fed to the engine with ``market_maker``, the
  strategy's events written back), the work a live frame costs between its receive time and the
  strategy's decision.
* against serve: ``jtrader serve --speed max`` (in-process :class:`LocalVenue`) and a paper session
  with ``market_maker``; ``receive_to_decision_us`` (p50, p99: from the frame's receive time to the
  end of the engine's work on it) and frames/s from the first frame to the last. At ``max`` the
  venue sends as fast as the client reads, so frames/s is the highest rate the session sustains
  (it can only fall behind by reading slower, which shows as a lower rate, never as lost frames).

Full size: a 60-second generated session per venue; under ``--benchmark-disable`` (CI) a 6-second
one, run once. Figures go to ``benchmark.extra_info`` (``--benchmark-json``) and
``docs/performance.md``.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from jtrader.live.feeds import make_plan
from jtrader.live.handler import HandlerConfig
from jtrader.live.localvenue import FaultSpec, LocalVenue
from jtrader.marketgen import generate
from jtrader.paper.config import PaperConfig
from jtrader.paper.resume import new_session
from jtrader.paper.runner import PaperOptions, PaperRunner
from jtrader.paper.session import PaperSession
from jtrader.recording import Direction, open_recording

PARAMS = ["half_spread_ticks=1", "requote_ticks=5"]


@pytest.fixture(scope="module", params=["coinbase", "binance"])
def source(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    small = request.config.getoption("benchmark_disable")
    venue = request.param
    products = ["BTC-USD", "ETH-USD"] if venue == "coinbase" else ["BTCUSDT", "ETHUSDT"]
    path = tmp_path_factory.mktemp("bench_paper") / f"{venue}.jtrec"
    generate(venue, 6 if small else 60, 11, path, products)
    return path


def test_bench_paper_session_per_record(benchmark, source: Path, tmp_path: Path) -> None:
    reader = open_recording(source)
    records = [r for r in reader if r.direction is not Direction.EVENT]
    venue = reader.header.venue
    products = tuple(reader.header.products)
    config = PaperConfig(
        venue=venue, products=products, strategy="market_maker", params=dict(p.split("=") for p in PARAMS)
    )

    rounds = iter(range(10**6))

    def run() -> PaperSession:
        out = tmp_path / f"p{next(rounds)}.jtrec"
        session = new_session(out, config, {"recorder": "bench"}, created_ns=1_767_225_600_000_000_000).session
        for record in records:
            session.on_record(record)
            session.feed_record(record)
        session.finish()
        return session

    session = benchmark(run)
    assert session.engine is not None and session.error is None
    assert session.engine.result.orders > 0
    benchmark.extra_info["records"] = len(records)


def test_bench_paper_against_serve_at_max_speed(benchmark, source: Path, tmp_path: Path) -> None:
    async def session() -> dict:
        async with LocalVenue(source, faults=FaultSpec.parse(""), speed=None) as venue:
            plan = make_plan(venue.venue, list(venue.prescan.products), (), venue.url)
            config = PaperConfig.create(plan.venue, plan.products, "market_maker", PARAMS, channels=plan.channels)
            out = tmp_path / f"s{time.monotonic_ns()}.jtrec"
            reopened = new_session(out, config, {"recorder": "bench"})
            runner = PaperRunner(reopened.session, plan, PaperOptions(handler=HandlerConfig(tick_s=0.02)))
            task = asyncio.get_running_loop().create_task(runner.run())
            first = last = 0.0
            seen = 0
            while not task.done():
                if runner.received != seen:
                    seen = runner.received
                    last = time.monotonic()
                    first = first or last
                if venue.finished and venue.idle and time.monotonic() - last > 0.5:
                    break
                await asyncio.sleep(0.005)
            runner.stop("bench")
            summary = await asyncio.wait_for(task, 30)
            summary["frames_per_s"] = round(seen / (last - first), 1) if last > first else None
            return summary

    summary = benchmark.pedantic(lambda: asyncio.run(session()), rounds=1, iterations=1)
    latency = summary["receive_to_decision_us"]
    assert latency["count"] > 0 and latency["p50"] is not None
    benchmark.extra_info.update(
        {
            "frames": latency["count"],
            "frames_per_s": summary["frames_per_s"],
            "receive_to_decision_p50_us": latency["p50"],
            "receive_to_decision_p99_us": latency["p99"],
        }
    )
