"""Venue rules (Instrument.rules, an OrderRules on the instrument grid) are enforced on arrival, before
anything changes, with typed reasons (Binance exchangeInfo filters, Coinbase product fields)."""

from __future__ import annotations

from typing import Any

import pytest
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
    bar,
    exchange,
    instrument,
    kinds,
    order,
    send,
    snap,
    state,
)

from jtrader.model import OrderRejected, RejectReason
from jtrader.model.rules import OrderRules
from jtrader.sim import SimulatedExchange

R = RejectReason


def ruled(**rules: Any) -> SimulatedExchange:
    ex = exchange(instruments=[instrument(rules=OrderRules(**rules))])
    ex.on_market(snap(T0, [(99, 50)], [(101, 50)]))
    return ex


CASES: list[tuple[str, dict[str, Any], dict[str, Any], RejectReason]] = [
    ("size off the step", {"size_step_lots": 5}, {"side": BUY, "kind": LIMIT, "size": 7, "price": 90}, R.INVALID_SIZE),
    (
        "below the minimum size",
        {"min_size_lots": 10},
        {"side": BUY, "kind": LIMIT, "size": 9, "price": 90},
        R.BELOW_MIN_SIZE,
    ),
    (
        "above the maximum size",
        {"max_size_lots": 10},
        {"side": SELL, "kind": LIMIT, "size": 11, "price": 120},
        R.ABOVE_MAX_SIZE,
    ),
    (
        "market above its own maximum",
        {"max_size_lots": 100, "market_max_size_lots": 20},
        {"side": BUY, "kind": MARKET, "size": 25},
        R.ABOVE_MAX_SIZE,
    ),
    (
        "market off its own step",
        {"market_size_step_lots": 10},
        {"side": SELL, "kind": MARKET, "size": 15},
        R.INVALID_SIZE,
    ),
    (
        "market below its own minimum",
        {"market_min_size_lots": 3},
        {"side": BUY, "kind": MARKET, "size": 2},
        R.BELOW_MIN_SIZE,
    ),
    (
        "price off the tick step",
        {"price_step_ticks": 5},
        {"side": BUY, "kind": LIMIT, "size": 1, "price": 91},
        R.INVALID_PRICE,
    ),
    (
        "stop price off the tick step",
        {"price_step_ticks": 5},
        {"side": BUY, "kind": STOP, "size": 1, "stop_price": 112},
        R.INVALID_PRICE,
    ),
    (
        "price below the range",
        {"min_price_ticks": 95},
        {"side": BUY, "kind": LIMIT, "size": 1, "price": 94},
        R.PRICE_OUT_OF_RANGE,
    ),
    (
        "stop above the range",
        {"max_price_ticks": 110},
        {"side": BUY, "kind": STOP_LIMIT, "size": 1, "stop_price": 111, "price": 105},
        R.PRICE_OUT_OF_RANGE,
    ),
    (
        "limit notional below the minimum",
        {"min_notional_atoms": 100 * U},
        {"side": BUY, "kind": LIMIT, "size": 1, "price": 90},
        R.BELOW_MIN_NOTIONAL,
    ),
    (
        "limit notional above the maximum",
        {"max_notional_atoms": 1000 * U},
        {"side": SELL, "kind": LIMIT, "size": 10, "price": 120},
        R.ABOVE_MAX_NOTIONAL,
    ),
    (
        "stop-market notional at its stop",
        {"min_notional_atoms": 200 * U},
        {"side": BUY, "kind": STOP, "size": 1, "stop_price": 150},
        R.BELOW_MIN_NOTIONAL,
    ),
    (
        "market notional at the touch",
        {"min_notional_atoms": 102 * U},
        {"side": BUY, "kind": MARKET, "size": 1},
        R.BELOW_MIN_NOTIONAL,
    ),
    (
        "market notional above the maximum at the touch",
        {"max_notional_atoms": 500 * U},
        {"side": SELL, "kind": MARKET, "size": 6},
        R.ABOVE_MAX_NOTIONAL,
    ),
    (
        "market funds below Coinbase's min_market_funds",
        {"min_market_funds_atoms": 200 * U},
        {"side": SELL, "kind": MARKET, "size": 2},
        R.BELOW_MIN_NOTIONAL,
    ),
    (
        "quote amount off the quote step",
        {"quote_step_atoms": U // 100},
        {"side": BUY, "kind": MARKET, "size": 0, "quote_size": 500 * U + 1},
        R.INVALID_SIZE,
    ),
    (
        "quote amount below the market funds",
        {"min_market_funds_atoms": 1000 * U},
        {"side": BUY, "kind": MARKET, "size": 0, "quote_size": 999 * U},
        R.BELOW_MIN_NOTIONAL,
    ),
    (
        "quote amount above the maximum notional",
        {"max_notional_atoms": 1000 * U},
        {"side": BUY, "kind": MARKET, "size": 0, "quote_size": 1001 * U},
        R.ABOVE_MAX_NOTIONAL,
    ),
]


@pytest.mark.parametrize(("case", "rules", "fields", "reason"), CASES, ids=[c[0] for c in CASES])
def test_a_venue_rule_rejects_with_its_typed_reason_and_changes_nothing(
    case: str, rules: dict[str, Any], fields: dict[str, Any], reason: RejectReason
) -> None:
    ex = ruled(**rules)
    send(ex, order(T0, "resting", BUY, LIMIT, 10, price=90))  # something open, to show it stays
    before = state(ex)
    fields = dict(fields)
    events = send(ex, order(T0 + 1, "x", fields.pop("side"), fields.pop("kind"), fields.pop("size"), **fields))
    assert len(events) == 1 and isinstance(events[0], OrderRejected), events
    assert events[0].reason is reason, events[0].message
    assert state(ex) == before


@pytest.mark.parametrize(
    ("fields"),
    [
        {"side": BUY, "kind": LIMIT, "size": 10, "price": 90},
        {"side": SELL, "kind": MARKET, "size": 20},
        {"side": BUY, "kind": STOP_LIMIT, "size": 5, "stop_price": 110, "price": 110},
        {"side": BUY, "kind": MARKET, "size": 0, "quote_size": 505 * U},
    ],
)
def test_orders_within_every_rule_are_accepted(fields: dict[str, Any]) -> None:
    ex = ruled(
        size_step_lots=5,
        min_size_lots=5,
        max_size_lots=50,
        market_size_step_lots=10,
        price_step_ticks=5,
        min_price_ticks=50,
        max_price_ticks=200,
        min_notional_atoms=100 * U,
        max_notional_atoms=10_000 * U,
        quote_step_atoms=5 * U,
    )
    fields = dict(fields)
    events = send(ex, order(T0 + 1, "ok", fields.pop("side"), fields.pop("kind"), fields.pop("size"), **fields))
    assert kinds(events)[0] == "OrderAccepted", events


def test_notional_bounds_that_do_not_apply_to_market_orders_leave_them_alone() -> None:
    ex = ruled(min_notional_atoms=10**6 * U, max_notional_atoms=U, min_notional_market=False, max_notional_market=False)
    assert kinds(send(ex, order(T0 + 1, "m", BUY, MARKET, 1)))[:2] == ["OrderAccepted", "OrderFilled"]


def test_a_market_order_on_candles_is_checked_at_the_last_close() -> None:
    ex = exchange(instruments=[instrument(rules=OrderRules(min_notional_atoms=150 * U))])
    ex.on_market(bar(T0, 100, 100, 100, 100))
    assert send(ex, order(T0 + 1, "m", BUY, MARKET, 1))[0].reason is R.BELOW_MIN_NOTIONAL
    assert kinds(send(ex, order(T0 + 2, "m2", BUY, MARKET, 2))) == ["OrderAccepted"]


def test_a_reduce_only_sell_is_clipped_to_the_holdings_then_down_to_the_size_step() -> None:
    ex = exchange(btc=7, instruments=[instrument(rules=OrderRules(size_step_lots=5))])
    ex.on_market(snap(T0, [(99, 50)], [(101, 50)]))
    send(ex, order(T0 + 1, "tp", SELL, LIMIT, 20, price=120, reduce_only=True))
    assert ex.open_orders()[0].size == 5
    small = exchange(btc=3, instruments=[instrument(rules=OrderRules(size_step_lots=5))])
    assert send(small, order(T0, "tp", SELL, LIMIT, 20, price=120, reduce_only=True))[0].reason is R.BELOW_MIN_SIZE
    assert small.open_orders() == [] and small.balance("BTC").locked == 0


def test_the_symbol_in_a_rejection_is_the_orders() -> None:
    ex = ruled(size_step_lots=2)
    (event,) = send(ex, order(T0 + 1, "x", BUY, LIMIT, 3, price=90))
    assert (event.symbol, event.order_id) == (SYM, "x")
