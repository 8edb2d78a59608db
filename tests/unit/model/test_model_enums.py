"""Enums: stable string values (they appear in JSON output) and small helpers."""

from __future__ import annotations

import json

import pytest

from jtrader.model import LiquiditySide, OrderStatus, OrderType, RejectReason, Side, TimeInForce, TradingState


@pytest.mark.parametrize("enum", [Side, OrderType, TimeInForce, LiquiditySide, OrderStatus, RejectReason, TradingState])
def test_every_enum_value_is_its_own_name(enum: type) -> None:
    for member in enum:
        assert member.value == member.name
        assert str(member) == member.name
        assert json.dumps(member) == f'"{member.name}"'


def test_the_order_vocabulary_is_complete() -> None:
    assert set(Side) == {"BUY", "SELL"}
    assert set(OrderType) == {"MARKET", "LIMIT", "STOP", "STOP_LIMIT"}
    assert set(TimeInForce) == {"GTC", "IOC", "FOK"}
    assert set(TradingState) == {"ACTIVE", "REDUCING", "HALTED"}


def test_side_opposite_and_sign() -> None:
    assert Side.BUY.opposite is Side.SELL
    assert Side.SELL.opposite is Side.BUY
    assert Side.BUY.sign == 1
    assert Side.SELL.sign == -1


def test_enums_parse_from_their_string_values() -> None:
    assert Side("BUY") is Side.BUY
    assert TimeInForce("IOC") is TimeInForce.IOC
    with pytest.raises(ValueError):
        Side("buy")


def test_only_pending_accepted_and_partially_filled_orders_are_open() -> None:
    open_states = {status for status in OrderStatus if status.is_open}
    assert open_states == {OrderStatus.PENDING, OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED}
