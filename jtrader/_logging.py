"""Logging set-up for the CLI: messages go to stderr, stdout stays for results (JSON)."""

from __future__ import annotations

import logging
import sys


def configure_logging(verbosity: int = 0) -> None:
    """WARNING by default, INFO with -v, DEBUG with -vv; one handler on stderr."""
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    root = logging.getLogger("jtrader")
    root.setLevel(level)
    if not any(getattr(h, "_jtrader", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handler._jtrader = True  # type: ignore[attr-defined]
        root.addHandler(handler)
