"""What one engine run produced: counters, events and the final portfolio."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jtrader.model import TradingState
from jtrader.trading.portfolio import Portfolio

__all__ = ["RunResult"]


@dataclass(slots=True)
class RunResult:
    """What one :meth:`Engine.run` produced. Counts are plain ints; ``events`` are in emission order."""

    events: list[Any] = field(default_factory=list)
    #: market messages processed (late and unknown ones included)
    messages: int = 0
    bars: int = 0
    #: submit calls (denied ones included) and the orders that reached the exchange
    orders: int = 0
    sent: int = 0
    fills: int = 0
    denials: int = 0
    rejections: int = 0
    cancels: int = 0
    #: messages older than the clock (processed at the clock) and for unknown symbols (skipped)
    late: int = 0
    unknown: int = 0
    start_ts: int = 0
    end_ts: int = 0
    trading_state: TradingState = TradingState.ACTIVE
    emergency_triggers: list[str] = field(default_factory=list)
    #: risk denials and exchange rejections counted per reason code (``"INSUFFICIENT_BALANCE": 3``)
    denials_by_reason: dict[str, int] = field(default_factory=dict)
    rejections_by_reason: dict[str, int] = field(default_factory=dict)
    portfolio: Portfolio | None = None

    def summary(self) -> dict[str, Any]:
        """The counters as a plain dict (stable key order)."""
        return {
            "messages": self.messages,
            "bars": self.bars,
            "orders": self.orders,
            "sent": self.sent,
            "fills": self.fills,
            "denials": self.denials,
            "rejections": self.rejections,
            "cancels": self.cancels,
            "late": self.late,
            "unknown": self.unknown,
            "start_ts": self.start_ts,
            "end_ts": self.end_ts,
            "trading_state": self.trading_state.value,
            "emergency_triggers": list(self.emergency_triggers),
            "denials_by_reason": {k: self.denials_by_reason[k] for k in sorted(self.denials_by_reason)},
            "rejections_by_reason": {k: self.rejections_by_reason[k] for k in sorted(self.rejections_by_reason)},
        }
