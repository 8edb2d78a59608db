"""``jtrader paper`` and ``jtrader parity``: argparse namespace in, exit code out.

``paper`` runs one event loop; SIGINT and SIGTERM stop it cleanly (the connection closed, the
engine finished, the recording closed, the summary printed, exit code 0). A strategy that raises
ends the session at that message: the recording keeps everything up to it and the error, and the
exit code is 1. ``parity`` exits 0 when the replay is identical, 1 when it diverges.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import Any

import orjson

from jtrader.errors import ConfigError

__all__ = ["human_paper", "human_parity", "run_paper", "run_parity"]


def _fees(args: argparse.Namespace) -> tuple[str, str]:
    if args.fee_bps is not None:
        if args.maker_bps is not None or args.taker_bps is not None:
            raise ConfigError("--fee-bps sets both fees: give it, or --maker-bps/--taker-bps, not both")
        return args.fee_bps, args.fee_bps
    return args.maker_bps or "0", args.taker_bps or "0"


def _new(args: argparse.Namespace) -> tuple[Any, Any]:
    """A new session's config and reopened recording from the command line."""
    from jtrader.live.commands import parse_products
    from jtrader.live.feeds import make_plan
    from jtrader.paper.config import PaperConfig
    from jtrader.paper.resume import new_session
    from jtrader.replay.command import parse_latency_ms

    if not args.strategy:
        raise ConfigError("--strategy is required (a bundled name or path/to/file.py:ClassName)")
    if not args.record:
        raise ConfigError("--record FILE is required: a paper session is recorded as it runs")
    if not args.venue or not args.products:
        raise ConfigError("--venue and --products are required (or --resume FILE)")
    maker, taker = _fees(args)
    channels = [c.strip() for c in (args.channels or "").split(",") if c.strip()]
    plan = make_plan(args.venue, parse_products(args.products), channels, args.url, args.rest_url)
    config = PaperConfig.create(
        plan.venue,
        plan.products,
        args.strategy,
        args.param,
        cash=args.cash,
        maker_bps=maker,
        taker_bps=taker,
        latency_ns=parse_latency_ms(args.latency_ms),
        seed=args.seed,
        channels=plan.channels,
        url=args.url,
        rest_url=args.rest_url,
    )
    metadata = {"recorder": "jtrader paper", "url": plan.connect_url(), "rest_url": plan.rest_url}
    return plan, new_session(args.record, config, metadata)


def _resumed(args: argparse.Namespace) -> tuple[Any, Any]:
    from jtrader.live.feeds import make_plan
    from jtrader.paper.resume import resume_session

    for flag in ("strategy", "venue", "products", "record", "fee_bps", "maker_bps", "taker_bps", "channels"):
        if getattr(args, flag, None):
            raise ConfigError(
                f"--{flag.replace('_', '-')} cannot change a resumed session: its configuration is in the recording"
            )
    if args.param:
        raise ConfigError("--param cannot change a resumed session: its configuration is in the recording")
    config, reopened = resume_session(args.resume)
    url = args.url or config.url
    rest_url = args.rest_url or (None if args.url else config.rest_url)
    plan = make_plan(config.venue, list(config.products), list(config.channels), url, rest_url)
    return plan, reopened


def run_paper(args: argparse.Namespace) -> int:
    """``jtrader paper``: see :mod:`jtrader.paper`."""
    from jtrader.cmdkit.progress import NullTracker, RichTracker, progress_wanted
    from jtrader.live.handler import HandlerConfig
    from jtrader.paper.runner import PaperOptions, PaperRunner

    plan, reopened = _resumed(args) if args.resume else _new(args)
    options = PaperOptions(
        duration_s=args.duration,
        max_frames=args.max_messages,
        handler=HandlerConfig(connect_timeout_s=args.connect_timeout, backoff_seed=reopened.session.config.seed),
    )
    if args.stall_timeout is not None:
        options.handler.stall_timeout_s = args.stall_timeout
    tracker = RichTracker("paper", None, "frames") if progress_wanted(args.quiet) else NullTracker()
    runner = PaperRunner(
        reopened.session,
        plan,
        options,
        first_connection=reopened.first_connection,
        last_ts=reopened.last_ts,
        fetch_instruments=not reopened.session.adapter.instruments,
        tracker=tracker,
    )

    async def main() -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda: runner.stop("signal"))
        return await runner.run()

    extra = asyncio.run(main())
    summary = paper_summary(reopened, extra, args.resume or args.record)
    if args.json:
        sys.stdout.buffer.write(orjson.dumps(summary) + b"\n")
    else:
        sys.stdout.write(human_paper(summary) + "\n")
    sys.stdout.flush()
    session = reopened.session
    if session.error is not None:
        print(f"jtrader paper: error: {session.error}", file=sys.stderr)
        return 1
    if session.engine is None:
        print(f"jtrader paper: error: {session.over or 'no product of the feed could be read'}", file=sys.stderr)
        return 1
    return 0


