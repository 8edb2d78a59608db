"""Logging for the CLI: standard ``logging`` on stderr, stdout stays for results (JSON).

One handler on the ``jtrader`` logger. When progress bars are drawn it is rich's handler on the
same console as the bars, so log lines print above a bar instead of through it; otherwise a plain
``LEVEL logger: message`` line.
"""

from __future__ import annotations

import logging
import sys

__all__ = ["LEVELS", "configure_logging", "resolve_level"]

#: ``--log-level`` choices
LEVELS = ("debug", "info", "warning", "error")


def resolve_level(log_level: str | None = None, verbosity: int = 0, quiet: bool = False) -> int:
    """``--log-level`` wins; else WARNING, INFO with -v, DEBUG with -vv; ERROR with ``--quiet``."""
    if log_level:
        return int(getattr(logging, log_level.upper()))
    if verbosity >= 2:
        return logging.DEBUG
    if verbosity == 1:
        return logging.INFO
    return logging.ERROR if quiet else logging.WARNING


def configure_logging(level: int = logging.WARNING, rich_console: object | None = None) -> None:
    """Set the ``jtrader`` logger's level and (re)install its one console handler on stderr."""
    root = logging.getLogger("jtrader")
    root.setLevel(level)
    for handler in [h for h in root.handlers if getattr(h, "_jtrader", False)]:
        root.removeHandler(handler)
    handler: logging.Handler
    if rich_console is not None:
        from rich.logging import RichHandler

        handler = RichHandler(console=rich_console, show_time=False, show_path=False, markup=False)  # type: ignore[arg-type]
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    else:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler._jtrader = True  # type: ignore[attr-defined]
    root.addHandler(handler)
