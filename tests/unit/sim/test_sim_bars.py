"""Candle fills: next open or close for market orders, limit gap improvement, stop gaps, stop first."""

from __future__ import annotations

from sim_helpers import (
    BUY,
    FOK,
    IOC,
    LIMIT,
    MARKET,
    SELL,
    STOP,
    STOP_LIMIT,
    SYM,
    T0,
    U,
    bar,
    exchange,
    fills,
    kinds,
    order,
    send,
)

from jtrader.model import RejectReason
from jtrader.sim import Balance, FeeModel

M = 60 * 10**9  # one-minute bars


def with_bar(**kw):  # type: ignore[no-untyped-def]
    ex = exchange(**kw)
    ex.on_market(bar(T0, 100, 105, 95, 100))
    return ex


def test_market_order_sent_at_bar_i_fills_at_the_open_of_bar_i_plus_1() -> None:
    ex = with_bar()
    assert kinds(send(ex, order(T0, "m", BUY, MARKET, 3))) == ["OrderAccepted"]
    assert ex.open_orders()[0].order_type is MARKET
    ex.on_market(bar(T0 + M, 102, 110, 90, 108))
    events = ex.advance(T0 + M)
    assert fills(events) == [(102, 3, "TAKER")]
    assert events[0].ts == T0 + M
    assert ex.last_price(SYM) == 108


def test_close_mode_fills_a_market_order_at_the_last_close_immediately() -> None:
    ex = with_bar(bar_fill="close")
    assert fills(send(ex, order(T0, "m", SELL, MARKET, 3))) == [(100, 3, "TAKER")]
    send(ex, order(T0, "q", BUY, MARKET, 0, quote_size=250 * U))
    assert ex.balance("BTC").total == 99 * U


def test_quote_size_market_buy_is_cash_over_price_times_one_plus_fee_floored_to_the_lot() -> None:
    ex = with_bar(usd=10_000, fees=FeeModel(taker_bps="10"))
    send(ex, order(T0, "q", BUY, MARKET, 0, quote_size=10_000 * U))
    assert ex.balance("USD").locked == 10_000 * U
    ex.on_market(bar(T0 + M, 99, 100, 98, 99))
    (fill,) = [e for e in ex.advance(T0 + M) if type(e).__name__ == "OrderFilled"]
    assert fill.size == 100  # 10000 / (99 * 1.001) = 100.9
    assert fill.fee == 99 * 100 * U // 1000 + (1 if 99 * 100 * U % 1000 else 0)
    assert ex.balance("USD") == Balance(10_000 * U - 9900 * U - fill.fee, 0)


def test_quote_size_too_small_for_one_lot_at_the_open_expires() -> None:
    ex = with_bar()
    send(ex, order(T0, "q", BUY, MARKET, 0, quote_size=101 * U))
    ex.on_market(bar(T0 + M, 102, 103, 101, 102))
    assert kinds(ex.advance(T0 + M)) == ["OrderExpired"]
    assert ex.balance("USD") == Balance(1_000_000 * U, 0)


def test_market_buy_clipped_to_the_cash_when_the_next_open_gaps_up() -> None:
    ex = with_bar(usd=1000)
    send(ex, order(T0, "m", BUY, MARKET, 10))  # 10 * 100 fits at the last close
    ex.on_market(bar(T0 + M, 125, 130, 120, 125))
    events = ex.advance(T0 + M)
    assert fills(events) == [(125, 8, "TAKER")]
    assert events[-1].reason == "insufficient balance"


def test_resting_buy_limit_fills_on_touch_at_the_limit_or_at_a_better_gap_open() -> None:
    ex = with_bar()
    send(ex, order(T0, "a", BUY, LIMIT, 1, price=97))
    send(ex, order(T0, "b", BUY, LIMIT, 1, price=93))
    ex.on_market(bar(T0 + M, 99, 101, 96, 98))
    assert fills(ex.advance(T0 + M)) == [(97, 1, "MAKER")]
    ex.on_market(bar(T0 + 2 * M, 90, 92, 88, 91))  # gaps below 93: filled at the better open
    assert fills(ex.advance(T0 + 2 * M)) == [(90, 1, "MAKER")]


def test_resting_sell_limit_fills_when_the_high_reaches_it() -> None:
    ex = with_bar()
    send(ex, order(T0, "s", SELL, LIMIT, 2, price=104))
    ex.on_market(bar(T0 + M, 101, 103, 99, 102))
    assert ex.advance(T0 + M) == []
    ex.on_market(bar(T0 + 2 * M, 106, 108, 105, 107))
    assert fills(ex.advance(T0 + 2 * M)) == [(106, 2, "MAKER")]


def test_marketable_limit_waits_for_the_next_open_and_fills_there_as_taker() -> None:
    ex = with_bar()
    send(ex, order(T0, "a", BUY, LIMIT, 1, price=101))
    send(ex, order(T0, "i", BUY, LIMIT, 1, price=100, tif=IOC))
    send(ex, order(T0, "g", BUY, LIMIT, 1, price=100))
    ex.on_market(bar(T0 + M, 101, 103, 99, 102))
    events = ex.advance(T0 + M)
    assert [(e.order_id, type(e).__name__) for e in events] == [
        ("a", "OrderFilled"),
        ("i", "OrderExpired"),
        ("g", "OrderFilled"),
    ]
    assert fills(events) == [(101, 1, "TAKER"), (100, 1, "MAKER")]


