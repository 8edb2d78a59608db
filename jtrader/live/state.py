"""The handler's visible state, its counters and its transport settings (plain data, no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum

__all__ = ["HandlerConfig", "HandlerCounters", "HandlerState"]


class HandlerState(StrEnum):
    """Where the handler is (transitions: see :mod:`jtrader.live.handler`)."""

    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    SUBSCRIBING = "subscribing"
    LIVE = "live"
    RESYNCING = "resyncing"
    CLOSED = "closed"


@dataclass(slots=True)
class HandlerCounters:
    """What the handler saw and did. ``gaps`` and ``malformed`` come from the adapter's counters."""

    frames: int = 0  # websocket frames received
    messages: int = 0  # market messages the adapter made of frames and REST bodies
    connects: int = 0  # connections opened
    reconnects: int = 0  # connections opened after the first
    gaps: int = 0  # sequence / update-id gaps the adapter detected
    resyncs: int = 0  # recovery actions carried out: level2 resubscribes, REST snapshots
    malformed: int = 0  # frames the adapter could not parse (counted and skipped)
    stalls: int = 0  # connections dropped because no frame came for stall_timeout_s
    errors: int = 0  # venue error frames
    sent: int = 0  # frames sent (subscriptions)
    http: int = 0  # REST bodies handed to the adapter

    def as_dict(self) -> dict[str, int]:
        """The counters in declaration order (the ``record`` summary prints them)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(slots=True)
class HandlerConfig:
    """Transport settings, in seconds. The venue's own (stall timeout, send rate) are in the plan."""

    connect_timeout_s: float = 10.0
    subscribe_timeout_s: float = 10.0
    close_timeout_s: float = 2.0
    ping_interval_s: float | None = 20.0
    ping_timeout_s: float | None = 20.0
    #: largest frame accepted (Coinbase's BTC-USD level2 snapshot is about 5 MB); None = no limit
    max_frame_bytes: int | None = 64 * 1024 * 1024
    #: frames websockets buffers before it stops reading the socket (back-pressure)
    max_queue: int = 1024
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    backoff_seed: int | None = 0
    #: how often the watchdog checks stalls, ack and retry deadlines
    tick_s: float = 0.1
    #: overrides the plan's stall timeout / send rate (tests use short ones)
    stall_timeout_s: float | None = None
    send_rate: float | None = None
