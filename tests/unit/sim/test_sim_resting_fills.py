"""Resting limit orders filled by the market: queue position, trades through, crossed books, stops."""

from __future__ import annotations

from sim_helpers import (
    BUY,
    LIMIT,
    MARKET,
    SELL,
    STOP,
    STOP_LIMIT,
    SYM,
    T0,
    U,
    delta,
    exchange,
    fills,
    kinds,
    order,
    quote,
    send,
    snap,
    trade,
)

from jtrader.model import BookResync, OrderTriggered, SequenceGap
from jtrader.sim import Balance, FeeModel


def resting_buy(size: int = 50, ahead: int = 100, price: int = 100):  # type: ignore[no-untyped-def]
    ex = exchange()
    ex.on_market(snap(T0, [(price, ahead), (price - 1, 10)], [(price + 1, 10)]))
    send(ex, order(T0 + 1, "b", BUY, LIMIT, size, price=price))
    return ex


def test_queue_example_100_ahead_trades_80_then_30_fill_10_then_50_fills_40() -> None:
    ex = resting_buy(size=50, ahead=100)
    ex.on_market(trade(T0 + 2, 100, 80, SELL))
    assert ex.advance(T0 + 2) == []
    ex.on_market(trade(T0 + 3, 100, 30, SELL))
    assert fills(ex.advance(T0 + 3)) == [(100, 10, "MAKER")]
    ex.on_market(trade(T0 + 4, 100, 50, SELL))
    events = ex.advance(T0 + 4)
    assert fills(events) == [(100, 40, "MAKER")]
    assert events[-1].leaves == 0 and ex.open_orders() == []


def test_only_opposite_or_unknown_aggressor_trades_fill_resting_orders() -> None:
    ex = resting_buy(size=5, ahead=0)
    ex.on_market(trade(T0 + 2, 100, 3, BUY))  # a buyer lifted an offer: says nothing about our bid
    assert ex.advance(T0 + 2) == []
    ex.on_market(trade(T0 + 3, 100, 3, None))
    assert fills(ex.advance(T0 + 3)) == [(100, 3, "MAKER")]
    ex.on_market(trade(T0 + 4, 100, 1, SELL))
    assert fills(ex.advance(T0 + 4)) == [(100, 1, "MAKER")]


def test_trade_through_our_price_fills_at_our_limit_capped_at_the_trade_size() -> None:
    ex = resting_buy(size=50, ahead=100)
    ex.on_market(trade(T0 + 2, 98, 7, SELL))
    assert fills(ex.advance(T0 + 2)) == [(100, 7, "MAKER")]  # our price, not the better 98
    ex.on_market(trade(T0 + 3, 100, 5, SELL))  # the queue ahead is gone after a trade through
    assert fills(ex.advance(T0 + 3)) == [(100, 5, "MAKER")]


def test_one_trade_is_a_budget_shared_by_our_orders_in_price_time_priority() -> None:
    ex = exchange()
    ex.on_market(snap(T0, [(90, 1)], [(110, 1)]))
    send(ex, order(T0 + 1, "late_high", BUY, LIMIT, 4, price=102))
    send(ex, order(T0 + 1, "low", BUY, LIMIT, 4, price=101))
    send(ex, order(T0 + 1, "early_high", BUY, LIMIT, 4, price=102))
    ex.on_market(trade(T0 + 2, 100, 6, SELL))
    got = [(e.order_id, e.size) for e in ex.advance(T0 + 2)]
    assert got == [("late_high", 4), ("early_high", 2)]


def test_level_shrink_caps_the_queue_and_deletion_clears_it() -> None:
    ex = resting_buy(size=10, ahead=100)
    ex.on_market(delta(T0 + 2, bids=[(100, 30)]))  # cancels: assumed behind us, but ahead <= 30
    ex.on_market(trade(T0 + 3, 100, 35, SELL))
    assert fills(ex.advance(T0 + 3)) == [(100, 5, "MAKER")]
    ex2 = resting_buy(size=10, ahead=100)
    ex2.on_market(delta(T0 + 2, bids=[(100, 0)]))
    ex2.on_market(trade(T0 + 3, 100, 4, SELL))
    assert fills(ex2.advance(T0 + 3)) == [(100, 4, "MAKER")]


def test_level_growth_after_we_join_is_behind_us() -> None:
    ex = resting_buy(size=10, ahead=5)
    ex.on_market(delta(T0 + 2, bids=[(100, 500)]))
    ex.on_market(trade(T0 + 3, 100, 8, SELL))
    assert fills(ex.advance(T0 + 3)) == [(100, 3, "MAKER")]


