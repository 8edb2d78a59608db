"""Risk: the RiskManager (pre-trade checks, rate limit, trading state) and the EmergencyManager
(triggers, kill switch, halt-cancel-flatten-verify). Sizes in lots, money in atoms, time in ns.
"""

from jtrader.risk.emergency import NS_PER_DAY, EmergencyManager
from jtrader.risk.limits import EmergencyLimits, RiskLimits
from jtrader.risk.manager import RiskManager

__all__ = ["NS_PER_DAY", "EmergencyLimits", "EmergencyManager", "RiskLimits", "RiskManager"]
