"""``Job``: what the CLI hands every command runner besides its arguments.

A runner is ``run(args, job=None)``; the CLI passes a :class:`Job` wired to the process (signal
handlers, progress bars when stdout is a terminal, the output directory the CLI checked); called
directly (tests, scripts) it gets a quiet default. What a long command does with it::

    for item in job.track(items, total=n, unit="bars", label="backtest"):   # progress + Ctrl-C
        ...
    out = job.out_dir(args.out)                                           # checked, listed in manifest.json
    out.write_json("summary.json", summary)
    return job.exit_code()                                                # 130 when interrupted

Nothing here reads the wall clock for a decision: the flag is set by a signal, the bar is UI.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from jtrader.cmdkit.interrupt import EXIT_INTERRUPTED, StopFlag
from jtrader.cmdkit.outputs import OutputDir
from jtrader.cmdkit.progress import DEFAULT_BATCH, NullTracker, RichTracker, Tracker, watched

__all__ = ["Job"]

T = TypeVar("T")
log = logging.getLogger("jtrader.cmdkit")


class Job:
    """The stop flag, progress bars and output directory of one command run."""

    def __init__(self, stop: StopFlag | None = None, *, progress: bool = False) -> None:
        #: set by SIGINT/SIGTERM (see :mod:`jtrader.cmdkit.interrupt`)
        self.stop = stop if stop is not None else StopFlag()
        #: draw progress bars (the CLI decides: terminal, not ``--quiet``)
        self.progress = progress
        #: the output directory, once :meth:`out_dir` was called
        self.outputs: OutputDir | None = None

    @property
    def interrupted(self) -> bool:
        """True once a stop was requested: the run's results cover only what ran before it."""
        return self.stop.requested

    def exit_code(self) -> int:
        """0, or 130 when the run was interrupted."""
        return EXIT_INTERRUPTED if self.stop.requested else 0

    def tracker(
        self,
        label: str,
        total: float | None = None,
        unit: str = "items",
        position: Callable[[], int | None] | None = None,
    ) -> Tracker:
        """A progress bar (or a silent tracker when bars are off)."""
        if not self.progress:
            return NullTracker()
        return RichTracker(label, total, unit, position)

    def track(
        self,
        items: Iterable[T],
        *,
        label: str = "",
        total: float | None = None,
        unit: str = "items",
        position: Callable[[], int | None] | None = None,
        batch: int = DEFAULT_BATCH,
    ) -> Iterator[T]:
        """``items``, stoppable by Ctrl-C and shown as a bar; see :func:`jtrader.cmdkit.progress.watched`.

        ``total`` is in items, or in the unit of ``position()`` when given (bytes of a file read).
        When the stop is seen, an INFO line says so; the caller finishes and reports what ran.
        """
        stop = self.stop

        def noted() -> None:
            log.info("%s: stopped by %s; finishing with what ran so far", label or "run", stop.signal_name)

        return watched(items, stop, self.tracker(label, total, unit, position), batch, noted)

    def out_dir(self, path: str | os.PathLike[str], what: str = "--out") -> OutputDir:
        """Create (after checking) the output directory ``path``; its files go into the manifest."""
        self.outputs = OutputDir(path, what)
        return self.outputs