def test_book_crossing_our_resting_order_fills_at_our_price_capped_and_consumed() -> None:
    ex = resting_buy(size=10, ahead=100)
    ex.on_market(delta(T0 + 2, asks=[(99, 3), (100, 2)]))  # asks now cross our 100 bid
    assert fills(ex.advance(T0 + 2)) == [(100, 3, "MAKER"), (100, 2, "MAKER")]
    ex.on_market(delta(T0 + 3, bids=[(95, 1)]))  # an unrelated update: the crossed asks stay consumed
    assert ex.advance(T0 + 3) == []
    ex.on_market(delta(T0 + 4, asks=[(99, 4)]))  # fresh size at 99
    assert fills(ex.advance(T0 + 4)) == [(100, 4, "MAKER")]
    assert ex.open_orders()[0].leaves == 1


def test_sell_side_mirrors_queue_trade_and_cross_rules() -> None:
    ex = exchange()
    ex.on_market(snap(T0, [(99, 10)], [(101, 4)]))
    send(ex, order(T0 + 1, "s", SELL, LIMIT, 10, price=101))
    ex.on_market(trade(T0 + 2, 101, 6, BUY))
    assert fills(ex.advance(T0 + 2)) == [(101, 2, "MAKER")]
    ex.on_market(trade(T0 + 3, 103, 3, BUY))
    assert fills(ex.advance(T0 + 3)) == [(101, 3, "MAKER")]
    ex.on_market(delta(T0 + 4, bids=[(102, 1)], asks=[(101, 1)]))
    assert fills(ex.advance(T0 + 4)) == [(101, 1, "MAKER")]
    assert ex.balance("BTC") == Balance(94 * U, 4 * U)


def test_resync_empties_the_book_ignores_deltas_and_waits_for_a_snapshot() -> None:
    ex = resting_buy(size=10, ahead=0)
    ex.on_market(BookResync(T0 + 2, SYM, "gap"))
    assert ex.book(SYM).empty
    ex.on_market(delta(T0 + 3, asks=[(99, 5)]))  # would cross us, but the book is not trusted
    assert ex.advance(T0 + 3) == [] and ex.dropped_deltas == 1
    assert send(ex, order(T0 + 4, "m", BUY, MARKET, 1))[0].reason.value == "NO_MARKET"
    ex.on_market(snap(T0 + 5, [(100, 1)], [(99, 2)]))
    assert fills(ex.advance(T0 + 5)) == [(100, 2, "MAKER")]
    ex.on_market(SequenceGap(T0 + 6, "ws", 5, 9, (SYM, "OTHER")))
    assert ex.book(SYM).empty


def test_quotes_make_a_top_of_book_only_for_instruments_without_depth() -> None:
    ex = exchange()
    ex.on_market(quote(T0, 99, 2, 101, 3))
    assert fills(send(ex, order(T0 + 1, "m", BUY, MARKET, 5))) == [(101, 3, "TAKER")]
    send(ex, order(T0 + 2, "b", BUY, LIMIT, 2, price=98))
    ex.on_market(quote(T0 + 3, 97, 1, 98, 1))
    assert fills(ex.advance(T0 + 3)) == [(98, 1, "MAKER")]
    ex.on_market(snap(T0 + 4, [(50, 1)], [(150, 1)]))
    ex.on_market(quote(T0 + 5, 10, 1, 11, 1))  # ignored: depth is authoritative
    assert ex.book(SYM).best_ask == 150
    ex.on_market(quote(T0 + 5, 10, 1, 11, 1, symbol="NOPE"))
    assert ex.ignored_messages == 1


def test_buy_stop_triggers_on_a_trade_at_its_price_and_walks_what_the_prints_left() -> None:
    ex = exchange(fees=FeeModel(taker_bps="10"))
    ex.on_market(snap(T0, [(99, 5)], [(101, 2), (105, 2), (106, 9)]))
    assert kinds(send(ex, order(T0 + 1, "s", BUY, STOP, 3, stop_price=104))) == ["OrderAccepted"]
    ex.on_market(trade(T0 + 2, 103, 1, BUY))
    assert ex.advance(T0 + 2) == []
    ex.on_market(trade(T0 + 3, 104, 1, BUY))
    events = ex.advance(T0 + 3)
    assert isinstance(events[0], OrderTriggered)
    # the prints at 103 and 104 went through the ask at 101: it is gone until the depth names it again
    assert fills(events) == [(105, 2, "TAKER"), (106, 1, "TAKER")]
    assert ex.open_orders() == [] and ex.balance("USD").locked == 0


