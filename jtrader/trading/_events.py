"""Delivering what the exchange and the managers produce: the engine's event bookkeeping.

This module's one job is applying events once they exist: exchange events go to the order
tracker and the portfolio, are recorded, then go to the emergency manager and the strategy;
deferred risk/emergency events are delivered after the callback that caused them; after the last
message the exchange is drained. :class:`jtrader.trading.engine.Engine` binds these functions as
its methods (``self`` is the engine), so the loop calls them with no extra frame.
"""

from __future__ import annotations

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
    from jtrader.trading.engine import Engine

__all__ = ["MAX_DRAIN_ROUNDS", "drain", "exchange_events", "flush"]

#: a final drain that keeps producing work past this many rounds is a bug (a strategy that
#: reacts to every event with a new order forever)
MAX_DRAIN_ROUNDS = 1_000_000
_PENDING, _ACCEPTED, _FILLED, _PARTIALLY_FILLED = (
    OrderStatus.PENDING,
    OrderStatus.ACCEPTED,
    OrderStatus.FILLED,
    OrderStatus.PARTIALLY_FILLED,
)
_CANCELED, _EXPIRED, _REJECTED = OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.REJECTED


def exchange_events(self: Engine, events: list[Any]) -> None:
    """Apply exchange events to tracker and portfolio, record them, hand them to the emergency manager, strategy."""
    tracker = self.tracker
    tracked = tracker.open
    result = self.result
    emergency = self.emergency
    on_order_event = self._on_order_event
    ctx = self.ctx
    record = self.events.append if self.record_events else None
    for ev in events:
        kind = type(ev)
        if kind is OrderFilled:
            result.fills += 1
            self.portfolio.apply_fill(ev)
            order = tracked.get(ev.order_id)  # tracker.filled(ev.order_id, ev.size, ev.leaves), inlined
            if order is not None:
                order.filled += ev.size
                if ev.leaves <= 0:
                    order.status = _FILLED
                    del tracked[ev.order_id]
                else:
                    order.status = _PARTIALLY_FILLED
        elif kind is OrderAccepted:  # tracker.accepted(ev.order_id), inlined: once per order
            order = tracked.get(ev.order_id)
            if order is not None and order.status is _PENDING:
                order.status = _ACCEPTED
        elif kind is OrderCanceled:
            result.cancels += 1
            tracker.closed(ev.order_id, _CANCELED)
        elif kind is OrderExpired:
            tracker.closed(ev.order_id, _EXPIRED)
        elif kind is OrderRejected:
            result.rejections += 1
            tracker.closed(ev.order_id, _REJECTED)
        elif kind is not OrderTriggered and kind is not CancelRejected:
            raise InvariantError(f"the exchange produced an unknown event {ev!r}")
        if record is not None:
            record(ev)
        if emergency is not None:
            emergency.on_event(ev)
        if on_order_event is not None:
            on_order_event(ctx, ev)
        if self._deferred:
            self.flush()


def flush(self: Engine) -> None:
    """Deliver deferred risk/emergency events to the emergency manager and the strategy."""
    emergency = self.emergency
    while self._deferred:
        batch, self._deferred = self._deferred, []
        for ev in batch:
            if type(ev) is RiskStateChanged or type(ev) is EmergencyAction:
                if self._on_risk_event is not None:
                    self._on_risk_event(self.ctx, ev)
                continue
            if emergency is not None:
                emergency.on_event(ev)
            if self._on_order_event is not None:
                self._on_order_event(self.ctx, ev)


def drain(self: Engine) -> None:
    """Deliver every event the exchange still holds, moving the clock to each wake-up."""
    exchange = self.exchange
    clock = self.clock
    for _ in range(MAX_DRAIN_ROUNDS):
        wakeup = exchange.next_wakeup()
        if wakeup is None:
            return
        clock.now = max(clock.now, wakeup)
        events = exchange.advance(clock.now)
        if events:
            self._exchange_events(events)
        elif wakeup <= clock.now and exchange.next_wakeup() == wakeup:
            return  # the exchange has nothing it can do without market data
        self.flush()
    raise InvariantError(f"the final drain did not settle after {MAX_DRAIN_ROUNDS} rounds")
