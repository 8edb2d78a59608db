"""``builder(cls)``: the fast constructor of commands and events gives ordinary frozen instances."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import dataclass, field

import pytest

from jtrader.model import (
    CancelAll,
    CancelOrder,
    CancelRejected,
    EmergencyAction,
    Instrument,
    LiquiditySide,
    OrderAccepted,
    OrderCanceled,
    OrderDenied,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderTriggered,
    OrderType,
    RejectReason,
    RiskStateChanged,
    Side,
    SubmitOrder,
    TimeInForce,
    TradingState,
    to_record,
)
from jtrader.model.events import builder

T = 1_700_000_000 * 10**9

#: (class, positional arguments) of every command and event, with and without their defaults
CASES = [
    (SubmitOrder, (T, "o-1", "BTC-USD", Side.BUY, OrderType.LIMIT, 5, 100)),
    (
        SubmitOrder,
        (T, "o-2", "BTC-USD", Side.SELL, OrderType.STOP_LIMIT, 5, 99, 98, TimeInForce.GTC, False, True, None, "tag"),
    ),
    (CancelOrder, (T, "o-1")),
    (CancelAll, (T,)),
    (CancelAll, (T, "BTC-USD")),
    (OrderAccepted, (T, "o-1", "BTC-USD")),
    (OrderRejected, (T, "o-1", "BTC-USD", RejectReason.NO_MARKET)),
    (OrderDenied, (T, "o-1", "BTC-USD", RejectReason.HALTED, "halted")),
    (OrderTriggered, (T, "o-1", "BTC-USD")),
    (OrderFilled, (T, "o-1", "BTC-USD", Side.BUY, 100, 5, LiquiditySide.TAKER, 7, "USD", 1, 0)),
    (OrderCanceled, (T, "o-1", "BTC-USD")),
    (OrderExpired, (T, "o-1", "BTC-USD", "IOC remainder")),
    (CancelRejected, (T, "o-9", RejectReason.UNKNOWN_ORDER)),
    (RiskStateChanged, (T, TradingState.ACTIVE, TradingState.HALTED, "kill")),
    (EmergencyAction, (T, "halt", "manual")),
]


@pytest.mark.parametrize(("cls", "args"), CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_a_built_object_is_the_same_as_one_from_the_class(cls: type, args: tuple) -> None:
    built = builder(cls)(*args)
    plain = cls(*args)
    assert type(built) is cls
    assert built == plain and hash(built) == hash(plain)
    assert repr(built) == repr(plain)
    assert to_record(built) == to_record(plain)
    assert dataclasses.astuple(built) == dataclasses.astuple(plain)  # defaults filled the same way


@pytest.mark.parametrize(("cls", "args"), CASES, ids=lambda c: getattr(c, "__name__", ""))
def test_a_built_object_is_frozen_and_has_no_dict(cls: type, args: tuple) -> None:
    built = builder(cls)(*args)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.ts = 0
    assert not hasattr(built, "__dict__")
    assert built.ts == T


def test_built_objects_copy_and_pickle_as_their_class() -> None:
    built = builder(OrderFilled)(T, "o-1", "BTC-USD", Side.SELL, 100, 5, LiquiditySide.MAKER, 0, "USD", 3, 2)
    assert copy.copy(built) == built and copy.deepcopy(built) == built
    restored = pickle.loads(pickle.dumps(built))
    assert restored == built and type(restored) is OrderFilled


def test_events_of_different_classes_with_the_same_fields_stay_unequal() -> None:
    accepted = builder(OrderAccepted)(T, "o-1", "BTC-USD")
    triggered = builder(OrderTriggered)(T, "o-1", "BTC-USD")
    assert accepted != triggered


def test_a_builder_keeps_the_defaults_of_the_class() -> None:
    canceled = builder(OrderCanceled)(T, "o-1", "BTC-USD")
    assert canceled.reason == "user"
    order = builder(SubmitOrder)(T, "o-1", "BTC-USD", Side.BUY, OrderType.MARKET, 5)
    assert (order.price, order.tif, order.post_only, order.quote_size, order.tag) == (
        None,
        TimeInForce.GTC,
        False,
        None,
        "",
    )


def test_field_names_that_match_the_builders_own_names_are_safe() -> None:
    @dataclass(frozen=True, slots=True)
    class Awkward:
        obj: int
        new: str
        cls: str
        twin: int = 4

    assert builder(Awkward)(1, "n", "c") == Awkward(1, "n", "c", 4)


def test_a_builder_needs_all_required_fields() -> None:
    with pytest.raises(TypeError):
        builder(OrderAccepted)(T, "o-1")


@dataclass(slots=True)
class _WithFactory:
    ts: int
    items: list[int] = field(default_factory=list)


@dataclass
class _WithoutSlots:
    ts: int


@dataclass(frozen=True, slots=True)
class _Base:
    ts: int


@dataclass(frozen=True, slots=True)
class _Derived(_Base):
    size: int


@pytest.mark.parametrize("cls", [int, Instrument, _WithFactory, _WithoutSlots, _Derived])
def test_builder_refuses_what_is_not_a_slotted_dataclass_of_plain_fields(cls: type) -> None:
    with pytest.raises(TypeError, match="slotted dataclass"):
        builder(cls)
