"""Helpers of the paper tests: a paper session against an in-process ``LocalVenue``, run until settled.

Never a wall-clock assertion: timeouts here only guard against hangs.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from pathlib import Path
from typing import Any

from jtrader.live.feeds import BinancePlan, make_plan
from jtrader.live.handler import HandlerConfig
from jtrader.live.localvenue import FaultSpec, LocalVenue
from jtrader.paper.config import PaperConfig
from jtrader.paper.resume import new_session, resume_session
from jtrader.paper.runner import PaperOptions, PaperRunner

#: transport settings that make a test fast: short backoff, quick retries
FAST = {
    "backoff_initial_s": 0.01,
    "backoff_max_s": 0.05,
    "subscribe_timeout_s": 2.0,
    "send_rate": 1000.0,
    "tick_s": 0.02,
}
#: every fault kind, at rates that hit a ~1,000-frame session a handful of times
ALL_FAULTS = (
    "drop=0.01,dup=0.01,reorder=0.01,gap_every=200,disconnect_every=500,stall_s=0.6,stall_every=400,"
    "malformed=0.003,error=0.002"
)
MM_PARAMS = ["half_spread_ticks=1"]
TESTS = Path(__file__).resolve().parent


def plan_for(venue: LocalVenue, stall_timeout_s: float) -> Any:
    plan = make_plan(venue.venue, list(venue.prescan.products), (), venue.url, stall_timeout_s=stall_timeout_s)
    if isinstance(plan, BinancePlan):
        plan = dataclasses.replace(plan, diff_wait_s=0.05)
    return plan


async def run_paper(
    venue: LocalVenue,
    out: Path,
    *,
    strategy: str = "market_maker",
    params: list[str] | None = None,
    resume: bool = False,
    max_frames: int | None = None,
    stall_timeout_s: float | None = None,
    timeout: float = 60.0,
    quiet_s: float = 0.3,
    **config: Any,
) -> tuple[dict[str, Any], Any]:
    """A paper session on ``venue`` (started) into ``out`` until the venue's data is over and the feed
    settled (or ``max_frames``); returns (runner summary, session)."""
    stall = stall_timeout_s if stall_timeout_s is not None else (0.4 if venue.faults.stall_s else 2.0)
    plan = plan_for(venue, stall)
    if resume:
        _, reopened = resume_session(out)
    else:
        cfg = PaperConfig.create(
            plan.venue,
            plan.products,
            strategy,
            MM_PARAMS if params is None else params,
            channels=plan.channels,
            **config,
        )
        reopened = new_session(out, cfg, {"recorder": "test"}, created_ns=1_767_225_600_000_000_000)
    runner = PaperRunner(
        reopened.session,
        plan,
        PaperOptions(max_frames=max_frames, handler=HandlerConfig(**FAST)),
        first_connection=reopened.first_connection,
        last_ts=reopened.last_ts,
        fetch_instruments=not reopened.session.adapter.instruments,
    )
    task = asyncio.get_running_loop().create_task(runner.run())
    h = runner.handler
    quiet: list[float] = []

    def settled() -> bool:
        ok = venue.finished and venue.idle and h.state.value == "live" and h.recovery.idle and not h.adapter.resyncing
        if not ok:
            quiet.clear()
            return False
        if not quiet:
            quiet.append(time.monotonic())
        return time.monotonic() - quiet[0] > quiet_s

    deadline = time.monotonic() + timeout
    try:
        while not (task.done() or settled()):
            if time.monotonic() > deadline:
                raise AssertionError(f"the paper session did not settle within {timeout} s")
            await asyncio.sleep(0.01)
    finally:
        runner.stop("test")
        summary = await asyncio.wait_for(task, 10)
    return summary, reopened.session


#: the pace the tests serve at: a 12 s recording in 3 s (at ``max`` the receive times of a whole session
#: fall within a fraction of a second, and the risk manager's 30 orders/s would halt any market maker)
SPEED = 4.0


async def paper_session(
    source: Path, out: Path, faults: str = "", seed: int = 7, speed: float | None = SPEED, **kwargs: Any
) -> tuple[dict[str, Any], Any]:
    """A paper session against a fresh local venue serving ``source`` (in this process)."""
    async with LocalVenue(
        source, faults=FaultSpec.parse(faults), seed=seed, heartbeat_fill_s=0.1, speed=speed
    ) as venue:
        return await run_paper(venue, out, **kwargs)


def paper_on(source: Path, out: Path, faults: str = "", **kwargs: Any) -> tuple[dict[str, Any], Any]:
    """:func:`paper_session` in its own event loop."""
    return asyncio.run(paper_session(source, out, faults, **kwargs))


def papers_on(jobs: dict[Any, tuple[Path, Path, str]], **kwargs: Any) -> dict[Any, tuple[dict[str, Any], Any]]:
    """Several paper sessions at once, in one event loop (their waits overlap): key -> (source, out, faults)."""

    async def main() -> list[tuple[dict[str, Any], Any]]:
        return await asyncio.gather(*(paper_session(src, out, faults, **kwargs) for src, out, faults in jobs.values()))

    return dict(zip(jobs, asyncio.run(main()), strict=True))
