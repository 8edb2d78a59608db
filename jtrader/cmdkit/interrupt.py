"""Stop a long command cleanly on Ctrl-C (SIGINT) or SIGTERM.

Why a flag and not ``KeyboardInterrupt``: a signal handler runs between two bytecodes of the main
thread, wherever it is. An exception raised there can land in the middle of one message's
processing: after the simulated exchange filled an order but before the portfolio booked the
fill, half-way through a list of events, inside the recording writer's chunk flush. The partial
result would then be inconsistent. The handler therefore only sets :class:`StopFlag`; the
*source* of a run (the iterator of candles, records or frames) checks the flag between two items
(see :func:`jtrader.cmdkit.progress.watched`) and simply ends. The engine then finishes exactly as
if the data had ended there (final drain, ``on_stop``), so the partial summary is the summary of
a shorter input: counters, positions and equity at the last processed message.

A second signal means "now": it raises ``KeyboardInterrupt`` (the CLI exits 130 without a summary).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["EXIT_INTERRUPTED", "StopFlag", "stop_on_signals"]

#: exit code of an interrupted command (128 + SIGINT), for SIGTERM too
EXIT_INTERRUPTED = 130


class StopFlag:
    """Set once a stop was asked for; read by sources between items. Setting it is all a handler does."""

    __slots__ = ("requested", "signal_name")

    def __init__(self) -> None:
        #: True once a stop was requested (by a signal or :meth:`request`)
        self.requested = False
        #: ``"SIGINT"``, ``"SIGTERM"`` or ``"request"``; empty while running
        self.signal_name = ""

    def request(self, reason: str = "request") -> None:
        """Ask the run to stop at the next item boundary (what the signal handler does)."""
        if not self.requested:
            self.signal_name = reason
        self.requested = True


@contextmanager
def stop_on_signals(flag: StopFlag) -> Iterator[StopFlag]:
    """Route SIGINT and SIGTERM to ``flag`` for the duration of the block; restore the old handlers.

    The first signal sets the flag; a second one raises ``KeyboardInterrupt``. Outside the main
    thread (signals cannot be handled there) the block runs without handlers.
    """
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        if flag.requested:
            raise KeyboardInterrupt
        flag.request(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield flag
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
