"""What a reader lost, and why: one damage report per source, filled as the file is read.

Nothing is lost silently. Every reader (jtrader, cryptofeed, hftbacktest; plain, gzip or zstd)
counts what it could not use and logs a WARNING for each problem (the first
:data:`LOGGED_DAMAGE`; the rest at DEBUG, all counted):

* ``truncated`` (and ``truncated_at``, a byte offset in the file as stored): the data stops before
  its end: a compressed stream cut off inside a frame or member, a last line cut in the middle, a
  jtrader recording without its end marker (killed writer, interrupted ``generate``);
* ``corrupt_chunks``: damaged spans skipped (a jtrader chunk that fails its checksum or layout, a
  zstd frame or gzip member that does not decompress or fails its check), each with its offset;
* ``unreadable_lines``: text lines that are not a record (by line number);
* ``bad_timestamps``: records whose time is impossible (outside 2000..2200, not an integer, or a
  jump of more than a day from the record before): skipped, never fed to a clock;
* ``out_of_order``: records displaced further than a reader's reorder window (passed through);
* ``lost_records``: records a jtrader end marker announced that could not be read;
* ``inherited``: the damage report of the file a jtrader recording was converted from (kept in
  its end marker), so a copy of a damaged capture never looks clean.

:meth:`DamageReport.as_dict` gives the stable JSON keys; :meth:`DamageReport.describe` the human
lines ("what was lost").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from jtrader.model.timestamps import MAX_TS_NS, MIN_TS_NS, NS_PER_DAY

__all__ = ["LOGGED_DAMAGE", "MAX_JUMP_NS", "Damage", "DamageReport", "TimestampGuard", "describe_damage"]

log = logging.getLogger(__name__)

#: damage events logged one by one at WARNING per read; later ones go to DEBUG (all are counted)
LOGGED_DAMAGE = 20
#: events kept in a report (the counters count every one)
KEPT_DAMAGE = 100
#: the largest jump between the receive times of two consecutive records
MAX_JUMP_NS = NS_PER_DAY

#: counter -> how the human summary names it
_LABELS = {
    "unreadable_lines": "unreadable lines skipped",
    "bad_timestamps": "records with an impossible timestamp skipped",
    "corrupt_chunks": "corrupt spans skipped",
    "out_of_order": "records further out of order than the reorder window",
    "lost_records": "records announced by the end marker but not read",
}


@dataclass(frozen=True, slots=True)
class Damage:
    """One problem: ``kind`` (a counter name), where (``offset``: a byte offset in the file as
    stored; ``line``: a 1-based line number of a text capture; None when it does not apply) and why."""

    kind: str
    offset: int | None
    line: int | None
    detail: str

    def as_dict(self) -> dict[str, Any]:
        """The event as JSON-able data."""
        return {"kind": self.kind, "offset": self.offset, "line": self.line, "detail": self.detail}


@dataclass(slots=True)
class DamageReport:
    """Counters and the first :data:`KEPT_DAMAGE` events of one read of one file (see the module docstring)."""

    path: str = ""
    truncated: bool = False
    truncated_at: int | None = None
    corrupt_chunks: int = 0
    unreadable_lines: int = 0
    bad_timestamps: int = 0
    out_of_order: int = 0
    lost_records: int = 0
    events: list[Damage] = field(default_factory=list)
    inherited: dict[str, Any] | None = None
    #: count without logging (format detection reads the start of a file twice)
    quiet: bool = False
    _logged: int = 0
    _kinds: set[str] = field(default_factory=set)

    def reset(self) -> None:
        """Forget everything (a new read of the file starts)."""
        self.truncated, self.truncated_at = False, None
        self.corrupt_chunks = self.unreadable_lines = self.bad_timestamps = 0
        self.out_of_order = self.lost_records = self._logged = 0
        self.events = []
        self._kinds = set()
        self.inherited = None

    def note(self, kind: str, detail: str, offset: int | None = None, line: int | None = None, count: int = 1) -> None:
        """Count ``count`` problems of ``kind`` (a counter, or ``"truncated"``) and log a WARNING."""
        if kind == "truncated":
            if not self.truncated:
                self.truncated, self.truncated_at = True, offset
        else:
            setattr(self, kind, getattr(self, kind) + count)
        if len(self.events) < KEPT_DAMAGE or kind not in self._kinds:  # the first of each kind is always kept
            self.events.append(Damage(kind, offset, line, detail))
            self._kinds.add(kind)
        if self.quiet:
            return
        self._logged += 1
        where = f"byte {offset}" if offset is not None else f"line {line}" if line is not None else "-"
        level = logging.WARNING if self._logged <= LOGGED_DAMAGE else logging.DEBUG
        log.log(level, "%s: %s at %s: %s", self.path, kind.replace("_", " "), where, detail)
        if self._logged == LOGGED_DAMAGE:
            log.warning("%s: further damage is logged at DEBUG only (-vv); the summary counts it all", self.path)

    @property
    def problems(self) -> int:
        """How many problems this read found (0: the file read back complete and clean)."""
        inherited = self.inherited.get("problems", 1) if self.inherited else 0
        return (
            int(self.truncated)
            + self.corrupt_chunks
            + self.unreadable_lines
            + self.bad_timestamps
            + self.out_of_order
            + self.lost_records
            + int(inherited)
        )

    def as_dict(self) -> dict[str, Any]:
        """The stable JSON keys (replay and convert summaries, the end marker of a converted copy)."""
        return {
            "truncated": self.truncated,
            "truncated_at": self.truncated_at,
            "corrupt_chunks": self.corrupt_chunks,
            "unreadable_lines": self.unreadable_lines,
            "bad_timestamps": self.bad_timestamps,
            "out_of_order": self.out_of_order,
            "lost_records": self.lost_records,
            "problems": self.problems,
            "damage": [event.as_dict() for event in self.events],
            "source_damage": self.inherited,
        }

    def inheritable(self, source_format: str, file_name: str) -> dict[str, Any]:
        """What a converted copy keeps of this report (in its end marker): counters, the first
        events, a one-line summary, and the source's own inherited damage, if any."""
        data = self.as_dict()
        data["damage"] = data["damage"][:10]
        data.update(format=source_format, file=file_name, summary="; ".join(self.describe()))
        return data

    def describe(self) -> list[str]:
        """Human lines naming every problem (none for a clean read): what was lost, and where."""
        return describe_damage(self.as_dict())


