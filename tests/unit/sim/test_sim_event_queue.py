"""The exchange's outgoing events: a FIFO in delivery order, drained whole or in part, and free balances."""

from __future__ import annotations

import pytest
from sim_helpers import BUY, LIMIT, MARKET, MS, SELL, T0, U, bar, delta, exchange, kinds, order, snap, trade

from jtrader.errors import TimestampError
from jtrader.model import BookResync, Heartbeat, OrderAccepted, OrderFilled
from jtrader.sim import ConstantLatency, RandomLatency


def test_free_balance_is_the_free_part_of_the_balance_snapshot() -> None:
    ex = exchange(usd=1_000, btc=2)
    ex.on_market(snap(T0, [(99, 10)], [(101, 10)]))
    ex.submit(order(T0, "b", BUY, LIMIT, 3, price=100))
    ex.submit(order(T0, "s", SELL, LIMIT, 1, price=105))
    ex.advance(T0)
    assert ex.free_balance("USD") == ex.balance("USD").free == 1_000 * U - 300 * U
    assert ex.free_balance("BTC") == ex.balance("BTC").free == 1 * U
    assert ex.free_balance("EUR") == 0


def test_events_come_out_in_production_order_with_delivery_times_that_never_decrease() -> None:
    ex = exchange(latency=RandomLatency(3, entry_ns=(0, 0), response_ns=(0, 50 * MS)))
    ex.on_market(snap(T0, [(99, 100)], [(101, 100)]))
    for i in range(20):
        ex.submit(order(T0, f"o{i}", BUY if i % 2 else SELL, MARKET, 1))
    ex.advance(T0)  # the orders arrive and fill now; their events leave later
    events = []
    while (wakeup := ex.next_wakeup()) is not None:
        events += ex.advance(wakeup)
    assert [e.order_id for e in events if type(e) is OrderAccepted] == [f"o{i}" for i in range(20)]
    times = [e.ts for e in events]
    assert times == sorted(times) and times[-1] > T0
    assert kinds(events[:2]) == ["OrderAccepted", "OrderFilled"]


def test_advance_hands_out_only_the_events_due_and_keeps_the_rest_in_order() -> None:
    ex = exchange(latency=ConstantLatency(entry_ns=0, response_ns=10 * MS))
    ex.on_market(snap(T0, [(99, 100)], [(101, 100)]))
    ex.submit(order(T0, "a", BUY, LIMIT, 1, price=90))
    ex.advance(T0)
    ex.submit(order(T0 + 5 * MS, "b", BUY, LIMIT, 1, price=91))
    assert ex.advance(T0 + 5 * MS) == []
    assert ex.next_wakeup() == T0 + 10 * MS
    first = ex.advance(T0 + 12 * MS)
    assert [(type(e).__name__, e.order_id) for e in first] == [("OrderAccepted", "a")]
    assert ex.next_wakeup() == T0 + 15 * MS
    assert [e.order_id for e in ex.advance(T0 + 15 * MS)] == ["b"]
    assert ex.next_wakeup() is None


def test_a_pending_command_and_a_queued_event_wake_the_exchange_at_the_earlier_time() -> None:
    ex = exchange(latency=ConstantLatency(entry_ns=30 * MS, response_ns=10 * MS))
    ex.on_market(snap(T0, [(99, 100)], [(101, 100)]))
    ex.submit(order(T0, "a", BUY, LIMIT, 1, price=90))
    assert ex.next_wakeup() == T0 + 30 * MS  # only the command in flight
    ex.advance(T0 + 30 * MS)
    ex.submit(order(T0 + 30 * MS, "b", BUY, LIMIT, 1, price=91))
    assert ex.next_wakeup() == T0 + 40 * MS  # a's acceptance leaves before b arrives (60 ms)
    ex.advance(T0 + 40 * MS)
    assert ex.next_wakeup() == T0 + 60 * MS


