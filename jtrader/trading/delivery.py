"""Event delivery: one object that applies events once they exist and hands them on.

Exchange events go to the order tracker and the portfolio, are counted and recorded, then go
to the emergency manager and the strategy's ``on_order_event``. Risk and emergency events
(denials, state changes, emergency steps) are recorded when they happen and *deferred*: the
strategy receives them right after the callback that caused them returns, never re-entrantly.
After the last message :meth:`Delivery.drain` moves the clock to each wake-up of the execution
until nothing is left.

The engine's per-message closures bind :meth:`Delivery.exchange_events` once and test the
:attr:`Delivery.deferred` list directly (the list object never changes), so delivery costs one
call per message that has events, as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from jtrader.errors import InvariantError
from jtrader.model import (
    CancelRejected,
    EmergencyAction,
    OrderAccepted,
    OrderCanceled,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderStatus,
    OrderTriggered,
    RiskStateChanged,
)

if TYPE_CHECKING:
    from jtrader.risk import EmergencyHooks
    from jtrader.trading.clock import Clock
    from jtrader.trading.context import Context
    from jtrader.trading.execution import Execution
    from jtrader.trading.orders import OrderTracker
    from jtrader.trading.portfolio import Portfolio
    from jtrader.trading.result import RunResult

__all__ = ["MAX_DRAIN_ROUNDS", "Delivery"]

#: a final drain that keeps producing work past this many rounds is a bug (a strategy that
#: reacts to every event with a new order forever)
MAX_DRAIN_ROUNDS = 1_000_000
_CANCELED, _EXPIRED, _REJECTED = OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.REJECTED


class Delivery:
    """Applies and delivers the events of one run. See the module docstring."""

    __slots__ = (
        "_ctx",
        "_emergency",
        "_on_order_event",
        "_on_risk_event",
        "_portfolio",
        "_record",
        "_result",
        "_tracker",
        "deferred",
    )

    def __init__(
        self,
        *,
        tracker: OrderTracker,
        portfolio: Portfolio,
        result: RunResult,
        emergency: EmergencyHooks | None,
        ctx: Context,
        on_order_event: Callable[[Context, Any], None] | None,
        on_risk_event: Callable[[Context, Any], None] | None,
        record_events: bool,
    ) -> None:
        self._tracker = tracker
        self._portfolio = portfolio
        self._result = result
        self._emergency = emergency
        self._ctx = ctx
        self._on_order_event = on_order_event
        self._on_risk_event = on_risk_event
        self._record = result.events.append if record_events else None
        #: risk/emergency events waiting for the current callback to return
        self.deferred: list[Any] = []

    def emit(self, event: Any) -> None:
        """Record a risk/emergency event now; the strategy receives it after the current callback."""
        if self._record is not None:
            self._record(event)
        self.deferred.append(event)

    def exchange_events(self, events: list[Any]) -> None:
        """Apply exchange events to tracker and portfolio, record them, hand them to the emergency manager, strategy."""
        tracker = self._tracker
        result = self._result
        emergency = self._emergency
        on_order_event = self._on_order_event
        ctx = self._ctx
        record = self._record
        deferred = self.deferred
        for ev in events:
            kind = type(ev)
            if kind is OrderFilled:
                result.fills += 1
                self._portfolio.apply_fill(ev)
                tracker.filled(ev)
            elif kind is OrderAccepted:
                tracker.accepted(ev.order_id)
            elif kind is OrderCanceled:
                result.cancels += 1
                tracker.closed(ev.order_id, _CANCELED)
            elif kind is OrderExpired:
                tracker.closed(ev.order_id, _EXPIRED)
            elif kind is OrderRejected:
                result.rejections += 1
                by_reason = result.rejections_by_reason
                by_reason[ev.reason.value] = by_reason.get(ev.reason.value, 0) + 1
                tracker.closed(ev.order_id, _REJECTED)
            elif kind is CancelRejected:
                tracker.cancel_failed(ev.order_id)
            elif kind is not OrderTriggered:
                raise InvariantError(f"the exchange produced an unknown event {ev!r}")
            if record is not None:
                record(ev)
            if emergency is not None:
                emergency.on_event(ev)
            if on_order_event is not None:
                on_order_event(ctx, ev)
            if deferred:
                self.flush()

    def flush(self) -> None:
        """Deliver deferred risk/emergency events to the emergency manager and the strategy."""
        emergency = self._emergency
        deferred = self.deferred
        while deferred:
            batch = deferred[:]
            deferred.clear()
            for ev in batch:
                if type(ev) is RiskStateChanged or type(ev) is EmergencyAction:
                    if self._on_risk_event is not None:
                        self._on_risk_event(self._ctx, ev)
                    continue
                if emergency is not None:
                    emergency.on_event(ev)
                if self._on_order_event is not None:
                    self._on_order_event(self._ctx, ev)

    def drain(self, execution: Execution, clock: Clock) -> None:
        """Deliver every event the execution still holds, moving the clock to each wake-up."""
        for _ in range(MAX_DRAIN_ROUNDS):
            wakeup = execution.next_wakeup()
            if wakeup is None:
                return
            clock.now = max(clock.now, wakeup)
            events = execution.advance(clock.now)
            if events:
                self.exchange_events(events)
            elif wakeup <= clock.now and execution.next_wakeup() == wakeup:
                return  # the execution has nothing it can do without market data
            self.flush()
        raise InvariantError(f"the final drain did not settle after {MAX_DRAIN_ROUNDS} rounds")
