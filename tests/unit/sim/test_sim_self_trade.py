"""Self-trade prevention: a taker of ours that would meet a resting order of ours, in each venue mode.

The book shows asks from 102 and bids to 98; our own sell rests inside the spread at 100.
"""

from __future__ import annotations

from typing import Any

import pytest
from sim_helpers import (
    BUY,
    FOK,
    LIMIT,
    MARKET,
    SELL,
    STOP,
    T0,
    U,
    exchange,
    fills,
    instrument,
    kinds,
    order,
    send,
    snap,
    trade,
)

from jtrader.errors import ConfigError
from jtrader.model import OrderExpired, RejectReason
from jtrader.model.rules import OrderRules
from jtrader.sim import Balance, FeeModel, SimulatedExchange


def with_own_ask(**kw: Any) -> SimulatedExchange:
    ex = exchange(**kw)
    ex.on_market(snap(T0, [(98, 5)], [(102, 5), (103, 5)]))
    assert kinds(send(ex, order(T0 + 1, "maker", SELL, LIMIT, 3, price=100))) == ["OrderAccepted"]
    return ex


def outcome(events: list[Any]) -> list[tuple[str, str, Any]]:
    """(event, order id, fill price / expiry reason) in order."""
    out = []
    for e in events:
        name = type(e).__name__
        detail = e.price if name == "OrderFilled" else getattr(e, "reason", "")
        out.append((name, e.order_id, detail))
    return out


STP = "self-trade prevention {}: EXPIRED_IN_MATCH"


@pytest.mark.parametrize(
    ("mode", "events", "open_after"),
    [
        (
            "NONE",  # no prevention: the two trade with each other at the maker's price
            [
                ("OrderAccepted", "taker", ""),
                ("OrderFilled", "taker", 100),
                ("OrderFilled", "maker", 100),
            ],
            [("taker", 2)],
        ),
        (
            "EXPIRE_TAKER",
            [("OrderAccepted", "taker", ""), ("OrderExpired", "taker", STP.format("EXPIRE_TAKER"))],
            [("maker", 3)],
        ),
        (
            "EXPIRE_MAKER",
            [("OrderAccepted", "taker", ""), ("OrderExpired", "maker", STP.format("EXPIRE_MAKER"))],
            [("taker", 5)],
        ),
        (
            "EXPIRE_BOTH",
            [
                ("OrderAccepted", "taker", ""),
                ("OrderExpired", "maker", STP.format("EXPIRE_BOTH")),
                ("OrderExpired", "taker", STP.format("EXPIRE_BOTH")),
            ],
            [],
        ),
        (
            "DECREMENT",  # both lose 3: the maker is gone, the taker rests with 2
            [("OrderAccepted", "taker", ""), ("OrderExpired", "maker", STP.format("DECREMENT"))],
            [("taker", 2)],
        ),
    ],
)
def test_a_crossing_limit_meets_our_own_resting_order_as_the_mode_says(
    mode: str, events: list[tuple[str, str, Any]], open_after: list[tuple[str, int]]
) -> None:
    ex = with_own_ask(stp_mode=mode)
    assert outcome(send(ex, order(T0 + 2, "taker", BUY, LIMIT, 5, price=101))) == events
    assert [(o.order_id, o.leaves) for o in ex.open_orders()] == open_after


def test_with_no_prevention_a_self_trade_pays_both_fees_and_moves_no_position() -> None:
    ex = with_own_ask(stp_mode="NONE", fees=FeeModel("10", "20"))
    send(ex, order(T0 + 2, "taker", BUY, MARKET, 3))
    assert ex.balance("BTC").total == 100 * U
    assert ex.balance("USD").total == 1_000_000 * U - 300 * U * 20 // 10_000 - 300 * U * 10 // 10_000


def test_a_market_order_walks_our_order_and_the_displayed_levels_in_price_order() -> None:
    ex = with_own_ask(stp_mode="NONE")
    assert fills(send(ex, order(T0 + 2, "m", BUY, MARKET, 5))) == [
        (100, 3, "TAKER"),
        (100, 3, "MAKER"),
        (102, 2, "TAKER"),
    ]
    ex2 = with_own_ask(stp_mode="EXPIRE_MAKER")
    assert fills(send(ex2, order(T0 + 2, "m", BUY, MARKET, 5))) == [(102, 5, "TAKER")]