def test_a_book_update_returns_only_the_events_due_by_its_time() -> None:
    ex = exchange(latency=ConstantLatency(entry_ns=0, response_ns=10 * MS))
    ex.on_market(snap(T0, [(99, 100)], [(101, 100)]))
    ex.submit(order(T0, "a", BUY, LIMIT, 1, price=95))
    ex.advance(T0)
    ex.submit(order(T0 + 5 * MS, "b", BUY, LIMIT, 1, price=96))
    due = ex.on_book(delta(T0 + 12 * MS, bids=[(98, 5)]))
    assert [(type(e).__name__, e.order_id) for e in due] == [("OrderAccepted", "a")]
    assert [e.order_id for e in ex.on_book(delta(T0 + 20 * MS, bids=[(97, 5)]))] == ["b"]
    assert ex.on_book(delta(T0 + 30 * MS, bids=[(97, 6)])) == ()


def test_a_bar_returns_only_the_events_due_by_its_time() -> None:
    minute = 60 * 10**9
    ex = exchange(latency=ConstantLatency(entry_ns=0, response_ns=90 * 10**9))
    ex.on_bar(bar(T0, 100, 101, 99, 100))
    ex.submit(order(T0, "a", BUY, MARKET, 1))
    # a: accepted at T0 (told at 1.5 min), filled at the next open, T0 + 1 min (told at 2.5 min)
    assert ex.on_bar(bar(T0 + minute, 100, 102, 99, 101)) == ()
    ex.submit(order(T0 + minute, "b", BUY, MARKET, 1))
    due = ex.on_bar(bar(T0 + 2 * minute, 101, 103, 100, 102))
    assert [(type(e).__name__, e.order_id) for e in due] == [("OrderAccepted", "a")]
    later = ex.on_bar(bar(T0 + 4 * minute, 102, 104, 101, 103))
    assert [(type(e).__name__, e.order_id) for e in later] == [
        ("OrderFilled", "a"),
        ("OrderAccepted", "b"),
        ("OrderFilled", "b"),
    ]
    assert [e.ts for e in due + later] == [T0 + 90 * 10**9, T0 + 150 * 10**9, T0 + 150 * 10**9, T0 + 210 * 10**9]
    assert all(type(e) in (OrderAccepted, OrderFilled) for e in due + later)


class _RecordingQueue:
    """A queue model that halves the queue on every level update and remembers what it was asked."""

    def __init__(self) -> None:
        self.level_calls: list[tuple[int, int]] = []

    def on_join(self, displayed: int) -> int:
        return displayed

    def on_trade(self, ahead: int, trade_size: int) -> tuple[int, int]:
        return max(ahead - trade_size, 0), max(trade_size - ahead, 0)

    def on_level(self, ahead: int, level_size: int) -> int:
        self.level_calls.append((ahead, level_size))
        return ahead // 2


def test_a_queue_model_other_than_the_default_is_asked_on_every_level_update_of_both_sides() -> None:
    queue = _RecordingQueue()
    ex = exchange(queue=queue)
    ex.on_market(snap(T0, [(99, 8)], [(101, 6)]))
    ex.submit(order(T0, "b", BUY, LIMIT, 1, price=99))
    ex.submit(order(T0, "s", SELL, LIMIT, 1, price=101))
    ex.advance(T0)
    ex.on_market(delta(T0 + 1, bids=[(98, 3)]))
    assert queue.level_calls == [(8, 8), (6, 6)]
    ex.on_market(delta(T0 + 2, asks=[(102, 3)]))
    assert queue.level_calls[2:] == [(4, 8), (3, 6)]
    # the model's queue (1 lot ahead of the sell now) is what a trade at our price must clear first
    ex.on_market(trade(T0 + 3, 101, 1, BUY))
    assert ex.advance(T0 + 3) == []
    ex.on_market(trade(T0 + 4, 101, 1, BUY))
    assert [(type(e).__name__, e.order_id, e.size) for e in ex.advance(T0 + 4)] == [("OrderFilled", "s", 1)]


def test_a_status_message_runs_the_commands_due_first_and_may_not_go_back_in_time() -> None:
    ex = exchange()
    ex.on_market(snap(T0, [(99, 1)], [(101, 1)]))
    ex.submit(order(T0 + 1, "b", BUY, LIMIT, 1, price=90))
    ex.on_market(BookResync(T0 + 2, "NOPE", "gap"))  # an unknown symbol: counted, and the order arrived before it
    assert ex.ignored_messages == 1 and [o.order_id for o in ex.open_orders()] == ["b"]
    with pytest.raises(TimestampError):
        ex.on_market(Heartbeat(T0 + 1, 0))
