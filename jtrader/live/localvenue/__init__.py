"""The local venue behind ``jtrader serve``: a recording served over a venue's own protocol, with faults.

See :class:`jtrader.live.localvenue.server.LocalVenue` and ``docs/live-data.md``.
"""

from jtrader.live.localvenue.faults import ConnectionFaults, FaultSpec
from jtrader.live.localvenue.server import LocalVenue

__all__ = ["ConnectionFaults", "FaultSpec", "LocalVenue"]
