"""Orders against an L2 book: market, limit, IOC, FOK, post-only, partial fills, consumption, cancels."""

from __future__ import annotations

from sim_helpers import (
    BUY,
    FOK,
    IOC,
    LIMIT,
    MARKET,
    SELL,
    SYM,
    T0,
    U,
    cancel,
    cancel_all,
    delta,
    exchange,
    fills,
    kinds,
    order,
    send,
    snap,
)

from jtrader.model import OrderFilled, RejectReason
from jtrader.sim import Balance, FeeModel

BOOK = snap(T0, [(99, 5), (98, 5), (97, 10)], [(101, 2), (102, 3), (103, 10)])


def booked(**kw):  # type: ignore[no-untyped-def]
    ex = exchange(**kw)
    ex.on_market(BOOK)
    return ex


def test_market_buy_walks_the_asks_and_never_takes_more_than_displayed_per_level() -> None:
    ex = booked()
    events = send(ex, order(T0 + 1, "m", BUY, MARKET, 8))
    assert kinds(events) == ["OrderAccepted", "OrderFilled", "OrderFilled", "OrderFilled"]
    assert fills(events) == [(101, 2, "TAKER"), (102, 3, "TAKER"), (103, 3, "TAKER")]
    assert [e.leaves for e in events[1:]] == [6, 3, 0]
    assert ex.balance("BTC") == Balance(108 * U, 0)
    assert ex.balance("USD") == Balance((1_000_000 - 101 * 2 - 102 * 3 - 103 * 3) * U, 0)
    assert ex.open_orders() == []


def test_market_order_remainder_expires_when_the_book_runs_out() -> None:
    ex = booked()
    events = send(ex, order(T0 + 1, "m", SELL, MARKET, 25))
    assert kinds(events)[-1] == "OrderExpired"
    assert sum(size for _, size, _ in fills(events)) == 20
    assert events[-1].reason == "book exhausted"


