"""The trading state every gate shares, and the pass-through gate used when a run has no limits.

The state (ACTIVE, REDUCING, HALTED) belongs to the gate protocol, not to one implementation:
the emergency manager halts *whatever* gate the engine has, and :class:`PassThroughGate` obeys
it exactly as :class:`~jtrader.risk.RiskManager` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jtrader.errors import ConfigError
from jtrader.model import RejectReason, ReplaceOrder, RiskStateChanged, Side, SubmitOrder, TradingState
from jtrader.risk.ports import AccountView, Denial

__all__ = ["PassThroughGate", "StatefulGate", "reduces"]

_HALTED, _REDUCING = TradingState.HALTED, TradingState.REDUCING


def reduces(cmd: SubmitOrder, position: int) -> bool:
    """True when ``cmd`` (lots) is on the opposite side of ``position`` and no larger than it."""
    if position > 0:
        return cmd.side is Side.SELL and 0 < cmd.size <= position
    if position < 0:
        return cmd.side is Side.BUY and 0 < cmd.size <= -position
    return False


class StatefulGate:
    """The trading state of a gate: ACTIVE, REDUCING, HALTED, and the state check of an order.

    Subclasses add their own checks after :meth:`check_state`.
    """

    def __init__(self, state: TradingState = TradingState.ACTIVE) -> None:
        self.state = TradingState(state)
        self._account: AccountView | None = None
        self._emit: Callable[[Any], None] | None = None

    def bind(self, account: AccountView, emit: Callable[[Any], None]) -> None:
        """Attach to the run's account view and event emitter (called once by the engine)."""
        self._account = account
        self._emit = emit

    def _bound(self) -> tuple[AccountView, Callable[[Any], None]]:
        if self._account is None or self._emit is None:
            raise ConfigError(f"this {type(self).__name__} is not attached to an engine")
        return self._account, self._emit

    def set_state(self, new: TradingState, reason: str) -> bool:
        """Move to ``new`` and emit :class:`RiskStateChanged` at the engine clock. False when already there."""
        new = TradingState(new)
        if new is self.state:
            return False
        account, emit = self._bound()
        old, self.state = self.state, new
        emit(RiskStateChanged(account.now, old, new, reason))
        return True

    def check_state(self, cmd: SubmitOrder) -> Denial | None:
        """HALTED denies every order; REDUCING every order that does not shrink the position."""
        state = self.state
        if state is _HALTED:
            return RejectReason.HALTED, "trading is halted: only cancels pass"
        if state is _REDUCING:
            account = self._account
            position = account.position(cmd.symbol) if account is not None else 0
            if not reduces(cmd, position):
                return RejectReason.REDUCING_ONLY, (
                    f"reducing: only orders that shrink the position of {position} lots pass"
                )
        return None


class PassThroughGate(StatefulGate):
    """The gate of a run without limits: every order passes while ACTIVE; HALTED and REDUCING still hold."""

    def check(self, cmd: SubmitOrder | ReplaceOrder) -> Denial | None:
        """Only the trading state can deny."""
        if self.state is TradingState.ACTIVE:
            return None
        return self.check_state(cmd.new if type(cmd) is ReplaceOrder else cmd)  # type: ignore[union-attr,arg-type]

    def __repr__(self) -> str:
        return f"PassThroughGate(state={self.state.value})"