def describe_damage(report: dict[str, Any]) -> list[str]:
    """Human lines for a damage report given as :meth:`DamageReport.as_dict` data (the JSON keys)."""
    lines = []
    events = report.get("damage") or []
    if report.get("truncated"):
        at = report.get("truncated_at")
        where = f" at byte {at}" if at is not None else ""
        why = next((e["detail"] for e in events if e["kind"] == "truncated"), "")
        lines.append(f"truncated{where}: the data after it is missing ({why})")
    for key, label in _LABELS.items():
        value = report.get(key)
        if value:
            first = next((e for e in events if e["kind"] == key), None)
            at = ""
            if first is not None:
                where = "" if first["offset"] is None else f" at byte {first['offset']}"
                where = f" at line {first['line']}" if first["line"] is not None else where
                why = "" if key == "unreadable_lines" else f": {first['detail']}"  # a garbled line says little
                at = f" (first{where}{why})"
            lines.append(f"{value} {label}{at}")
    inherited = report.get("source_damage")
    if inherited:
        lines.append(
            f"converted from a damaged {inherited.get('format', '')} file {inherited.get('file', '')!r}: "
            f"{inherited.get('summary') or 'see source_damage'}"
        )
    return lines


class TimestampGuard:
    """Refuses record times that cannot be right; keeps the last good one.

    A time is refused when it is not an ``int``, lies outside 2000..2200, or jumps more than
    :data:`MAX_JUMP_NS` (a day) away from the last accepted record. Refused times never move the
    anchor, so a run of corrupt records cannot drag the clock years ahead. ``anchor`` (a time the
    capture states separately, such as cryptofeed's ``recorded``, when it is plausible) stands in
    for the record before the first, so a corrupt first record cannot pull the whole file with it.
    """

    __slots__ = ("last",)

    def __init__(self, anchor: int | None = None) -> None:
        self.last: int | None = anchor if type(anchor) is int and MIN_TS_NS <= anchor < MAX_TS_NS else None

    def check(self, ts: object) -> str | None:
        """None when ``ts`` (int ns) is accepted (and becomes the last good time), else the reason."""
        if type(ts) is not int:
            return f"timestamp {ts!r} is not an integer of ns"
        if not MIN_TS_NS <= ts < MAX_TS_NS:
            return f"timestamp {ts} ns is outside 2000..2200"
        last = self.last
        if last is not None and not -MAX_JUMP_NS <= ts - last <= MAX_JUMP_NS:
            return f"timestamp {ts} ns jumps more than a day from the record before ({last} ns)"
        self.last = ts
        return None