def test_bar_mode_post_only_fok_and_ioc_rules_use_the_last_close() -> None:
    ex = with_bar(bar_fill="close")
    assert (
        send(ex, order(T0, "p", BUY, LIMIT, 1, price=100, post_only=True))[0].reason
        is RejectReason.POST_ONLY_WOULD_CROSS
    )
    assert send(ex, order(T0, "f", BUY, LIMIT, 1, price=99, tif=FOK))[0].reason is RejectReason.FOK_NOT_FILLABLE
    assert kinds(send(ex, order(T0, "i", BUY, LIMIT, 1, price=99, tif=IOC))) == ["OrderAccepted", "OrderExpired"]
    assert fills(send(ex, order(T0, "x", BUY, LIMIT, 1, price=101, tif=FOK))) == [(100, 1, "TAKER")]


def test_buy_stop_fills_at_the_stop_inside_the_bar_and_at_the_open_on_a_gap() -> None:
    ex = with_bar()
    send(ex, order(T0, "in", BUY, STOP, 1, stop_price=103))
    send(ex, order(T0, "gap", BUY, STOP, 1, stop_price=108))
    ex.on_market(bar(T0 + M, 101, 104, 100, 102))
    assert fills(ex.advance(T0 + M)) == [(103, 1, "TAKER")]
    ex.on_market(bar(T0 + 2 * M, 110, 112, 109, 111))
    events = ex.advance(T0 + 2 * M)
    assert kinds(events) == ["OrderTriggered", "OrderFilled"]
    assert fills(events) == [(110, 1, "TAKER")]


def test_stop_loss_is_processed_before_take_profit_when_both_lie_in_one_bar() -> None:
    ex = exchange(btc=0)
    ex.on_market(bar(T0, 100, 101, 99, 100))
    send(ex, order(T0, "entry", BUY, MARKET, 5))
    ex.on_market(bar(T0 + M, 100, 101, 99, 100))
    send(ex, order(T0 + M, "tp", SELL, LIMIT, 5, price=105, reduce_only=True))
    send(ex, order(T0 + M, "sl", SELL, STOP, 5, stop_price=95, reduce_only=True))
    ex.advance(T0 + M)
    ex.on_market(bar(T0 + 2 * M, 100, 106, 94, 100))  # both inside: stop first
    events = ex.advance(T0 + 2 * M)
    assert [(type(e).__name__, e.order_id) for e in events] == [
        ("OrderTriggered", "sl"),
        ("OrderFilled", "sl"),
        ("OrderCanceled", "tp"),
    ]
    assert fills(events) == [(95, 5, "TAKER")]


def test_sell_stop_gap_down_fills_at_the_worse_open() -> None:
    ex = with_bar()
    send(ex, order(T0, "s", SELL, STOP, 2, stop_price=95))
    ex.on_market(bar(T0 + M, 90, 92, 85, 91))
    assert fills(ex.advance(T0 + M)) == [(90, 2, "TAKER")]


def test_stop_limit_on_bars_fills_in_the_trigger_bar_only_when_unambiguous() -> None:
    ex = with_bar()
    send(ex, order(T0, "above", BUY, STOP_LIMIT, 1, stop_price=103, price=104))  # limit beyond stop: at stop
    send(ex, order(T0, "below", BUY, STOP_LIMIT, 1, stop_price=103, price=101))  # needs a dip after the trigger
    ex.on_market(bar(T0 + M, 101, 104, 100, 102))
    events = ex.advance(T0 + M)
    assert [(type(e).__name__, e.order_id) for e in events] == [
        ("OrderTriggered", "above"),
        ("OrderFilled", "above"),
        ("OrderTriggered", "below"),
    ]
    assert fills(events) == [(103, 1, "TAKER")]
    assert ex.open_orders()[0].triggered
    ex.on_market(bar(T0 + 2 * M, 102, 103, 100, 101))
    assert fills(ex.advance(T0 + 2 * M)) == [(101, 1, "MAKER")]


def test_stop_limit_triggered_by_a_gap_open_acts_as_a_limit_for_the_whole_bar() -> None:
    ex = with_bar()
    send(ex, order(T0, "open", SELL, STOP_LIMIT, 1, stop_price=97, price=95))
    send(ex, order(T0, "dip", SELL, STOP_LIMIT, 1, stop_price=97, price=99))
    send(ex, order(T0, "none", SELL, STOP_LIMIT, 1, stop_price=97, price=120))
    ex.on_market(bar(T0 + M, 96, 100, 93, 94))
    assert fills(ex.advance(T0 + M)) == [(96, 1, "TAKER"), (99, 1, "MAKER")]
    (view,) = ex.open_orders()
    assert (view.order_id, view.triggered) == ("none", True)


def test_idle_bars_only_move_the_last_price() -> None:
    ex = with_bar()
    before = (ex.balance("USD"), ex.open_orders(), ex.next_wakeup())
    for i in range(1, 5):
        ex.on_market(bar(T0 + i * M, 100 + i, 110, 90, 100 + i))
    assert ex.last_price(SYM) == 104
    assert (ex.balance("USD"), ex.open_orders(), ex.next_wakeup()) == before
    ex.on_market(bar(T0 + 9 * M, 1, 1, 1, 1, symbol="NOPE"))
    assert ex.ignored_messages == 1


def test_stop_already_through_the_last_close_is_rejected() -> None:
    ex = with_bar()
    assert send(ex, order(T0, "s", BUY, STOP, 1, stop_price=100))[0].reason is RejectReason.STOP_WOULD_TRIGGER
    assert send(ex, order(T0, "t", SELL, STOP, 1, stop_price=100))[0].reason is RejectReason.STOP_WOULD_TRIGGER
