"""Turn a summary dict into the "problems" lines of the human output: every non-zero problem counter
named with what it means, why trading halted, why no order was sent, denials by reason.

One function, :func:`problem_lines`, used by every command's human summary (backtest, replay,
convert; paper and sweep later). It runs the small rules in :data:`RULES` in order. To name a new
counter, add one entry to :data:`COUNTERS` (or to :data:`KIND_COUNTERS` when its meaning depends on
the summary's ``kind``); for anything that needs more than "name, count, meaning", append a
function ``(summary) -> list[str]`` to :data:`RULES`. Rules read plain dicts only (the summary is
what ``--json`` prints), so they are tested without running anything.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["COUNTERS", "KIND_COUNTERS", "RULES", "problem_lines"]

Summary = Mapping[str, Any]

#: counter key -> what a non-zero count means (printed as "<key> <count>: <meaning>")
COUNTERS: dict[str, str] = {
    "malformed": "frames that could not be parsed, skipped",
    "unknown_channel": "frames of channels jtrader does not read, skipped",
    "duplicates": "frames received twice, skipped",
    "gaps": "sequence gaps: messages missing from the input; the book was marked for a resync",
    "resyncs": "book resyncs: the book was cleared and nothing traded on it until the next snapshot",
    "corrupt_chunks": "damaged parts of the recording, skipped",
    "skipped": "unreadable parts of the input, skipped",
    "late": "messages older than the clock, processed at the clock's time",
    "unknown_symbol": "messages of products first seen after the pre-roll, skipped",
}

#: per summary ``kind``: counters whose meaning differs there (or that only exist there)
KIND_COUNTERS: dict[str, dict[str, str]] = {
    "backtest": {
        "gaps": "gaps in time between candles (missing candles, not filled in)",
        "missing_bars": "candles missing inside those gaps",
    },
}


def interrupted_lines(summary: Summary) -> list[str]:
    """The run was stopped by a signal: say what the results cover."""
    if not summary.get("interrupted"):
        return []
    return ["interrupted: the results cover only the data processed before the stop"]


def counter_lines(summary: Summary) -> list[str]:
    """One line per non-zero counter of :data:`COUNTERS` (kind-specific meanings first).

    A summary that accounts for its data problems itself (``data_problems``: replay and paper, see
    :mod:`jtrader.replay.problems`) gets only its kind-specific lines here, so nothing is named twice.
    """
    if "data_problems" in summary:
        meanings = KIND_COUNTERS.get(str(summary.get("kind", "")), {})
        return [f"{k} {summary[k]:,}: {m}" for k, m in meanings.items() if type(summary.get(k)) is int and summary[k]]
    meanings = {**COUNTERS, **KIND_COUNTERS.get(str(summary.get("kind", "")), {})}
    lines = []
    for key, meaning in meanings.items():
        value = summary.get(key)
        if type(value) is int and value:
            lines.append(f"{key} {value:,}: {meaning}")
    return lines


def damage_lines(summary: Summary) -> list[str]:
    """A truncated input and book checks that disagreed with the venue (unless named as data problems)."""
    if "data_problems" in summary:
        return []
    lines = []
    if summary.get("truncated") is True:
        lines.append("truncated: the input ends inside a record; everything up to the last complete one was read")
    checks = summary.get("book_checks")
    if isinstance(checks, Mapping) and checks.get("mismatched"):
        lines.append(
            f"book checks mismatched {checks['mismatched']:,} of {checks.get('checked', 0):,}: the rebuilt book's "
            "best levels differed from the venue's own best bid/ask at the same update id"
        )
    return lines


def _by_reason(what: str, total: int, reasons: Any) -> list[str]:
    if not total:
        return []
    if not isinstance(reasons, Mapping) or not reasons:
        return [f"{what} {total:,}"]
    lines = [f"{what} {total:,}:"]
    for reason, info in reasons.items():
        count = info.get("count", 0) if isinstance(info, Mapping) else info
        example = info.get("example", "") if isinstance(info, Mapping) else ""
        lines.append(f"  {reason} x{count:,}" + (f" (first: {example})" if example else ""))
    return lines


def trading_lines(summary: Summary) -> list[str]:
    """Denials (risk manager) and rejections (exchange) by reason, with the first message in units."""
    lines = _by_reason("denied by risk", int(summary.get("denials") or 0), summary.get("denial_reasons"))
    lines += _by_reason(
        "rejected by the exchange", int(summary.get("rejections") or 0), summary.get("rejection_reasons")
    )
    return lines


def halt_lines(summary: Summary) -> list[str]:
    """Why trading is not ACTIVE at the end (the risk state and what moved it there)."""
    state = summary.get("trading_state")
    if state in (None, "ACTIVE"):
        return []
    why = summary.get("halt_reason") or ", ".join(summary.get("emergency_triggers") or ()) or "reason not recorded"
    return [f"trading {state}: {why}"]


def no_order_lines(summary: Summary) -> list[str]:
    """A run with a strategy that sent nothing to the exchange: say so, and why when known."""
    reason = summary.get("no_orders_reason")
    if "orders" not in summary:  # the run never reached trading (no product could be read)
        return [f"no order: {reason}"] if reason else []
    if "strategy" not in summary:
        return []
    orders = int(summary.get("orders") or 0)
    sent = summary.get("sent")
    if orders == 0:
        return [f"no order: {reason or 'the strategy never placed one'}"]
    if sent == 0:
        return [f"no order reached the exchange: all {orders:,} were denied by risk"]
    return []


#: the rules :func:`problem_lines` runs, in order; append ``(summary) -> list[str]`` functions
RULES: list[Callable[[Summary], list[str]]] = [
    interrupted_lines,
    counter_lines,
    damage_lines,
    halt_lines,
    no_order_lines,
    trading_lines,
]


def problem_lines(summary: Summary) -> list[str]:
    """Every problem line of ``summary``, rule by rule (empty when the run had none)."""
    return [line for rule in RULES for line in rule(summary)]
