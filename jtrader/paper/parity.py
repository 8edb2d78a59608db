"""Parity: replay a paper recording with its own configuration and compare with what the session did.

The session's events are read from the file's ``event`` records (written when the strategy
received them); the replay is :func:`jtrader.replay.runner.run_replay` over the same file with the
header's configuration (the replay skips ``event`` records: they are output, not input). Compared,
in order: every engine event (accepted, rejected, denied, canceled, expired, triggered, fills
with price, size, fee and liquidity, risk state changes, emergency steps), then, when the session
ended normally, the final equity and positions of its ``PaperEnd`` marker; when it ended with a
strategy error, the replay must raise the same error at the same point.

A session that did not end (killed, and not resumed) has no ``PaperEnd``: its events are compared
with the replay's events up to the end of the data (the replay's final drain, which the session
never reached, is left out) and ``finished`` is false.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from jtrader.errors import StrategyError
from jtrader.model import MarketMessage
from jtrader.paper import events as paper_events
from jtrader.paper.config import PaperConfig
from jtrader.recording import Direction, open_recording
from jtrader.replay.runner import ReplayConfig, run_replay
from jtrader.trading import Engine, events_to_records

__all__ = ["check_parity"]

_DECISIONS = ("OrderAccepted", "OrderRejected", "OrderDenied")


def _paper_side(path: str | Path) -> dict[str, Any]:
    """The session's own records: engine events, the end marker, the error, the resumes."""
    reader = open_recording(path)
    config = PaperConfig.from_header(reader.header)
    events: list[dict[str, Any]] = []
    end = error = None
    resumes = 0
    for record in reader:
        if record.direction is not Direction.EVENT:
            continue
        obj = paper_events.decode(record.payload)
        kind = obj["type"]
        if kind == paper_events.END:
            end = obj
        elif kind == paper_events.ERROR:
            error = obj
        elif kind == paper_events.RESUMED:
            resumes += 1
        else:
            events.append(obj)
    return {
        "config": config,
        "events": events,
        "end": end,
        "error": error,
        "resumes": resumes,
        "damage": reader.damage,
    }


def _replay_side(path: str | Path, config: PaperConfig) -> dict[str, Any]:
    """Replay ``path`` with ``config``; the events (all, and those made before the final drain)."""
    strategy = config.build_strategy()
    seen: dict[str, Any] = {}

    def hook(messages: Iterator[MarketMessage], engine: Engine) -> Iterator[MarketMessage]:
        seen["engine"] = engine
        yield from messages
        seen["before_drain"] = len(engine.result.events)

    replay_config: ReplayConfig = config.replay_config(strategy)
    replay_config.message_hook = hook
    summary: dict[str, Any] | None = None
    error: StrategyError | None = None
    try:
        summary = run_replay(path, replay_config).summary
    except StrategyError as exc:
        error = exc
    engine = seen.get("engine")
    events = events_to_records(engine.result.events, engine.instruments) if engine is not None else []
    # the same JSON text as the session's records (tuples and lists alike, decimal strings)
    events = [orjson.loads(orjson.dumps(e)) for e in events]
    return {
        "events": events,
        "before_drain": seen.get("before_drain", len(events)),
        "summary": summary,
        "error": error,
    }


def _counts(events: list[dict[str, Any]]) -> tuple[int, int]:
    orders = sum(1 for e in events if e["type"] in _DECISIONS)
    fills = sum(1 for e in events if e["type"] == "OrderFilled")
    return orders, fills


def _divergence(index: int, expected: dict[str, Any] | None, got: dict[str, Any] | None) -> dict[str, Any]:
    either = expected if expected is not None else got
    assert either is not None
    return {
        "index": index,
        "ts": either.get("ts"),
        "event": either.get("type"),
        "expected": expected,
        "got": got,
    }


def check_parity(path: str | Path) -> dict[str, Any]:
    """Replay the paper recording ``path`` and compare (see the module docstring); the ``--json`` object."""
    paper = _paper_side(path)
    replay = _replay_side(path, paper["config"])
    finished = paper["end"] is not None
    ours = paper["events"]
    theirs = replay["events"] if finished or paper["error"] else replay["events"][: replay["before_drain"]]
    first: dict[str, Any] | None = None
    for i in range(max(len(ours), len(theirs))):
        expected = ours[i] if i < len(ours) else None
        got = theirs[i] if i < len(theirs) else None
        if expected != got:
            first = _divergence(i, expected, got)
            break
    out: dict[str, Any] = {"identical": False, "finished": finished, "resumes": paper["resumes"]}
    orders_p, fills_p = _counts(ours)
    orders_r, fills_r = _counts(theirs)
    out.update(
        {
            "orders_paper": orders_p,
            "orders_replay": orders_r,
            "fills_paper": fills_p,
            "fills_replay": fills_r,
            "events_paper": len(ours),
            "events_replay": len(theirs),
        }
    )
    summary = replay["summary"]
    end = paper["end"]
    if first is None and end is not None:
        if summary is None:
            first = {"index": len(ours), "ts": end.get("ts"), "event": "PaperEnd", "expected": end, "got": None}
        else:
            for key in ("final_equity", "equity", "positions", "trading_state"):
                if end.get(key) != summary.get(key):
                    first = {
                        "index": len(ours),
                        "ts": end.get("ts"),
                        "event": f"PaperEnd.{key}",
                        "expected": end.get(key),
                        "got": summary.get(key),
                    }
                    break
    error = paper["error"]
    replay_error = replay["error"]
    if first is None and (error is not None or replay_error is not None):
        got_message = str(replay_error) if replay_error is not None else None
        if error is None or got_message != error.get("message"):
            first = {
                "index": len(ours),
                "ts": error.get("ts") if error is not None else getattr(replay_error, "ts", None),
                "event": "StrategyError",
                "expected": error.get("message") if error is not None else None,
                "got": got_message,
            }
    out["final_equity_paper"] = end.get("final_equity") if end is not None else None
    out["final_equity_replay"] = summary.get("final_equity") if summary is not None else None
    out["positions_paper"] = end.get("positions") if end is not None else None
    out["positions_replay"] = summary.get("positions") if summary is not None else None
    out["strategy_error"] = error.get("message") if error is not None else None
    out["damage"] = paper["damage"].describe()
    out["identical"] = first is None
    out["first_divergence"] = first
    return out
