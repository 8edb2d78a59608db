"""Simulated exchange: matching against L2 books, trades and bars; latency, queue and fee models.

Pure: commands and market messages in, order events out, no clock and no I/O of its own.
Every fill assumption is listed in ``docs/fills.md``.
"""

from jtrader.sim.account import Balance
from jtrader.sim.exchange import SimulatedExchange
from jtrader.sim.fees import FeeModel
from jtrader.sim.latency import ConstantLatency, LatencyModel, RandomLatency
from jtrader.sim.orders import OpenOrder
from jtrader.sim.queue import QueueModel, RiskAverseQueue

__all__ = [
    "Balance",
    "ConstantLatency",
    "FeeModel",
    "LatencyModel",
    "OpenOrder",
    "QueueModel",
    "RandomLatency",
    "RiskAverseQueue",
    "SimulatedExchange",
]
