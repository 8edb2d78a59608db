"""Market messages (named tuples) and commands/events (dataclasses): frozen, ordered records."""

from __future__ import annotations

import dataclasses
import json
import typing

import pytest

from jtrader.model import (
    Bar,
    BookDelta,
    BookResync,
    BookSnapshot,
    CancelAll,
    CancelOrder,
    CancelRejected,
    EmergencyAction,
    Heartbeat,
    LiquiditySide,
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderTriggered,
    OrderType,
    Quote,
    RejectReason,
    RiskStateChanged,
    SequenceGap,
    Side,
    SubmitOrder,
    TimeInForce,
    Trade,
    TradingState,
    VenueNotice,
    to_record,
)

TS = 1_786_309_548_000_000_000

MESSAGES = [
    BookSnapshot(TS, TS - 1, "BTC-USD", ((6508366, 20371215),), ((6508371, 6000000),), 7),
    BookDelta(TS, TS - 1, "BTC-USD", ((6508366, 0),), (), 9, 8),
    Trade(TS, TS - 1, "BTC-USD", 6508366, 100, Side.SELL, "t1"),
    Quote(TS, TS - 1, "BTC-USD", 6508366, 1, 6508371, 2, 3),
    Bar(TS, "BTC-USD", 1, 3, 1, 2, 10, TS - 60 * 10**9),
    Heartbeat(TS, TS - 1, "ws.1"),
    SequenceGap(TS, "ws.1", 5, 7, ("BTC-USD",)),
    BookResync(TS, "BTC-USD", "gap"),
    VenueNotice(TS, "error", "authentication failure"),
]

EVENTS = [
    SubmitOrder(TS, "o1", "BTC-USD", Side.BUY, OrderType.LIMIT, 100, price=6508366, tif=TimeInForce.IOC),
    CancelOrder(TS, "o1"),
    CancelAll(TS, "BTC-USD"),
    OrderAccepted(TS, "o1", "BTC-USD"),
    OrderRejected(TS, "o1", "BTC-USD", RejectReason.INVALID_PRICE, "off grid"),
    OrderDenied(TS, "o1", "BTC-USD", RejectReason.HALTED),
    OrderTriggered(TS, "o1", "BTC-USD"),
    OrderFilled(TS, "o1", "BTC-USD", Side.BUY, 6508366, 100, LiquiditySide.MAKER, 5, "USD", 1, 0),
    OrderCanceled(TS, "o1", "BTC-USD"),
    OrderExpired(TS, "o1", "BTC-USD", "ioc"),
    CancelRejected(TS, "o1", RejectReason.UNKNOWN_ORDER),
    RiskStateChanged(TS, TradingState.ACTIVE, TradingState.HALTED, "kill switch"),
    EmergencyAction(TS, "halt", "max_drawdown"),
]


@pytest.mark.parametrize("msg", MESSAGES, ids=lambda m: type(m).__name__)
def test_market_messages_are_immutable(msg: tuple) -> None:
    with pytest.raises(AttributeError):
        msg.ts = 0  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        msg[0] = 0  # type: ignore[index]


@pytest.mark.parametrize("msg", MESSAGES, ids=lambda m: type(m).__name__)
def test_market_messages_are_timestamped_first_with_integer_ns(msg: tuple) -> None:
    assert typing.get_type_hints(type(msg))["ts"] is int
    assert msg._fields[0] == "ts"  # type: ignore[attr-defined]
    assert type(msg[0]) is int


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_commands_and_events_are_frozen_and_slotted(event: object) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.ts = 0  # type: ignore[attr-defined]
    assert not hasattr(event, "__dict__")
    assert dataclasses.fields(event)[0].name == "ts"  # type: ignore[arg-type]


@pytest.mark.parametrize("obj", MESSAGES + EVENTS, ids=lambda o: type(o).__name__)
def test_to_record_lists_type_then_fields_in_declaration_order(obj: object) -> None:
    record = to_record(obj)
    names = list(obj._fields) if isinstance(obj, tuple) else [f.name for f in dataclasses.fields(obj)]  # type: ignore[attr-defined,arg-type]
    assert list(record) == ["type", *names]
    assert record["type"] == type(obj).__name__


@pytest.mark.parametrize("obj", MESSAGES + EVENTS, ids=lambda o: type(o).__name__)
def test_to_record_is_plain_json_with_stable_bytes(obj: object) -> None:
    first = json.dumps(to_record(obj))
    assert json.dumps(to_record(obj)) == first
    assert json.loads(first) == to_record(obj)


def test_to_record_writes_enums_as_values_and_tuples_as_lists() -> None:
    record = to_record(MESSAGES[0])
    assert record["bids"] == [[6508366, 20371215]]
    assert to_record(MESSAGES[2])["aggressor"] == "SELL"
    assert type(to_record(MESSAGES[2])["aggressor"]) is str
    fill = to_record(EVENTS[7])
    assert (fill["side"], fill["liquidity"]) == ("BUY", "MAKER")
    assert type(fill["side"]) is str
    assert to_record(EVENTS[11])["new"] == "HALTED"


def test_to_record_of_a_submit_order_has_the_documented_key_order() -> None:
    assert list(to_record(EVENTS[0])) == [
        "type",
        "ts",
        "order_id",
        "symbol",
        "side",
        "order_type",
        "size",
        "price",
        "stop_price",
        "tif",
        "post_only",
        "reduce_only",
        "quote_size",
        "tag",
    ]


def test_to_record_refuses_objects_that_are_not_messages_or_events() -> None:
    with pytest.raises(TypeError, match="cannot make a record of dict"):
        to_record({"ts": 1})


def test_optional_fields_have_neutral_defaults() -> None:
    delta = BookDelta(TS, 0, "BTC-USD", (), ())
    assert (delta.update_id, delta.first_update_id) == (0, 0)
    order = SubmitOrder(TS, "o", "BTC-USD", Side.SELL, OrderType.MARKET, 5)
    assert (order.price, order.stop_price, order.tif, order.post_only, order.reduce_only) == (
        None,
        None,
        TimeInForce.GTC,
        False,
        False,
    )
    assert CancelAll(TS).symbol is None
    assert OrderCanceled(TS, "o", "X").reason == "user"


def test_equal_events_compare_equal_and_hash_alike() -> None:
    a = OrderAccepted(TS, "o1", "BTC-USD")
    b = OrderAccepted(TS, "o1", "BTC-USD")
    assert a == b
    assert hash(a) == hash(b)
    assert a != OrderAccepted(TS + 1, "o1", "BTC-USD")
