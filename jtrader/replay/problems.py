"""The data-problem accounting of a replay: every counter, its JSON key, its human name, ``--strict``.

Nothing is lost silently. A replay summary (``jtrader replay --json``) carries, under stable keys:

===================  =============================================================================
key                  what it counts
===================  =============================================================================
``truncated``        the recording stops before its end (``truncated_at``: the byte offset)
``corrupt_chunks``   damaged spans of the file skipped (``damage`` lists them with their offsets)
``unreadable_lines`` text lines of a capture that are not a record
``bad_timestamps``   records whose receive time is impossible (outside 2000..2200, a jump of more
                     than a day): skipped, never fed to the clock
``out_of_order``     records displaced further than the reader's reorder window
``lost_records``     records a jtrader end marker announced but that could not be read
``source_damage``    the damage report of the file a jtrader recording was converted from
``malformed``        frames the venue adapter refused (venue times more than a day off included)
``unknown_channel``  well-formed frames of channels the adapter does not handle
``duplicates``       repeated sequence numbers, trade ids or closed klines, skipped
``gaps``             sequence or update-id gaps (the books they touch resync)
``late``             messages older than the replay clock (processed at the clock)
``off_grid_levels``  book levels off the instrument's grid, left out
``unapplied_diffs``  buffered book diffs never applied (held when the data ended, or dropped from a
                     full buffer)
``book_checks.mismatched``  exchange-made bookTicker checks that disagreed with the rebuilt book
``unknown_symbol``   messages of products first seen after the pre-roll, skipped
===================  =============================================================================

:func:`data_problems` gives the non-zero ones (``summary["data_problems"]``);
:func:`problem_lines` names each in the human summary; ``--strict`` fails on any
(:func:`strict_reason`).
"""

from __future__ import annotations

from typing import Any

from jtrader.recording.damage import describe_damage

__all__ = ["PROBLEM_KEYS", "adapter_fields", "data_problems", "problem_lines", "source_fields", "strict_reason"]

#: the problem counters that are not about the file itself, with their human names
_COUNTED = {
    "malformed": "malformed frames skipped",
    "unknown_channel": "frames of channels the adapter does not handle, skipped",
    "duplicates": "duplicate messages skipped",
    "gaps": "sequence gaps (the books they touch resync)",
    "late": "messages older than the replay clock (processed at the clock)",
    "off_grid_levels": "book levels off the instrument's grid left out",
    "unapplied_diffs": "buffered book diffs never applied",
    "book_check_mismatches": "bookTicker checks that disagreed with the rebuilt book",
    "unknown_symbol": "messages of products first seen after the pre-roll, skipped",
}
#: the file's own problems (see jtrader.recording.damage)
_SOURCE = ("truncated", "corrupt_chunks", "unreadable_lines", "bad_timestamps", "out_of_order", "lost_records")
#: every problem key of ``summary["data_problems"]``, in the order the summary names them
PROBLEM_KEYS = (*_SOURCE, "source_damage", *_COUNTED)


def source_fields(source: Any) -> dict[str, Any]:
    """The summary keys of a record source's damage report (``source.damage``)."""
    report = source.damage.as_dict()
    report.pop("problems")
    return report


def adapter_fields(adapter: Any) -> dict[str, int]:
    """The summary keys of the adapter counters that are data problems but not top-level yet."""
    stats = adapter.stats
    return {
        "off_grid_levels": stats.off_grid_levels,
        "unapplied_diffs": getattr(adapter, "held_diffs", 0) + stats.buffer_overflow,
    }


def data_problems(summary: dict[str, Any]) -> dict[str, int]:
    """Every non-zero problem counter of a replay summary, by key (``{}``: clean data)."""
    values: dict[str, int] = {key: int(summary.get(key) or 0) for key in (*_SOURCE, *_COUNTED)}
    values["book_check_mismatches"] = int(summary.get("book_checks", {}).get("mismatched", 0))
    inherited = summary.get("source_damage")
    values["source_damage"] = int(inherited.get("problems", 1)) if inherited else 0
    return {key: values[key] for key in PROBLEM_KEYS if values[key]}


def problem_lines(summary: dict[str, Any]) -> list[str]:
    """Human lines, one per problem, naming every non-zero counter and what was lost (none: clean)."""
    problems = summary.get("data_problems")
    if problems is None:
        problems = data_problems(summary)
    if not problems:
        return []
    lines = describe_damage(summary)
    for key, label in _COUNTED.items():
        if key in problems:
            line = f"{problems[key]} {label}"
            if key == "malformed" and summary.get("adapter", {}).get("last_error"):
                line += f" (last: {summary['adapter']['last_error']})"
            lines.append(line)
    return ["data problems:", *(f"  {line}" for line in lines)]


def strict_reason(problems: dict[str, int]) -> str:
    """The one-line reason ``--strict`` gives for failing (``problems`` from :func:`data_problems`)."""
    parts = [key if key == "truncated" else f"{key.replace('_', ' ')} {count}" for key, count in problems.items()]
    return "--strict: the data has problems: " + ", ".join(parts)
