"""One connection, first in first out; cancel-replace in one request (Binance cancelReplace, STOP_ON_FAILURE)."""

from __future__ import annotations

import pytest
from sim_helpers import BUY, LIMIT, MARKET, MS, SELL, T0, U, cancel, exchange, kinds, order, snap

from jtrader.errors import OrderError, TimestampError
from jtrader.model import CancelRejected, OrderCanceled, OrderRejected, RejectReason, ReplaceOrder
from jtrader.sim import ConstantLatency


def drain(ex):
    events = []
    while (wakeup := ex.next_wakeup()) is not None:
        events += ex.advance(wakeup)
    return events


def test_a_cancel_sent_before_an_order_is_processed_first_even_on_a_slower_leg() -> None:
    # all the USD is locked by the resting bid; the cancel leg (30 ms) is slower than the entry leg (5 ms)
    ex = exchange(usd=100, latency=ConstantLatency(entry_ns=5 * MS, response_ns=0, cancel_ns=30 * MS))
    ex.on_market(snap(T0, [(90, 10)], [(110, 10)]))
    ex.submit(order(T0, "a", BUY, LIMIT, 1, price=100))
    drain(ex)
    t = T0 + 100 * MS
    ex.on_market(snap(t, [(90, 10)], [(110, 10)]))
    ex.cancel(cancel(t, "a"))
    ex.submit(order(t, "b", BUY, LIMIT, 1, price=95))
    assert ex.next_wakeup() == t + 30 * MS  # the order waits behind the cancel on the connection
    events = drain(ex)
    assert [(kind, e.order_id) for kind, e in zip(kinds(events), events, strict=True)] == [
        ("OrderCanceled", "a"),
        ("OrderAccepted", "b"),
    ]


def test_an_order_sent_before_a_cancel_keeps_its_own_arrival_time() -> None:
    ex = exchange(latency=ConstantLatency(entry_ns=20 * MS, response_ns=0, cancel_ns=1 * MS))
    ex.on_market(snap(T0, [(90, 10)], [(110, 10)]))
    ex.submit(order(T0, "a", BUY, LIMIT, 1, price=100))
    ex.cancel(cancel(T0, "a"))
    events = drain(ex)
    # the cancel may not overtake the order it cancels: both arrive at T0 + 20 ms, order first
    assert kinds(events) == ["OrderAccepted", "OrderCanceled"]
    assert {e.ts for e in events} == {T0 + 20 * MS}


def test_replace_cancels_the_order_and_the_new_one_arrives_in_its_place_with_the_freed_balance() -> None:
    ex = exchange(usd=100, latency=ConstantLatency(entry_ns=5 * MS, response_ns=5 * MS))
    ex.on_market(snap(T0, [(90, 10)], [(110, 10)]))
    ex.submit(order(T0, "a", BUY, LIMIT, 1, price=100))
    drain(ex)
    t = T0 + 50 * MS
    ex.on_market(snap(t, [(90, 10)], [(110, 10)]))
    ex.replace(ReplaceOrder(t, "a", order(t, "b", BUY, LIMIT, 1, price=99)))
    events = drain(ex)
    assert kinds(events) == ["OrderCanceled", "OrderAccepted"]
    assert events[0] == OrderCanceled(t + 10 * MS, "a", "BTC-USD", "replaced")
    assert [o.order_id for o in ex.open_orders()] == ["b"]
    assert ex.balance("USD").locked == 99 * U


def test_replace_of_an_order_no_longer_open_refuses_the_new_order_and_changes_nothing() -> None:
    ex = exchange(usd=1_000)
    ex.on_market(snap(T0, [(90, 10)], [(110, 10)]))
    ex.submit(order(T0, "a", BUY, MARKET, 1))
    ex.advance(T0)  # filled and closed
    before = (ex.balance("USD"), ex.balance("BTC"), ex.open_orders())
    ex.replace(ReplaceOrder(T0, "a", order(T0, "b", BUY, LIMIT, 1, price=95)))
    events = ex.advance(T0)
    assert [type(e) for e in events] == [CancelRejected, OrderRejected]
    assert events[0].reason is RejectReason.UNKNOWN_ORDER
    assert events[1].order_id == "b" and events[1].reason is RejectReason.REPLACE_CANCEL_FAILED
    assert (ex.balance("USD"), ex.balance("BTC"), ex.open_orders()) == before


def test_a_replacement_that_the_venue_refuses_after_the_cancel_leaves_the_cancel_done() -> None:
    ex = exchange(usd=100)
    ex.on_market(snap(T0, [(90, 10)], [(110, 10)]))
    ex.submit(order(T0, "a", SELL, LIMIT, 1, price=120))
    ex.advance(T0)
    ex.replace(ReplaceOrder(T0, "a", order(T0, "b", SELL, LIMIT, 1, price=90, post_only=True)))
    events = ex.advance(T0)
    assert kinds(events) == ["OrderCanceled", "OrderRejected"]
    assert events[1].reason is RejectReason.POST_ONLY_WOULD_CROSS
    assert ex.open_orders() == []


def test_replace_refuses_what_is_not_a_replace_of_a_submit_and_absurd_times() -> None:
    ex = exchange()
    with pytest.raises(OrderError):
        ex.replace(cancel(T0, "a"))  # type: ignore[arg-type]
    with pytest.raises(OrderError):
        ex.replace(ReplaceOrder(T0, "a", cancel(T0, "b")))  # type: ignore[arg-type]
    with pytest.raises(TimestampError):
        ex.replace(ReplaceOrder(5, "a", order(5, "b", BUY, LIMIT, 1, price=95)))