def test_sell_stop_triggers_on_a_print_not_when_the_best_bid_falls_to_it() -> None:
    ex = exchange()
    ex.on_market(snap(T0, [(99, 5)], [(101, 2)]))
    send(ex, order(T0 + 1, "s", SELL, STOP, 8, stop_price=95))
    ex.on_market(snap(T0 + 2, [(95, 3), (94, 1)], [(96, 2)]))
    assert ex.advance(T0 + 2) == []  # the book reached the stop, but nothing traded there
    ex.on_market(trade(T0 + 3, 95, 1, SELL))
    events = ex.advance(T0 + 3)
    assert kinds(events) == ["OrderTriggered", "OrderFilled", "OrderFilled", "OrderExpired"]
    assert fills(events) == [(95, 2, "TAKER"), (94, 1, "TAKER")]  # the print took 1 of the 3 at 95


def test_with_the_book_trigger_a_sell_stop_triggers_when_the_best_bid_falls_to_it() -> None:
    ex = exchange(stop_trigger="book")
    ex.on_market(snap(T0, [(99, 5)], [(101, 2)]))
    send(ex, order(T0 + 1, "s", SELL, STOP, 8, stop_price=95))
    ex.on_market(snap(T0 + 2, [(95, 3), (94, 1)], [(96, 2)]))
    events = ex.advance(T0 + 2)
    assert kinds(events) == ["OrderTriggered", "OrderFilled", "OrderFilled", "OrderExpired"]
    assert fills(events) == [(95, 3, "TAKER"), (94, 1, "TAKER")]


def test_triggered_stop_limit_takes_up_to_its_limit_and_rests_the_rest() -> None:
    ex = exchange()
    ex.on_market(snap(T0, [(99, 5)], [(102, 3), (103, 2)]))
    send(ex, order(T0 + 1, "sl", BUY, STOP_LIMIT, 5, stop_price=102, price=102))
    ex.on_market(trade(T0 + 2, 102, 1, None))  # takes 1 of the 3 displayed at 102
    events = ex.advance(T0 + 2)
    assert kinds(events) == ["OrderTriggered", "OrderFilled"]
    assert fills(events) == [(102, 2, "TAKER")]
    (view,) = ex.open_orders()
    assert (view.triggered, view.filled, view.leaves) == (True, 2, 3)
    ex.on_market(trade(T0 + 3, 101, 9, SELL))
    assert fills(ex.advance(T0 + 3)) == [(102, 3, "MAKER")]


def test_stop_market_with_no_book_expires_on_trigger() -> None:
    ex = exchange()
    send(ex, order(T0, "s", SELL, STOP, 1, stop_price=90))
    ex.on_market(trade(T0 + 1, 89, 1, SELL))
    assert kinds(ex.advance(T0 + 1)) == ["OrderTriggered", "OrderExpired"]


def test_reduce_only_sells_share_holdings_and_the_rest_is_cancelled_once_they_are_gone() -> None:
    ex = exchange(btc=2)
    ex.on_market(snap(T0, [(99, 5)], [(101, 5)]))
    send(ex, order(T0 + 1, "tp", SELL, LIMIT, 2, price=110, reduce_only=True))
    send(ex, order(T0 + 1, "sl", SELL, STOP, 2, stop_price=95, reduce_only=True))
    ex.on_market(snap(T0 + 2, [(94, 5)], [(96, 5)]))
    ex.on_market(trade(T0 + 2, 95, 1, SELL))
    events = ex.advance(T0 + 2)
    assert [(type(e).__name__, e.order_id) for e in events] == [
        ("OrderTriggered", "sl"),
        ("OrderFilled", "sl"),
        ("OrderCanceled", "tp"),
    ]
    assert events[-1].reason == "reduce_only: holdings exhausted"
    assert ex.balance("BTC") == Balance(0, 0)


def test_reduce_only_resting_sell_is_clipped_when_holdings_shrank_meanwhile() -> None:
    ex = exchange(btc=3)
    ex.on_market(snap(T0, [(99, 5)], [(101, 5)]))
    send(ex, order(T0 + 1, "tp", SELL, LIMIT, 3, price=100, reduce_only=True))
    send(ex, order(T0 + 2, "dump", SELL, MARKET, 2))
    ex.on_market(trade(T0 + 3, 102, 10, BUY))
    events = ex.advance(T0 + 3)
    assert fills(events) == [(100, 1, "MAKER")]
    assert ex.open_orders() == [] and ex.balance("BTC").total == 0