def test_at_one_price_the_displayed_size_comes_before_our_own_order() -> None:
    ex = exchange(stp_mode="EXPIRE_TAKER")
    ex.on_market(snap(T0, [(98, 5)], [(102, 5)]))
    send(ex, order(T0 + 1, "maker", SELL, LIMIT, 3, price=102))  # behind the 5 displayed
    events = send(ex, order(T0 + 2, "taker", BUY, LIMIT, 8, price=102))
    assert fills(events) == [(102, 5, "TAKER")]
    assert outcome(events)[-1] == ("OrderExpired", "taker", STP.format("EXPIRE_TAKER"))


def test_the_instruments_venue_default_applies_and_the_exchange_option_overrides_it() -> None:
    inst = instrument(rules=OrderRules(stp_mode="EXPIRE_MAKER"))
    venue = with_own_ask(instruments=[inst])
    assert outcome(send(venue, order(T0 + 2, "t", BUY, LIMIT, 1, price=101)))[1][1] == "maker"
    forced = with_own_ask(instruments=[inst], stp_mode="EXPIRE_TAKER")
    assert outcome(send(forced, order(T0 + 2, "t", BUY, LIMIT, 1, price=101)))[1][1] == "t"


def test_post_only_that_would_take_our_own_order_is_rejected() -> None:
    ex = with_own_ask()
    (event,) = send(ex, order(T0 + 2, "p", BUY, LIMIT, 1, price=100, post_only=True))
    assert event.reason is RejectReason.POST_ONLY_WOULD_CROSS and "maker" in event.message


def test_fok_counts_only_what_it_would_fill_before_prevention_stops_it() -> None:
    ex = with_own_ask(stp_mode="EXPIRE_TAKER")
    (event,) = send(ex, order(T0 + 2, "f", BUY, LIMIT, 1, price=102, tif=FOK))
    assert event.reason is RejectReason.FOK_NOT_FILLABLE
    assert [o.order_id for o in ex.open_orders()] == ["maker"] and ex.balance("BTC") == Balance(100 * U, 3 * U)


def test_a_triggered_stop_is_a_taker_too() -> None:
    ex = with_own_ask(stp_mode="EXPIRE_TAKER")
    send(ex, order(T0 + 2, "stop", BUY, STOP, 2, stop_price=101))
    ex.on_market(trade(T0 + 3, 101, 1, SELL))  # a seller hit a bid at 101: the stop triggers
    events = ex.advance(T0 + 3)
    assert kinds(events) == ["OrderTriggered", "OrderExpired"]
    assert isinstance(events[-1], OrderExpired) and events[-1].order_id == "stop"


def test_a_quote_sized_market_buy_decrements_by_what_its_budget_would_buy() -> None:
    ex = with_own_ask(stp_mode="DECREMENT")
    events = send(ex, order(T0 + 2, "q", BUY, MARKET, 0, quote_size=520 * U))
    # 300 of the budget would have bought our own 3 lots at 100: prevented; 220 buys 2 at 102
    assert outcome(events) == [
        ("OrderAccepted", "q", ""),
        ("OrderExpired", "maker", STP.format("DECREMENT")),
        ("OrderFilled", "q", 102),
    ]
    assert events[-1].size == 2 and events[-1].leaves == 0


def test_an_unknown_mode_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match="stp_mode"):
        SimulatedExchange([instrument()], stp_mode="TRANSFER")


def test_decrement_expires_the_smaller_taker_and_leaves_the_maker_smaller() -> None:
    ex = with_own_ask(stp_mode="DECREMENT")
    events = send(ex, order(T0 + 2, "taker", BUY, LIMIT, 2, price=101))
    assert outcome(events) == [("OrderAccepted", "taker", ""), ("OrderExpired", "taker", STP.format("DECREMENT"))]
    assert [(o.order_id, o.size, o.leaves) for o in ex.open_orders()] == [("maker", 1, 1)]
    assert ex.balance("BTC").locked == 3 * U  # the maker keeps its lock until it ends


def test_a_quote_budget_that_runs_out_inside_our_own_order_self_trades_what_it_can_pay() -> None:
    ex = with_own_ask(stp_mode="NONE")
    assert fills(send(ex, order(T0 + 2, "q", BUY, MARKET, 0, quote_size=250 * U))) == [
        (100, 2, "TAKER"),
        (100, 2, "MAKER"),
    ]