def paper_summary(reopened: Any, extra: dict[str, Any], path: str) -> dict[str, Any]:
    """The replay summary of the session (``kind`` paper) with the live keys of :class:`PaperRunner`."""
    from jtrader.replay.command import full_summary
    from jtrader.replay.runner import ReplayOutcome
    from jtrader.trading import events_to_records

    session = reopened.session
    engine = session.engine
    events = events_to_records(engine.result.events, engine.instruments) if engine is not None else []
    instruments = dict(engine.instruments) if engine is not None else {}
    outcome = ReplayOutcome(session.summary(), events, instruments)
    summary = full_summary(outcome, session.strategy, False)
    summary["kind"] = "paper"
    summary.update(extra)
    summary["record"] = str(path)
    summary["resumed"] = bool(reopened.records)
    summary["records_rebuilt"] = reopened.records
    summary["strategy_error"] = str(session.error) if session.error is not None else None
    return summary


def human_paper(summary: dict[str, Any]) -> str:
    """The replay's human summary, its first line about the live session."""
    from jtrader.replay.command import human_summary

    lines = human_summary(summary).split("\n")
    latency = summary["receive_to_decision_us"]
    lines[0] = (
        f"paper session on {summary['venue']}: {summary['messages']:,} frames, {summary['records']:,} records "
        f"({summary['duration_s']} s) to {summary['record']} in {summary['elapsed_s']} s (stopped by "
        f"{summary['stopped_by']}); reconnects {summary['reconnects']}, stalls {summary['stalls']}; "
        f"receive-to-decision p50 {latency['p50']} us, p99 {latency['p99']} us"
        + (f"; resumed after {summary['records_rebuilt']:,} records" if summary["resumed"] else "")
    )
    return "\n".join(lines)


def run_parity(args: argparse.Namespace) -> int:
    """``jtrader parity FILE``: 0 when identical, 1 at the first divergence."""
    from jtrader.paper.parity import check_parity

    result = check_parity(args.recording)
    if args.json:
        sys.stdout.buffer.write(orjson.dumps(result) + b"\n")
    else:
        sys.stdout.write(human_parity(result) + "\n")
    sys.stdout.flush()
    return 0 if result["identical"] else 1


def human_parity(result: dict[str, Any]) -> str:
    """``identical`` and the counts, or the first divergence (time, event, expected, got)."""
    counts = (
        f"orders {result['orders_paper']}/{result['orders_replay']}, fills {result['fills_paper']}/"
        f"{result['fills_replay']}, events {result['events_paper']}/{result['events_replay']} (paper/replay)"
    )
    notes = []
    if not result["finished"]:
        notes.append("the session did not finish (killed, not resumed): compared up to the end of its data")
    if result["resumes"]:
        notes.append(f"resumed {result['resumes']} time(s)")
    if result["identical"]:
        equity = result["final_equity_paper"]
        head = "identical" + (f": final equity {equity}" if equity is not None else "")
        return "\n".join([head, counts, *notes])
    d = result["first_divergence"]
    lines = [
        f"diverged at event {d['index']} (ts {d['ts']}, {d['event']})",
        f"  expected (paper): {orjson.dumps(d['expected']).decode()}",
        f"  got (replay):     {orjson.dumps(d['got']).decode()}",
        counts,
        *notes,
    ]
    return "\n".join(lines)
