"""Risk: the RiskManager (pre-trade checks, rate limit, trading state), the EmergencyManager
(triggers, kill switch, halt-cancel-flatten-verify), and the ports through which the trading core
hands them a read-only account and a few actions. Sizes in lots, money in atoms, time in ns.

This layer sits below ``jtrader.trading``: it never imports the engine.
"""

from jtrader.risk.emergency import NS_PER_DAY, EmergencyManager
from jtrader.risk.gate import PassThroughGate, StatefulGate, reduces
from jtrader.risk.limits import EmergencyLimits, RiskLimits
from jtrader.risk.manager import RiskManager
from jtrader.risk.ports import (
    AccountView,
    BookReader,
    ClockReader,
    Denial,
    EmergencyActions,
    EmergencyHooks,
    HoldingsReader,
    RiskGate,
)

__all__ = [
    "NS_PER_DAY",
    "AccountView",
    "BookReader",
    "ClockReader",
    "Denial",
    "EmergencyActions",
    "EmergencyHooks",
    "EmergencyLimits",
    "EmergencyManager",
    "HoldingsReader",
    "PassThroughGate",
    "RiskGate",
    "RiskLimits",
    "RiskManager",
    "StatefulGate",
    "reduces",
]
