"""The trading core: Engine (the loop), the one builder, Clock, Strategy API, Context and the
read-only views a strategy gets, Portfolio, order tracking, the Execution port.

Everything is integer and deterministic: prices in ticks, sizes in lots, money in atoms, time
in ns from the data. No wall clock is read here.
"""

from jtrader.risk import EmergencyHooks, PassThroughGate, RiskGate
from jtrader.trading.account import Account
from jtrader.trading.builder import (
    BAR_FILLS,
    DEFAULT_EMERGENCY_LIMITS,
    DEFAULT_RISK_LIMITS,
    EngineSettings,
    build_engine,
)
from jtrader.trading.clock import Clock
from jtrader.trading.context import Context
from jtrader.trading.engine import Engine, RunResult
from jtrader.trading.execution import Execution
from jtrader.trading.orders import OrderTracker, TrackedOrder
from jtrader.trading.portfolio import Portfolio
from jtrader.trading.report import event_record, events_to_records
from jtrader.trading.strategy import Strategy, coerce_param, single_symbol
from jtrader.trading.views import BookView, OrderSnapshot, PortfolioView

__all__ = [
    "BAR_FILLS",
    "DEFAULT_EMERGENCY_LIMITS",
    "DEFAULT_RISK_LIMITS",
    "Account",
    "BookView",
    "Clock",
    "Context",
    "EmergencyHooks",
    "Engine",
    "EngineSettings",
    "Execution",
    "OrderSnapshot",
    "OrderTracker",
    "PassThroughGate",
    "PortfolioView",
    "Portfolio",
    "RiskGate",
    "RunResult",
    "Strategy",
    "TrackedOrder",
    "build_engine",
    "coerce_param",
    "event_record",
    "events_to_records",
    "single_symbol",
]
