"""``jtrader replay``: parse the namespace, run :func:`jtrader.replay.runner.replay`, print the result."""

from __future__ import annotations

import argparse
import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path

import orjson

from jtrader.errors import ConfigError
from jtrader.replay.problems import problem_lines, strict_reason
from jtrader.replay.runner import ReplayConfig, replay
from jtrader.strategies.loader import build_strategy

__all__ = ["parse_latency_ms", "parse_speed", "run"]


def parse_speed(text: str) -> float | None:
    """``"max"`` -> None (as fast as possible); ``"1"`` -> real time; ``"N"`` -> N x real time."""
    if text == "max":
        return None
    try:
        speed = float(text)
    except ValueError:
        raise ConfigError(f"--speed must be max or a positive number, got {text!r}") from None
    if not speed > 0 or speed == float("inf"):
        raise ConfigError(f"--speed must be max or a positive number, got {text!r}")
    return speed


def parse_latency_ms(text: str) -> int:
    """``"50"`` -> 50,000,000 ns; decimals allowed (``"0.5"``); negative or non-numbers are refused."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ConfigError(f"--latency-ms must be a non-negative number, got {text!r}") from None
    if not value.is_finite() or value < 0:
        raise ConfigError(f"--latency-ms must be a non-negative number, got {text!r}")
    return int(value * 1_000_000)


def run(args: argparse.Namespace) -> int:
    strategy = build_strategy(args.strategy, args.param) if args.strategy else None
    if args.param and strategy is None:
        raise ConfigError("--param needs --strategy")
    if args.top < 0:
        raise ConfigError("--top must be >= 0")
    latency_ns = parse_latency_ms(args.latency_ms)
    config = ReplayConfig(
        format=args.format,
        venue=args.venue,
        strategy=strategy,
        speed=parse_speed(args.speed),
        top=args.top,
        cash=args.cash,
        maker_bps=args.maker_bps,
        taker_bps=args.taker_bps,
        entry_latency_ns=latency_ns,
        response_latency_ns=latency_ns,
    )
    outcome = replay(args.recording, config)
    summary = outcome.summary
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "summary.json").write_bytes(orjson.dumps(summary, option=orjson.OPT_INDENT_2) + b"\n")
        (out / "events.jsonl").write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in outcome.events))
    if args.json:
        sys.stdout.buffer.write(orjson.dumps(summary) + b"\n")
        sys.stdout.flush()
    else:
        _print_human(summary)
        for line in problem_lines(summary):
            print(line)
    if getattr(args, "strict", False) and summary["data_problems"]:
        print(f"jtrader replay: error: {strict_reason(summary['data_problems'])}", file=sys.stderr)
        return 1
    return 0


def _print_human(summary: dict) -> None:
    print(
        f"replayed {summary['records']} records ({summary['messages']} frames, {summary['duration_s']} s of data) "
        f"from a {summary['venue']} {summary['format']} recording in {summary['elapsed_s']} s"
    )
    print(
        f"malformed {summary['malformed']}, gaps {summary['gaps']}, resyncs {summary['resyncs']}, "
        f"book checks {summary['book_checks']['checked']} ({summary['book_checks']['mismatched']} mismatched)"
    )
    for symbol, book in summary["books"].items():
        bid = book["bids"][0] if book["bids"] else ["-", "-"]
        ask = book["asks"][0] if book["asks"] else ["-", "-"]
        print(f"  {symbol}: bid {bid[1]} @ {bid[0]}  ask {ask[1]} @ {ask[0]}")
    if "orders" in summary:
        print(
            f"strategy {summary['strategy']}: {summary['orders']} orders, {summary['fills']} fills, "
            f"{summary['denials']} denied by risk, {summary['rejections']} rejected by the exchange, "
            f"final equity {summary['final_equity']} {summary['equity_currency']}, fees {summary['fees']}, "
            f"trading state {summary['trading_state']}"
        )
