"""Paper trading on live feeds, recorded as it runs, resumable after a crash, proven by parity.

* :mod:`jtrader.paper.config`: :class:`PaperConfig`, every decision input, kept in the header;
* :mod:`jtrader.paper.session`: :class:`PaperSession`, sans-I/O: record, parse, engine, events;
* :mod:`jtrader.paper.runner`: :class:`PaperRunner`, the live side (handler, flush, stop, status);
* :mod:`jtrader.paper.resume`: a new recording, or a crashed one rebuilt and reopened;
* :mod:`jtrader.paper.parity`: :func:`check_parity`, replay the file and compare;
* :mod:`jtrader.paper.events`: the session's own ``event`` records;
* :mod:`jtrader.paper.command`: ``jtrader paper`` and ``jtrader parity``.

Guide: ``docs/paper-trading.md``.
"""

from jtrader.paper.config import PaperConfig
from jtrader.paper.parity import check_parity
from jtrader.paper.session import PaperSession

__all__ = ["PaperConfig", "PaperSession", "check_parity"]