def test_taker_fee_is_charged_in_quote_per_fill_and_maker_fee_on_resting_fills() -> None:
    ex = booked(fees=FeeModel(maker_bps="2.5", taker_bps="10"))
    events = send(ex, order(T0 + 1, "m", BUY, MARKET, 3))
    fees_paid = [(e.fee, e.fee_currency) for e in events if isinstance(e, OrderFilled)]
    assert fees_paid == [(101 * 2 * U // 1000, "USD"), (102 * U // 1000, "USD")]
    assert ex.balance("USD").total == (1_000_000 - 304) * U - sum(f for f, _ in fees_paid)
    send(ex, order(T0 + 2, "l", SELL, LIMIT, 4, price=104))
    ex.on_market(delta(T0 + 3, bids=[(105, 4)]))
    maker = [e for e in ex.advance(T0 + 3) if isinstance(e, OrderFilled)]
    assert [(e.price, e.size, e.liquidity.value, e.fee) for e in maker] == [(104, 4, "MAKER", 104 * 4 * U // 4000)]


def test_liquidity_consumed_by_one_order_is_not_available_to_the_next_until_the_level_updates() -> None:
    ex = booked()
    assert fills(send(ex, order(T0 + 1, "a", BUY, MARKET, 2))) == [(101, 2, "TAKER")]
    assert fills(send(ex, order(T0 + 2, "b", BUY, MARKET, 2))) == [(102, 2, "TAKER")]
    ex.on_market(delta(T0 + 3, asks=[(101, 1)]))  # fresh update of 101: its size counts again
    assert fills(send(ex, order(T0 + 4, "c", BUY, MARKET, 2))) == [(101, 1, "TAKER"), (102, 1, "TAKER")]
    ex.on_market(BOOK._replace(ts=T0 + 5))  # a snapshot resets all consumption
    assert fills(send(ex, order(T0 + 6, "d", BUY, MARKET, 1))) == [(101, 1, "TAKER")]


def test_crossing_limit_takes_up_to_its_price_then_rests_behind_the_displayed_size() -> None:
    ex = booked()
    events = send(ex, order(T0 + 1, "l", BUY, LIMIT, 7, price=102))
    assert fills(events) == [(101, 2, "TAKER"), (102, 3, "TAKER")]
    (resting,) = ex.open_orders()
    assert (resting.order_id, resting.filled, resting.leaves, resting.price) == ("l", 5, 2, 102)


def test_gtc_limit_away_from_the_market_rests_and_locks_price_times_size_plus_max_fee() -> None:
    ex = booked(fees=FeeModel(maker_bps="0", taker_bps="10"))
    events = send(ex, order(T0 + 1, "l", BUY, LIMIT, 10, price=95))
    assert kinds(events) == ["OrderAccepted"]
    notional = 950 * U
    assert ex.balance("USD").locked == notional + notional // 1000 + 10  # + one atom per lot of rounding slack
    send(ex, cancel(T0 + 2, "l"))
    assert ex.balance("USD") == Balance(1_000_000 * U, 0)


def test_sell_limit_locks_base_and_releases_it_on_cancel() -> None:
    ex = booked()
    send(ex, order(T0 + 1, "s", SELL, LIMIT, 30, price=110))
    assert ex.balance("BTC") == Balance(100 * U, 30 * U)
    events = send(ex, cancel(T0 + 2, "s"))
    assert kinds(events) == ["OrderCanceled"]
    assert events[0].reason == "user"
    assert ex.balance("BTC") == Balance(100 * U, 0)


def test_ioc_limit_fills_what_crosses_and_expires_the_rest() -> None:
    ex = booked()
    events = send(ex, order(T0 + 1, "i", BUY, LIMIT, 4, price=101, tif=IOC))
    assert kinds(events) == ["OrderAccepted", "OrderFilled", "OrderExpired"]
    assert fills(events) == [(101, 2, "TAKER")]
    assert ex.open_orders() == []
    assert ex.balance("USD").locked == 0


def test_ioc_limit_that_does_not_cross_expires_without_fills() -> None:
    ex = booked()
    assert kinds(send(ex, order(T0 + 1, "i", BUY, LIMIT, 4, price=100, tif=IOC))) == ["OrderAccepted", "OrderExpired"]


def test_fok_fills_completely_across_levels_when_enough_is_displayed() -> None:
    ex = booked()
    events = send(ex, order(T0 + 1, "f", BUY, LIMIT, 5, price=102, tif=FOK))
    assert fills(events) == [(101, 2, "TAKER"), (102, 3, "TAKER")]
    assert kinds(events)[-1] == "OrderFilled"


def test_fok_market_order_is_all_or_nothing() -> None:
    ex = booked()
    events = send(ex, order(T0 + 1, "f", SELL, MARKET, 21, tif=FOK))
    assert kinds(events) == ["OrderRejected"]
    assert events[0].reason is RejectReason.FOK_NOT_FILLABLE
    assert fills(send(ex, order(T0 + 2, "g", SELL, MARKET, 20, tif=FOK)))[-1] == (97, 10, "TAKER")


def test_post_only_that_does_not_cross_rests() -> None:
    ex = booked()
    assert kinds(send(ex, order(T0 + 1, "p", BUY, LIMIT, 1, price=100, post_only=True))) == ["OrderAccepted"]
    assert ex.open_orders()[0].post_only


def test_cancel_all_cancels_every_open_order_or_only_one_symbols() -> None:
    ex = booked()
    send(ex, order(T0 + 1, "a", BUY, LIMIT, 1, price=90))
    send(ex, order(T0 + 1, "b", SELL, LIMIT, 1, price=110))
    assert kinds(send(ex, cancel_all(T0 + 2, "ETH-USD"))) == []
    events = send(ex, cancel_all(T0 + 3, SYM))
    assert [(type(e).__name__, e.order_id) for e in events] == [("OrderCanceled", "a"), ("OrderCanceled", "b")]
    send(ex, order(T0 + 4, "c", BUY, LIMIT, 1, price=90))
    assert [e.order_id for e in send(ex, cancel_all(T0 + 5))] == ["c"]
    assert ex.open_orders() == []
    assert ex.balance("USD").locked == 0 and ex.balance("BTC").locked == 0


def test_cancel_of_an_unknown_or_finished_order_is_rejected_with_unknown_order() -> None:
    ex = booked()
    events = send(ex, cancel(T0 + 1, "nope"))
    assert kinds(events) == ["CancelRejected"]
    assert events[0].reason is RejectReason.UNKNOWN_ORDER
    send(ex, order(T0 + 2, "m", BUY, MARKET, 1))
    assert send(ex, cancel(T0 + 3, "m"))[0].reason is RejectReason.UNKNOWN_ORDER
    assert send(ex, cancel(T0 + 4, 42))[0].order_id == ""  # type: ignore[arg-type]


def test_open_orders_filter_by_symbol_and_are_read_only_snapshots() -> None:
    ex = booked()
    send(ex, order(T0 + 1, "a", BUY, LIMIT, 3, price=90))
    (view,) = ex.open_orders(SYM)
    assert ex.open_orders("ETH-USD") == []
    assert view.leaves == 3 and view.ts_accepted == T0 + 1
    try:
        view.size = 5  # type: ignore[misc]
    except AttributeError:
        pass
    else:  # pragma: no cover - a mutable view would be a defect
        raise AssertionError("OpenOrder must be frozen")
    assert ex.open_orders()[0].size == 3


def test_market_buy_by_quote_size_walks_the_asks_spending_at_most_the_budget() -> None:
    ex = booked(fees=FeeModel(taker_bps="10"))
    budget = 500 * U
    events = send(ex, order(T0 + 1, "q", BUY, MARKET, 0, quote_size=budget))
    got = fills(events)
    assert got == [(101, 2, "TAKER"), (102, 2, "TAKER")]  # 2*101.202 + 2*102.204 = 406.812; a 5th lot would exceed
    spent = 1_000_000 * U - ex.balance("USD").total
    assert spent <= budget
    assert spent == sum(p * s * U + p * s * U // 1000 for p, s, _ in got)
    assert kinds(events)[-1] == "OrderFilled"
    assert events[-1].leaves == 0
