"""Every rejection is an event with a reason code and leaves balances, books and open orders unchanged.

Bad input that cannot even be stamped (a non-command, an absurd timestamp) is a typed error
raised before anything changes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
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
    exchange,
    instrument,
    order,
    send,
    snap,
    state,
    trade,
)

from jtrader.errors import ConfigError, DataError, OrderError, TimestampError, UnknownInstrumentError
from jtrader.model import Heartbeat, OrderRejected, RejectReason, SubmitOrder, VenueNotice
from jtrader.sim import FeeModel, SimulatedExchange

R = RejectReason


def booked(**kw: Any) -> SimulatedExchange:
    ex = exchange(**kw)
    ex.on_market(snap(T0, [(99, 5), (98, 5)], [(101, 2), (102, 3)]))
    ex.on_market(trade(T0, 100, 1, None))  # the last trade: what stops trigger on (inside the spread: consumes nothing)
    send(ex, order(T0, "resting", BUY, LIMIT, 1, price=90))  # something open, to show it stays
    return ex


CASES: list[tuple[str, dict[str, Any], RejectReason]] = [
    (
        "unknown symbol",
        {"symbol": "DOGE-USD", "side": BUY, "kind": LIMIT, "size": 1, "price": 90},
        R.UNKNOWN_INSTRUMENT,
    ),
    ("symbol not a str", {"symbol": 7, "side": BUY, "kind": LIMIT, "size": 1, "price": 90}, R.UNKNOWN_INSTRUMENT),
    ("float price", {"side": BUY, "kind": LIMIT, "size": 1, "price": 90.5}, R.INVALID_PRICE),
    ("decimal price", {"side": BUY, "kind": LIMIT, "size": 1, "price": Decimal(90)}, R.INVALID_PRICE),
    ("negative price", {"side": BUY, "kind": LIMIT, "size": 1, "price": -90}, R.INVALID_PRICE),
    ("zero price", {"side": BUY, "kind": LIMIT, "size": 1, "price": 0}, R.INVALID_PRICE),
    ("missing limit price", {"side": BUY, "kind": LIMIT, "size": 1}, R.INVALID_PRICE),
    ("bool price", {"side": BUY, "kind": LIMIT, "size": 1, "price": True}, R.INVALID_PRICE),
    ("zero size", {"side": BUY, "kind": LIMIT, "size": 0, "price": 90}, R.INVALID_SIZE),
    ("negative size", {"side": BUY, "kind": LIMIT, "size": -3, "price": 90}, R.INVALID_SIZE),
    ("float size", {"side": BUY, "kind": LIMIT, "size": 1.5, "price": 90}, R.INVALID_SIZE),
    ("str size", {"side": BUY, "kind": LIMIT, "size": "1", "price": 90}, R.INVALID_SIZE),
    ("market with a price", {"side": BUY, "kind": MARKET, "size": 1, "price": 90}, R.INVALID_ORDER),
    (
        "limit with a stop price",
        {"side": BUY, "kind": LIMIT, "size": 1, "price": 90, "stop_price": 80},
        R.INVALID_ORDER,
    ),
    ("stop without stop price", {"side": BUY, "kind": STOP, "size": 1}, R.INVALID_PRICE),
    ("stop-limit without limit", {"side": BUY, "kind": STOP_LIMIT, "size": 1, "stop_price": 110}, R.INVALID_PRICE),
    ("stop with IOC", {"side": BUY, "kind": STOP, "size": 1, "stop_price": 110, "tif": IOC}, R.INVALID_ORDER),
    ("post-only market", {"side": BUY, "kind": MARKET, "size": 1, "post_only": True}, R.INVALID_ORDER),
    (
        "post-only IOC",
        {"side": BUY, "kind": LIMIT, "size": 1, "price": 90, "tif": IOC, "post_only": True},
        R.INVALID_ORDER,
    ),
    ("side not a Side", {"side": "BUY", "kind": LIMIT, "size": 1, "price": 90}, R.INVALID_ORDER),
    ("type not an OrderType", {"side": BUY, "kind": "LIMIT", "size": 1, "price": 90}, R.INVALID_ORDER),
    ("tif not a TimeInForce", {"side": BUY, "kind": LIMIT, "size": 1, "price": 90, "tif": "GTC"}, R.INVALID_ORDER),
    ("flag not a bool", {"side": BUY, "kind": LIMIT, "size": 1, "price": 90, "post_only": 1}, R.INVALID_ORDER),
    ("quote_size on a sell", {"side": SELL, "kind": MARKET, "size": 0, "quote_size": U}, R.INVALID_ORDER),
    ("quote_size and size", {"side": BUY, "kind": MARKET, "size": 1, "quote_size": U}, R.INVALID_ORDER),
    ("negative quote_size", {"side": BUY, "kind": MARKET, "size": 0, "quote_size": -U}, R.INVALID_SIZE),
    ("quote_size below one lot", {"side": BUY, "kind": MARKET, "size": 0, "quote_size": 100 * U}, R.BELOW_MIN_SIZE),
    ("buy beyond the cash", {"side": BUY, "kind": LIMIT, "size": 20_000, "price": 90}, R.INSUFFICIENT_BALANCE),
    ("sell beyond the holdings", {"side": SELL, "kind": LIMIT, "size": 101, "price": 200}, R.INSUFFICIENT_BALANCE),
    ("market sell beyond holdings", {"side": SELL, "kind": MARKET, "size": 101}, R.INSUFFICIENT_BALANCE),
    (
        "quote_size beyond the cash",
        {"side": BUY, "kind": MARKET, "size": 0, "quote_size": 10**7 * U},
        R.INSUFFICIENT_BALANCE,
    ),
    ("stop buy beyond the cash", {"side": BUY, "kind": STOP, "size": 9_000, "stop_price": 120}, R.INSUFFICIENT_BALANCE),
    ("stop sell beyond holdings", {"side": SELL, "kind": STOP, "size": 101, "stop_price": 50}, R.INSUFFICIENT_BALANCE),
    (
        "post-only would cross",
        {"side": BUY, "kind": LIMIT, "size": 1, "price": 101, "post_only": True},
        R.POST_ONLY_WOULD_CROSS,
    ),
    ("FOK short", {"side": BUY, "kind": LIMIT, "size": 6, "price": 102, "tif": FOK}, R.FOK_NOT_FILLABLE),
    ("FOK away", {"side": BUY, "kind": LIMIT, "size": 1, "price": 100, "tif": FOK}, R.FOK_NOT_FILLABLE),
    ("buy stop at the last trade", {"side": BUY, "kind": STOP, "size": 1, "stop_price": 100}, R.STOP_WOULD_TRIGGER),
    (
        "sell stop at the last trade",
        {"side": SELL, "kind": STOP_LIMIT, "size": 1, "stop_price": 100, "price": 98},
        R.STOP_WOULD_TRIGGER,
    ),
    (
        "reduce-only buy",
        {"side": BUY, "kind": LIMIT, "size": 1, "price": 90, "reduce_only": True},
        R.REDUCE_ONLY_WOULD_INCREASE,
    ),
    ("duplicate id", {"oid": "resting", "side": BUY, "kind": LIMIT, "size": 1, "price": 90}, R.DUPLICATE_ORDER_ID),
    ("empty id", {"oid": "", "side": BUY, "kind": LIMIT, "size": 1, "price": 90}, R.INVALID_ORDER),
]


@pytest.mark.parametrize(("case", "fields", "reason"), CASES, ids=[c[0] for c in CASES])
def test_rejection_is_an_event_with_its_reason_and_changes_nothing(
    case: str, fields: dict, reason: RejectReason
) -> None:
    ex = booked()
    before = state(ex)
    fields = dict(fields)
    cmd = SubmitOrder(
        T0 + 1,
        fields.pop("oid", "x"),
        fields.pop("symbol", SYM),
        fields.pop("side"),
        fields.pop("kind"),
        fields.pop("size"),
        **fields,
    )
    events = send(ex, cmd)
    assert len(events) == 1, events
    (event,) = events
    assert isinstance(event, OrderRejected)
    assert event.reason is reason, event.message
    assert event.message
    assert state(ex) == before
    # the rejected id is not burnt unless it was taken already
    if reason is not R.DUPLICATE_ORDER_ID and type(cmd.order_id) is str and cmd.order_id:
        assert cmd.order_id not in {o.order_id for o in ex.open_orders()}


def test_minimum_size_and_notional_of_the_instrument_are_enforced() -> None:
    ex = exchange(instruments=[instrument(min_size="2", min_notional="250")])
    ex.on_market(snap(T0, [(99, 5)], [(101, 5)]))
    before = state(ex)
    small = send(ex, order(T0 + 1, "a", BUY, LIMIT, 1, price=90))
    cheap = send(ex, order(T0 + 1, "b", BUY, LIMIT, 2, price=70))
    cheap_market = send(ex, order(T0 + 1, "c", SELL, MARKET, 2, symbol=SYM))
    quote = send(ex, order(T0 + 1, "d", BUY, MARKET, 0, quote_size=249 * U))
    assert [e.reason for e in small + cheap + cheap_market + quote] == [
        R.BELOW_MIN_SIZE,
        R.BELOW_MIN_NOTIONAL,
        R.BELOW_MIN_NOTIONAL,
        R.BELOW_MIN_NOTIONAL,
    ]
    assert state(ex) == before


def test_market_buy_whose_book_walk_costs_more_than_the_free_cash_is_rejected() -> None:
    ex = exchange(usd=300)
    ex.on_market(snap(T0, [(99, 5)], [(101, 2), (102, 3)]))
    before = state(ex)
    events = send(ex, order(T0 + 1, "m", BUY, MARKET, 3))  # 101*2 + 102 = 304 > 300
    assert [e.reason for e in events] == [R.INSUFFICIENT_BALANCE]
    assert state(ex) == before
    assert [e.price for e in send(ex, order(T0 + 2, "n", BUY, MARKET, 2))[1:]] == [101]


def test_market_order_without_any_price_source_is_rejected_no_market() -> None:
    ex = exchange()
    events = send(ex, order(T0, "m", BUY, MARKET, 1))
    assert events[0].reason is R.NO_MARKET
    ex.on_market(snap(T0 + 1, [(99, 5)], []))
    assert send(ex, order(T0 + 2, "n", BUY, MARKET, 1))[0].reason is R.NO_MARKET
    assert send(ex, order(T0 + 2, "o", SELL, MARKET, 1))[1].price == 99


def test_reduce_only_sell_without_holdings_is_rejected_and_one_with_holdings_is_clipped() -> None:
    ex = exchange(btc=0)
    ex.on_market(snap(T0, [(99, 5)], [(101, 5)]))
    assert (
        send(ex, order(T0 + 1, "r", SELL, LIMIT, 1, price=120, reduce_only=True))[0].reason
        is R.REDUCE_ONLY_WOULD_INCREASE
    )
    send(ex, order(T0 + 2, "b", BUY, MARKET, 3))
    send(ex, order(T0 + 3, "r2", SELL, LIMIT, 10, price=120, reduce_only=True))
    (view,) = ex.open_orders()
    assert (view.size, view.reduce_only) == (3, True)
    assert ex.balance("BTC").locked == 0  # reduce-only sells share the holdings instead of locking them


def test_submit_and_cancel_refuse_non_commands_and_absurd_timestamps_before_any_change() -> None:
    ex = booked()
    before = state(ex)
    with pytest.raises(OrderError):
        ex.submit("buy 1")  # type: ignore[arg-type]
    with pytest.raises(OrderError):
        ex.cancel(order(T0, "x", BUY, MARKET, 1))  # type: ignore[arg-type]
    for bad_ts in (5, 1.7e18, "now", T0 - 1, 10**20):
        with pytest.raises(TimestampError):
            ex.submit(order(bad_ts, "x", BUY, MARKET, 1))  # type: ignore[arg-type]
    with pytest.raises(TimestampError):
        ex.advance(1.5)  # type: ignore[arg-type]
    assert state(ex) == before


def test_market_messages_with_absurd_or_backward_timestamps_raise_and_change_nothing() -> None:
    ex = booked()
    before = state(ex)
    for bad_ts in (T0 - 1, 10**20, float(T0 + 1), "t"):
        with pytest.raises(TimestampError):
            ex.on_market(trade(bad_ts, 100, 1, SELL))  # type: ignore[arg-type]
    with pytest.raises(DataError):
        ex.on_market(order(T0 + 1, "x", BUY, MARKET, 1))
    assert state(ex) == before


def test_unknown_symbols_in_market_data_are_counted_and_ignored() -> None:
    ex = booked()
    before = state(ex)
    ex.on_market(trade(T0 + 1, 100, 1, SELL, symbol="ETH-USD"))
    ex.on_market(snap(T0 + 1, [(1, 1)], [(2, 1)], symbol="ETH-USD"))
    ex.on_market(Heartbeat(T0 + 2, 0))
    ex.on_market(VenueNotice(T0 + 2, "error", "x"))
    assert ex.ignored_messages == 2
    assert state(ex) == before


def test_reads_of_unknown_symbols_raise_unknown_instrument() -> None:
    ex = exchange()
    for read in (ex.book, ex.instrument, ex.last_price):
        with pytest.raises(UnknownInstrumentError):
            read("NOPE")
    assert ex.instrument(SYM).symbol == SYM
    assert list(ex.instruments) == [SYM]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"bar_fill": "open"},
        {"instruments": ["BTC-USD"]},
        {"instruments": [instrument(), instrument()]},
        {"balances": {"USD": -1}},
    ],
)
def test_bad_exchange_configuration_raises_config_error(kwargs: dict) -> None:
    kwargs.setdefault("instruments", [instrument()])
    with pytest.raises(ConfigError):
        SimulatedExchange(**kwargs)


def test_instruments_may_be_given_as_a_mapping_and_fees_default_to_zero() -> None:
    ex = SimulatedExchange({SYM: instrument()}, balances={"USD": 1000 * U}, fees=FeeModel())
    ex.on_market(snap(T0, [], [(100, 1)]))
    assert send(ex, order(T0, "m", BUY, MARKET, 1))[1].fee == 0
