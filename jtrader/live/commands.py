"""The live subcommands: ``record``, ``serve`` and ``download-candles`` (argparse namespace in, exit code out).

Each runner builds its objects, runs one asyncio event loop, and prints the result. SIGINT and
SIGTERM end ``record`` and ``serve`` cleanly: the connection is closed, the recording flushed and
closed, the summary printed, exit code 0.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable
from typing import Any

import orjson

from jtrader.errors import ConfigError

__all__ = ["parse_products", "parse_speed", "run_download_candles", "run_record", "run_serve"]


def parse_products(text: str) -> list[str]:
    """``"BTC-USD,ETH-USD"`` -> ``["BTC-USD", "ETH-USD"]`` (blanks dropped)."""
    products = [p.strip() for p in text.split(",") if p.strip()]
    if not products:
        raise ConfigError("--products needs at least one product, e.g. --products BTC-USD")
    return products


def parse_speed(text: str) -> float | None:
    """``max`` -> None; ``1`` -> real time; ``N`` -> N x (a positive number)."""
    if text == "max":
        return None
    try:
        speed = float(text)
    except ValueError:
        raise ConfigError(f"--speed must be max or a positive number, got {text!r}") from None
    if not speed > 0 or speed == float("inf"):
        raise ConfigError(f"--speed must be max or a positive number, got {text!r}")
    return speed


def _on_signals(loop: asyncio.AbstractEventLoop, callback: Callable[[], None]) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, callback)


def _print(summary: dict[str, Any], as_json: bool, human: Callable[[dict[str, Any]], str]) -> None:
    if as_json:
        sys.stdout.buffer.write(orjson.dumps(summary) + b"\n")
    else:
        sys.stdout.write(human(summary) + "\n")
    sys.stdout.flush()


# -- record ---------------------------------------------------------------------------------------
def run_record(args: argparse.Namespace) -> int:
    """``jtrader record``: see :mod:`jtrader.live.record`."""
    from jtrader.live.feeds import make_plan
    from jtrader.live.handler import HandlerConfig
    from jtrader.live.record import Recorder, RecordOptions

    channels = [c.strip() for c in (args.channels or "").split(",") if c.strip()]
    plan = make_plan(
        args.venue,
        parse_products(args.products),
        channels,
        args.url,
        args.rest_url,
        stall_timeout_s=args.stall_timeout,
        subscribe_by_frame=args.subscribe_frames,
        depth_limit=args.depth_limit,
    )
    options = RecordOptions(
        out=args.out,
        duration_s=args.duration,
        max_frames=args.max_messages,
        settle_timeout_s=args.settle_timeout,
        handler=HandlerConfig(connect_timeout_s=args.connect_timeout),
    )

    async def main() -> dict[str, Any]:
        recorder = Recorder(plan, options)
        _on_signals(asyncio.get_running_loop(), lambda: recorder.stop("signal"))
        return await recorder.run()

    summary = asyncio.run(main())
    _print(summary, args.json, _record_text)
    return 0


def _record_text(s: dict[str, Any]) -> str:
    c = s["counters"]
    return (
        f"recorded {s['records']} records ({c['frames']} frames, {c['http']} REST bodies) of {s['venue']} "
        f"{','.join(s['products'])} to {s['out']} in {s['elapsed_s']} s (stopped by {s['stopped_by']})\n"
        f"connects {c['connects']}, reconnects {c['reconnects']}, gaps {c['gaps']}, resyncs {c['resyncs']}, "
        f"malformed {c['malformed']}, stalls {c['stalls']}, venue errors {c['errors']}"
        + (f"\nlast error: {s['last_error']}" if s["last_error"] else "")
        + (
            f"\nstill resyncing at the end: {', '.join(s['resyncing_at_end'])} (their replay ends resyncing)"
            if s["resyncing_at_end"]
            else ""
        )
    )


# -- serve ----------------------------------------------------------------------------------------
def run_serve(args: argparse.Namespace) -> int:
    """``jtrader serve``: see :mod:`jtrader.live.localvenue`. Prints ``listening ws://HOST:PORT`` first."""
    from jtrader.live.localvenue import FaultSpec, LocalVenue

    if not 0 <= args.port <= 65535:
        raise ConfigError(f"--port must be 0..65535, got {args.port}")
    venue = LocalVenue(
        args.recording,
        format=args.format,
        speed=parse_speed(args.speed),
        loop=args.loop,
        faults=FaultSpec.parse(args.faults),
        seed=args.seed,
    )

    async def main() -> None:
        url = await venue.start(args.host, args.port)
        sys.stdout.write(f"listening {url}\n")
        sys.stdout.flush()
        done = asyncio.Event()
        _on_signals(asyncio.get_running_loop(), done.set)
        await done.wait()
        await venue.close()

    asyncio.run(main())
    sys.stderr.write(
        f"served {venue.delivered} recorded frames ({venue.plays} play(s)) to {venue.connections} connection(s), "
        f"{venue.api.requests} REST request(s)\n"
    )
    return 0


# -- download-candles -----------------------------------------------------------------------------
def run_download_candles(args: argparse.Namespace) -> int:
    """``jtrader download-candles``: see :mod:`jtrader.live.download`."""
    from jtrader.live.candles import interval_seconds
    from jtrader.live.download import Progress, download_candles, parse_time
    from jtrader.live.feeds import DEFAULT_REST_URLS, rest_base_for

    interval_seconds(args.venue, args.interval)
    start = parse_time(args.start, "--start")
    end = parse_time(args.end, "--end")
    if end <= start:
        raise ConfigError("--end must be after --start")
    base = DEFAULT_REST_URLS[args.venue]
    if args.url:
        base = rest_base_for(args.url) if args.url.startswith(("ws://", "wss://")) else args.url
    product = args.product.upper() if args.venue == "coinbase" else args.product.upper().replace("-", "")
    summary = asyncio.run(
        download_candles(
            args.venue, product, start, end, interval=args.interval, base_url=base, out=args.out, progress=Progress()
        )
    )
    _print(
        summary,
        args.json,
        lambda s: (
            f"wrote {s['candles']} {s['interval']} candles of {s['product']} to {s['out']} "
            f"({s['requests']} requests, {s['retries']} retries)"
        ),
    )
    return 0
