"""What the engine needs from a risk manager, and the pass-through used when none is given.

The engine lives in ``jtrader.trading`` and must not import ``jtrader.risk`` (a higher layer),
so it talks to the risk manager and the emergency manager through these small protocols.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from jtrader.model import RejectReason, SubmitOrder, TradingState

if TYPE_CHECKING:
    from jtrader.model import MarketMessage
    from jtrader.trading.engine import Engine

__all__ = ["EmergencyHooks", "PassThroughGate", "RiskGate"]


class RiskGate(Protocol):
    """The road from the strategy to the exchange: every new order is checked here first."""

    state: TradingState

    def bind(self, engine: Engine) -> None:
        """Called once by the engine's constructor."""

    def check(self, cmd: SubmitOrder) -> tuple[RejectReason, str] | None:
        """None to let ``cmd`` through, else ``(reason, message)`` to deny it. Must not change state on denial."""


class EmergencyHooks(Protocol):
    """What the engine calls on an emergency manager."""

    def bind(self, engine: Engine) -> None: ...

    def default_risk(self) -> RiskGate: ...

    def on_message(self, msg: MarketMessage) -> None: ...

    def on_event(self, event: object) -> None: ...

    def kill_switch(self, reason: str) -> bool: ...


class PassThroughGate:
    """The gate used when the engine has no risk manager: every order passes, state stays ACTIVE."""

    state = TradingState.ACTIVE

    def bind(self, engine: Engine) -> None:
        """Nothing to bind."""

    def check(self, cmd: SubmitOrder) -> tuple[RejectReason, str] | None:
        """Let everything through."""
        return None
