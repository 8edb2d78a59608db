"""``jtrader replay``: parse the namespace, run :func:`jtrader.replay.runner.replay`, print the result.

``--out DIR`` holds ``summary.json`` (the ``--json`` object without ``elapsed_s``), ``events.jsonl``
(every order and risk event in order), ``book.parquet`` (the books over time, see
:mod:`jtrader.replay.timeline`) and ``manifest.json`` (written by the CLI); with a strategy also
``trades.parquet`` (one row per fill: the backtest's columns plus ``symbol``, see
:func:`jtrader.trading.tables.fills_frame`) and ``equity.parquet`` (each quote currency's equity
over time, see :class:`~jtrader.replay.timeline.EquityTimeline`).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import orjson

from jtrader.cmdkit import Job
from jtrader.cmdkit.display import currency_places, format_money, order_outcomes
from jtrader.cmdkit.outputs import OutputDir
from jtrader.cmdkit.problems import problem_lines
from jtrader.cmdkit.progress import file_position
from jtrader.errors import ConfigError
from jtrader.recording import Record
from jtrader.replay.problems import problem_lines as data_problem_lines
from jtrader.replay.problems import strict_reason
from jtrader.replay.runner import ReplayConfig, ReplayOutcome, replay
from jtrader.replay.timeline import BookTimeline, EquityTimeline, chain_hooks
from jtrader.strategies.loader import build_strategy
from jtrader.trading import Strategy

__all__ = [
    "TIMING_KEYS",
    "full_summary",
    "human_summary",
    "parse_latency_ms",
    "parse_speed",
    "run",
    "trades_table",
    "write_outputs",
]

#: keys that hold wall-clock timings: printed, never written to files
TIMING_KEYS = ("elapsed_s",)

log = logging.getLogger(__name__)


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


def run(args: argparse.Namespace, job: Job | None = None) -> int:
    """Replay the recording the arguments name; print JSON (``--json``) or a short summary.

    Returns 0, or 130 when ``job`` was stopped (Ctrl-C): the replay then ends at a record
    boundary as if the recording ended there, and says ``"interrupted": true``.
    """
    job = job if job is not None else Job()
    strategy = build_strategy(args.strategy, args.param) if args.strategy else None
    if args.param and strategy is None:
        raise ConfigError("--param needs --strategy")
    if args.top < 0:
        raise ConfigError("--top must be >= 0")
    sample_ms = getattr(args, "sample_ms", 100)
    if sample_ms <= 0:
        raise ConfigError(f"--sample-ms must be a positive number of ms, got {sample_ms}")
    latency_ns = parse_latency_ms(args.latency_ms)
    speed = parse_speed(args.speed)
    size = Path(args.recording).stat().st_size if Path(args.recording).is_file() else None

    def records(items: Iterator[Record]) -> Iterator[Record]:
        return job.track(
            items,
            label="replay",
            total=size,
            unit="records",
            position=file_position(args.recording) if size else None,
            batch=1 if speed else 256,  # paced: each record may wait, so check after every one
        )

    timeline = BookTimeline(sample_ms * 1_000_000) if args.out else None
    equity = EquityTimeline(sample_ms * 1_000_000) if args.out and strategy is not None else None
    config = ReplayConfig(
        format=args.format,
        venue=args.venue,
        strategy=strategy,
        speed=speed,
        top=args.top,
        cash=args.cash,
        maker_bps=args.maker_bps,
        taker_bps=args.taker_bps,
        entry_latency_ns=latency_ns,
        response_latency_ns=latency_ns,
        record_hook=records,
        message_hook=chain_hooks(
            timeline.hook if timeline is not None else None, equity.hook if equity is not None else None
        ),
    )
    log.info("replay: reading %s (speed %s)", args.recording, args.speed)
    outcome = replay(args.recording, config)
    summary = full_summary(outcome, strategy, job.interrupted)
    if args.out:
        if equity is not None:
            equity.finish()
        write_outputs(job.out_dir(args.out), summary, outcome, timeline, equity)
    if args.json:
        sys.stdout.buffer.write(orjson.dumps(summary) + b"\n")
        sys.stdout.flush()
    else:
        sys.stdout.write(human_summary(summary) + "\n")
    if getattr(args, "strict", False) and summary["data_problems"]:
        print(f"jtrader replay: error: {strict_reason(summary['data_problems'])}", file=sys.stderr)
        return 1
    return job.exit_code()


def full_summary(outcome: ReplayOutcome, strategy: Strategy | None, interrupted: bool) -> dict[str, Any]:
    """The runner's summary with ``kind``, ``interrupted`` first and, with a strategy, the reasons
    of denials and rejections (messages in units), ``halt_reason``, ``no_orders_reason`` and
    ``display_places``."""
    summary: dict[str, Any] = {"kind": "replay", "interrupted": interrupted, **outcome.summary}
    instruments = outcome.instruments
    places = currency_places(list(instruments.values()))
    if strategy is not None and "orders" in summary:
        summary.update(order_outcomes(outcome.events, instruments, places))
        summary["no_orders_reason"] = _no_orders_reason(summary, strategy, instruments)
    elif strategy is not None:
        summary["no_orders_reason"] = "no product of the recording could be read, so nothing was traded"
    summary["display_places"] = places
    return summary


def _no_orders_reason(summary: dict[str, Any], strategy: Strategy, instruments: dict[str, Any]) -> str | None:
    if summary.get("orders"):
        return None
    wanted = strategy.param_values.get("symbol")
    if wanted and wanted not in instruments:
        return f"the strategy trades {wanted}, which is not in the recording (it has {', '.join(sorted(instruments))})"
    return None


def trades_table(outcome: ReplayOutcome) -> Any:
    """The fills of a replay as a polars DataFrame (``trades.parquet``), or None when no engine ran."""
    from jtrader.model import OrderFilled
    from jtrader.trading.tables import fills_frame

    if outcome.run is None or not outcome.instruments:
        return None
    return fills_frame([ev for ev in outcome.run.events if type(ev) is OrderFilled], outcome.instruments)


def write_outputs(
    out: OutputDir,
    summary: dict[str, Any],
    outcome: ReplayOutcome,
    timeline: BookTimeline | None,
    equity: EquityTimeline | None = None,
) -> None:
    """``summary.json`` (no timings), ``events.jsonl`` (every event in order), ``book.parquet`` (see timeline);
    with a strategy and ``equity``, ``trades.parquet`` and ``equity.parquet`` too (call ``equity.finish()`` first)."""
    out.write_json("summary.json", {k: v for k, v in summary.items() if k not in TIMING_KEYS})
    out.write_jsonl("events.jsonl", outcome.events)
    if timeline is not None:
        timeline.write_parquet(out.file("book.parquet"))
    trades = trades_table(outcome) if equity is not None and "orders" in summary else None
    if trades is not None and equity is not None:
        trades.write_parquet(out.file("trades.parquet"))
        equity.frame().write_parquet(out.file("equity.parquet"))


def human_summary(summary: dict[str, Any]) -> str:
    """A few lines for a person: the data, the final books, the strategy's money, then the problems."""
    places = summary.get("display_places") or {}
    lines = [
        f"replayed {summary['records']:,} records ({summary['messages']:,} frames, {summary['duration_s']} s of data) "
        f"from a {summary['venue']} {summary['format']} recording in {summary['elapsed_s']} s",
        f"malformed {summary['malformed']}, gaps {summary['gaps']}, resyncs {summary['resyncs']}, "
        f"book checks {summary['book_checks']['checked']} ({summary['book_checks']['mismatched']} mismatched)",
    ]
    for symbol, book in summary["books"].items():
        bid = book["bids"][0] if book["bids"] else ["-", "-"]
        ask = book["asks"][0] if book["asks"] else ["-", "-"]
        lines.append(f"  {symbol}: bid {bid[1]} @ {bid[0]}  ask {ask[1]} @ {ask[0]}")
    if "orders" in summary:
        currency = summary["equity_currency"]

        def money(text: str, cur: str) -> str:
            return f"{format_money(text, places.get(cur, 2))} {cur}"

        fees = ", ".join(money(amount, cur) for cur, amount in summary["fees"].items())
        lines.append(
            f"strategy {summary['strategy']}: {summary['orders']} orders, {summary['fills']} fills, "
            f"{summary['denials']} denied by risk, {summary['rejections']} rejected by the exchange, "
            f"final equity {money(summary['final_equity'], currency)}, fees {fees or '0'}, "
            f"trading state {summary['trading_state']}"
        )
    lines += data_problem_lines(summary)
    lines += [f"  {line}" for line in problem_lines(summary)]
    return "\n".join(lines)
