"""Kept for old imports: the CLI's logging set-up lives in :mod:`jtrader.cmdkit.logs`."""

from __future__ import annotations

from jtrader.cmdkit.logs import configure_logging as _configure
from jtrader.cmdkit.logs import resolve_level


def configure_logging(verbosity: int = 0) -> None:
    """WARNING by default, INFO with -v, DEBUG with -vv; one handler on stderr."""
    _configure(resolve_level(None, verbosity))
