"""The engine's one clock: integer nanoseconds, set from the data in every mode. Never reads wall time."""

from __future__ import annotations

__all__ = ["Clock"]


class Clock:
    """A monotonic clock in ns since the epoch, moved only by :meth:`set`.

    In backtest and replay the engine sets it to each message's ``ts`` (the local receive time);
    in paper mode to the receive time of the live message. It never moves backwards: a message
    older than the clock leaves it where it is and :meth:`set` returns False (the engine counts
    such a message as *late* and processes it at the current clock).
    """

    __slots__ = ("now",)

    def __init__(self, start: int = 0) -> None:
        if type(start) is not int or start < 0:
            raise ValueError(f"clock start must be a non-negative int of ns, got {start!r}")
        #: current time in ns
        self.now = start

    def set(self, ts: int) -> bool:
        """Move to ``ts`` ns if it is not in the past. Returns False (clock unchanged) when ``ts < now``."""
        if ts < self.now:
            return False
        self.now = ts
        return True

    def __repr__(self) -> str:
        return f"Clock(now={self.now})"
