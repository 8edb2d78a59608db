"""One instrument's Matcher, alone: a Ledger (account, fees, outbox) and the Matcher, no exchange around them.

The exchange's job is only to route: these tests drive the matcher the way it does (market data
into ``liq`` first, then ``after_book``/``on_trade``; checked orders into ``arrive``).
"""

from __future__ import annotations

from typing import Any

from sim_helpers import BUY, LIMIT, MARKET, SELL, STOP, SYM, T0, U, bar, delta, instrument, kinds, order, snap, trade

from jtrader.model import RejectReason
from jtrader.sim import ConstantLatency, FeeModel, RiskAverseQueue
from jtrader.sim.ledger import Ledger, Outbox
from jtrader.sim.matcher import Matcher


def alone(**kw: Any) -> tuple[Matcher, Ledger, Outbox]:
    out = Outbox(ConstantLatency(0, 5))
    ledger = Ledger({"USD": 10_000 * U, "BTC": 10 * U}, FeeModel(), out)
    matcher = Matcher(instrument(), ledger, RiskAverseQueue(), **kw)
    ledger.matchers = {SYM: matcher}
    return matcher, ledger, out


def booked(**kw: Any) -> tuple[Matcher, Ledger, Outbox]:
    matcher, ledger, out = alone(**kw)
    matcher.liq.on_snapshot(snap(T0, [(99, 5), (98, 5)], [(101, 2), (102, 3)]))
    return matcher, ledger, out


def test_a_crossing_limit_takes_the_asks_then_rests_and_its_events_wait_in_the_outbox() -> None:
    matcher, ledger, out = booked()
    assert matcher.arrive(order(T0, "b", BUY, LIMIT, 4, price=101), 4, T0) is None
    assert kinds(list(out.events)) == ["OrderAccepted", "OrderFilled"]
    assert [e.ts for e in out.events] == [T0 + 5, T0 + 5]
    assert list(matcher.resting) == ["b"] and matcher.resting["b"].ahead == 0  # 101 is gone: nothing ahead
    assert ledger.account.balance("USD").locked == 2 * 101 * U
    assert matcher.liq.available(BUY, 101) == 0


def test_a_rejection_changes_nothing_and_is_returned_not_emitted() -> None:
    matcher, ledger, out = booked()
    bad = matcher.arrive(order(T0, "b", BUY, LIMIT, 1, price=101, post_only=True), 1, T0)
    assert bad is not None and bad[0] is RejectReason.POST_ONLY_WOULD_CROSS
    assert not out.events and not ledger.orders and not matcher.resting


def test_after_a_book_update_a_crossed_resting_order_fills_at_its_price() -> None:
    matcher, _, out = booked()
    matcher.arrive(order(T0, "b", BUY, LIMIT, 3, price=100), 3, T0)
    matcher.liq.on_delta(delta(T0 + 1, asks=[(100, 1)]))  # an ask at our price appears
    matcher.after_book(T0 + 1)
    filled = [(e.price, e.size, e.liquidity.value) for e in out.take_due(T0 + 10) if type(e).__name__ == "OrderFilled"]
    assert filled == [(100, 1, "MAKER")]


def test_a_print_consumes_the_book_fills_resting_orders_and_triggers_stops() -> None:
    matcher, _, out = booked()
    matcher.arrive(order(T0, "ask", SELL, LIMIT, 1, price=103), 1, T0)
    matcher.arrive(order(T0, "stop", BUY, STOP, 2, stop_price=103), 2, T0)
    out.take_due(T0 + 10)
    msg = trade(T0 + 1, 103, 4, BUY)
    matcher.last_price = msg.price  # the exchange sets it before handing the print over
    matcher.on_trade(msg)
    events = out.take_due(T0 + 10)
    assert kinds(events) == ["OrderFilled", "OrderTriggered", "OrderExpired"]
    assert events[0].order_id == "ask" and events[0].price == 103
    assert events[-1].order_id == "stop"  # the print took every ask below 103: nothing left to buy


def test_cancel_releases_the_lock_and_leaves_no_structure_holding_the_order() -> None:
    matcher, ledger, out = booked()
    matcher.arrive(order(T0, "b", BUY, LIMIT, 1, price=90), 1, T0)
    matcher.arrive(order(T0, "s", SELL, STOP, 1, stop_price=80), 1, T0)
    for oid in ("b", "s"):
        matcher.cancel(ledger.orders[oid], T0 + 1, "user")
    assert not matcher.resting and not matcher.stops and not ledger.orders
    assert ledger.account.balance("USD").locked == 0 and ledger.account.balance("BTC").locked == 0
    assert kinds(list(out.events))[-2:] == ["OrderCanceled", "OrderCanceled"]


def test_bars_price_an_instrument_until_its_book_starts_then_waiting_orders_expire() -> None:
    matcher, _, out = alone()
    b = bar(T0, 100, 101, 99, 100)
    matcher.last_price, matcher.last_bar = b.close, b  # what the exchange does with a bar
    matcher.arrive(order(T0 + 1, "m", BUY, MARKET, 1), 1, T0 + 1)  # waits for the next open
    assert list(matcher.waiting) == ["m"]
    matcher.liq.on_snapshot(snap(T0 + 2, [(99, 1)], [(101, 1)]))
    assert matcher.waiting == {} and matcher.last_price is None and matcher.last_bar is None
    assert [(type(e).__name__, getattr(e, "reason", "")) for e in out.take_due(T0 + 10)][-1] == (
        "OrderExpired",
        "no bars on an instrument with a book",
    )
