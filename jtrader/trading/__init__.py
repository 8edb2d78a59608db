"""The trading core: Engine (the loop), Clock, Strategy API, Context, Portfolio, order tracking.

Everything is integer and deterministic: prices in ticks, sizes in lots, money in atoms, time
in ns from the data. No wall clock is read here.
"""

from jtrader.trading.clock import Clock
from jtrader.trading.context import Context
from jtrader.trading.engine import Engine, RunResult
from jtrader.trading.gate import EmergencyHooks, PassThroughGate, RiskGate
from jtrader.trading.orders import OrderTracker, TrackedOrder
from jtrader.trading.portfolio import Portfolio
from jtrader.trading.report import event_record, events_to_records
from jtrader.trading.strategy import Strategy, coerce_param

__all__ = [
    "Clock",
    "Context",
    "EmergencyHooks",
    "Engine",
    "OrderTracker",
    "PassThroughGate",
    "Portfolio",
    "RiskGate",
    "RunResult",
    "Strategy",
    "TrackedOrder",
    "coerce_param",
    "event_record",
    "events_to_records",
]
