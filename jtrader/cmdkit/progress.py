"""Progress bars for long jobs, and the stoppable source wrapper every long command uses.

:func:`watched` wraps the iterator a run consumes (candles, recording records, generated frames):
it yields the same items, checks the :class:`~jtrader.cmdkit.interrupt.StopFlag` and advances the
progress bar once per *batch* of items, never per item. The items flow through C iterators
(``itertools.chain.from_iterable`` over ``islice`` batches), so the per-item cost is two C-level
``next`` calls and no Python frame; the wall clock is read only by the bar's own refresh thread
(rich), on the UI side, never in the run's decisions.

Bars are drawn with ``rich`` (the ``progress`` extra) on stderr, and only when stdout and stderr
are terminals and ``--quiet`` is off; otherwise :class:`NullTracker` does nothing.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from pathlib import Path
from typing import Any, Protocol, TypeVar

from jtrader.cmdkit.interrupt import StopFlag

__all__ = [
    "DEFAULT_BATCH",
    "NullTracker",
    "RichTracker",
    "Tracker",
    "file_position",
    "progress_wanted",
    "shared_console",
    "watched",
]

T = TypeVar("T")
#: items between two checks of the stop flag (and two progress updates)
DEFAULT_BATCH = 1024
_END: Any = object()
_CONSOLE: list[Any] = []  # the shared console, once made


class Tracker(Protocol):
    """What :func:`watched` drives: ``advance`` by a number of items, ``close`` at the end."""

    def advance(self, items: int) -> None: ...

    def close(self) -> None: ...


class NullTracker:
    """A tracker that shows nothing (stdout is not a terminal, ``--quiet``, or rich is missing)."""

    def advance(self, items: int) -> None:
        """Do nothing."""

    def describe(self, text: str) -> None:
        """Do nothing."""

    def close(self) -> None:
        """Do nothing."""


def progress_wanted(quiet: bool) -> bool:
    """True when bars make sense: not quiet, stdout and stderr are terminals, and rich is installed."""
    if quiet or not (sys.stdout.isatty() and sys.stderr.isatty()):
        return False
    try:
        import rich  # noqa: F401
    except ImportError:  # pragma: no cover - rich is in the dev extra
        return False
    return True


def shared_console() -> Any:
    """The one rich ``Console`` on stderr shared by bars and the log handler (logs print above bars)."""
    if not _CONSOLE:
        from rich.console import Console

        _CONSOLE.append(Console(stderr=True))
    return _CONSOLE[0]


class RichTracker:
    """One rich progress bar: label, bar, percent, items done, items/s, ETA.

    ``total`` is in the unit of ``position()`` when a position function is given (for example the
    bytes of a recording file read so far), else in items; ``None`` draws a bar without an end.
    """

    def __init__(
        self, label: str, total: float | None, unit: str, position: Callable[[], int | None] | None = None
    ) -> None:
        from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

        self.unit = unit
        self.items = 0
        self.position = position
        self.started = time.monotonic()  # UI only: the rate shown next to the bar
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[done]}"),
            TimeRemainingColumn(),
            console=shared_console(),
            refresh_per_second=4,
            transient=False,
        )
        self.task = self.progress.add_task(label, total=total, done=f"0 {unit}")
        self.progress.start()

    def advance(self, items: int) -> None:
        """Count ``items`` more; move the bar to ``position()`` when there is one."""
        self.items += items
        elapsed = max(time.monotonic() - self.started, 1e-9)
        done = f"{self.items:,} {self.unit} ({self.items / elapsed:,.0f}/s)"
        if self.position is not None:
            where = self.position()
            if where is not None:
                self.progress.update(self.task, completed=where, done=done)
                return
        self.progress.update(self.task, advance=items if self.position is None else 0, done=done)

    def describe(self, text: str) -> None:
        """Replace the label with ``text`` (a live status line: state, equity, open orders)."""
        self.progress.update(self.task, description=text)

    def close(self) -> None:
        """Stop drawing (the last state of the bar stays on screen)."""
        self.progress.stop()


def watched(
    items: Iterable[T],
    stop: StopFlag,
    tracker: Tracker | None = None,
    batch: int = DEFAULT_BATCH,
    on_stop: Callable[[], None] | None = None,
) -> Iterator[T]:
    """Yield ``items`` until they end or ``stop`` is requested; check and report once per ``batch``.

    The stop is seen at a batch boundary, so up to ``batch - 1`` more items pass after the signal
    (milliseconds); use ``batch=1`` where each item may take long (a paced replay sleeps).
    ``tracker.close()`` runs when the items end, the stop is seen, or the iterator is dropped;
    ``on_stop()`` when the stop ended the items.
    """
    if batch < 1:
        raise ValueError(f"batch must be >= 1, got {batch}")
    source = iter(items)
    rest = batch - 1

    def batches() -> Iterator[Iterable[T]]:
        try:
            while not stop.requested:
                first = next(source, _END)
                if first is _END:
                    return
                yield (first,)
                if rest:
                    yield islice(source, rest)
                if tracker is not None:
                    tracker.advance(batch)
            if on_stop is not None:
                on_stop()
        finally:
            if tracker is not None:
                tracker.close()

    return chain.from_iterable(batches())


def file_position(path: str | os.PathLike[str]) -> Callable[[], int | None]:
    """A function returning how far this process has read into ``path`` (bytes), or None.

    Reads the offset of the open file descriptor from ``/proc/self/fdinfo`` (Linux); elsewhere,
    or before the file is opened, it returns None and the bar shows items only. For the UI only.
    """
    target = os.path.realpath(path)
    fd_dir = Path("/proc/self/fd")
    found: list[int] = []

    def position() -> int | None:
        if found:
            try:
                if os.readlink(fd_dir / str(found[0])) != target:  # closed, and the number reused
                    found.clear()
            except OSError:
                found.clear()
        if not found:
            try:
                for entry in fd_dir.iterdir():
                    try:
                        if os.readlink(entry) == target:
                            found.append(int(entry.name))
                            break
                    except OSError:
                        continue
            except OSError:
                return None
            if not found:
                return None
        try:
            text = Path(f"/proc/self/fdinfo/{found[0]}").read_text()
        except OSError:
            found.clear()
            return None
        for line in text.splitlines():
            if line.startswith("pos:"):
                return int(line.split()[1])
        return None  # pragma: no cover - every fdinfo has a pos line

    return position
