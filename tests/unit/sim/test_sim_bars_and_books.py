"""Bars never match, price or trigger anything on an instrument that has a book; bar history is ignored;
candle fills may be capped at a share of the bar's volume, and fills past it are counted."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from sim_helpers import (
    BUY,
    IOC,
    LIMIT,
    MARKET,
    SELL,
    STOP,
    SYM,
    T0,
    bar,
    exchange,
    fills,
    kinds,
    order,
    quote,
    send,
    snap,
    trade,
)

from jtrader.errors import ConfigError
from jtrader.model import Bar, BarHistory
from jtrader.sim import SimulatedExchange

M = 60 * 10**9


def vbar(ts: int, o: int, h: int, l: int, c: int, volume: int) -> Bar:  # noqa: E741
    return Bar(ts, SYM, o, h, l, c, volume, ts - M)


@pytest.mark.parametrize("fused", [False, True])
def test_a_bar_on_an_instrument_with_a_book_fills_nothing_triggers_nothing_and_sets_no_price(fused: bool) -> None:
    ex = exchange()
    ex.on_market(snap(T0, [(99, 5)], [(101, 5)]))
    ex.on_market(trade(T0, 100, 1, None))
    send(ex, order(T0 + 1, "bid", BUY, LIMIT, 1, price=95))
    send(ex, order(T0 + 1, "stop", SELL, STOP, 1, stop_price=90))
    candle = bar(T0 + 2, 100, 120, 80, 85)  # its range crosses both, long before they existed
    events = ex.on_bar(candle) if fused else (ex.on_market(candle), ex.advance(T0 + 2))[1]
    assert events in ((), [])
    assert ex.last_price(SYM) == 100 and ex.bars_on_book == 1
    assert [o.order_id for o in ex.open_orders()] == ["bid", "stop"]


def test_a_quote_built_book_also_turns_the_bars_off() -> None:
    ex = exchange()
    ex.on_market(quote(T0, 99, 5, 101, 5))
    send(ex, order(T0 + 1, "bid", BUY, LIMIT, 1, price=95))
    ex.on_market(bar(T0 + 2, 100, 100, 90, 95))
    assert ex.advance(T0 + 2) == [] and ex.last_price(SYM) is None


def test_bar_history_changes_nothing() -> None:
    ex = exchange()
    ex.on_market(bar(T0, 100, 101, 99, 100))
    send(ex, order(T0 + 1, "bid", BUY, LIMIT, 1, price=95))
    ex.on_market(BarHistory(T0 + 2, SYM, (bar(T0 - M, 90, 91, 80, 85),)))
    assert ex.advance(T0 + 2) == [] and ex.last_price(SYM) == 100


def test_the_bar_price_is_forgotten_when_the_book_starts() -> None:
    ex = exchange()
    ex.on_market(bar(T0, 100, 101, 99, 100))
    ex.on_market(snap(T0 + 1, [(99, 5)], [(101, 5)]))
    assert ex.last_price(SYM) is None  # stops would otherwise trigger against an old candle's close
    assert kinds(send(ex, order(T0 + 2, "stop", BUY, STOP, 1, stop_price=100))) == ["OrderAccepted"]


def test_a_volume_cap_fills_a_market_order_over_several_bars() -> None:
    ex = exchange(volume_cap="25")
    ex.on_market(vbar(T0, 100, 100, 100, 100, 20))
    send(ex, order(T0, "m", BUY, MARKET, 8))
    ex.on_market(vbar(T0 + M, 101, 102, 100, 101, 20))  # 25% of 20 = 5
    assert fills(ex.advance(T0 + M)) == [(101, 5, "TAKER")]
    ex.on_market(vbar(T0 + 2 * M, 103, 104, 102, 103, 4))  # 25% of 4 = 1
    ex.on_market(vbar(T0 + 3 * M, 104, 104, 104, 104, 100))
    assert fills(ex.advance(T0 + 3 * M)) == [(103, 1, "TAKER"), (104, 2, "TAKER")]
    assert ex.open_orders() == [] and ex.fills_over_volume == 0


def test_the_cap_is_one_budget_per_bar_and_a_limit_keeps_resting_with_what_is_left() -> None:
    ex = exchange(volume_cap=Decimal("50"))
    ex.on_market(vbar(T0, 100, 100, 100, 100, 10))
    send(ex, order(T0, "a", BUY, LIMIT, 4, price=99))
    send(ex, order(T0, "b", BUY, LIMIT, 4, price=99))
    ex.on_market(vbar(T0 + M, 100, 100, 98, 99, 10))
    assert [(e.order_id, e.size) for e in ex.advance(T0 + M) if type(e).__name__ == "OrderFilled"] == [
        ("a", 4),
        ("b", 1),
    ]
    assert [(o.order_id, o.leaves) for o in ex.open_orders()] == [("b", 3)]


def test_close_mode_fills_within_the_last_bars_volume_and_the_rest_waits_for_the_next_open() -> None:
    ex = exchange(volume_cap=Fraction(10), bar_fill="close")
    ex.on_market(vbar(T0, 100, 100, 100, 100, 30))
    assert fills(send(ex, order(T0, "m", SELL, MARKET, 5))) == [(100, 3, "TAKER")]
    ex.on_market(vbar(T0 + M, 98, 99, 97, 98, 30))
    assert fills(ex.advance(T0 + M)) == [(98, 2, "TAKER")]


def test_a_capped_stop_fills_the_rest_at_the_next_open_and_an_ioc_remainder_expires() -> None:
    ex = exchange(volume_cap=50)
    ex.on_market(vbar(T0, 100, 100, 100, 100, 10))
    send(ex, order(T0, "stop", SELL, STOP, 8, stop_price=95))
    ex.on_market(vbar(T0 + M, 97, 97, 90, 92, 10))
    assert fills(ex.advance(T0 + M)) == [(95, 5, "TAKER")]
    ex.on_market(vbar(T0 + 2 * M, 91, 93, 90, 92, 10))
    assert fills(ex.advance(T0 + 2 * M)) == [(91, 3, "TAKER")]
    send(ex, order(T0 + 2 * M, "ioc", BUY, MARKET, 9, tif=IOC))
    ex.on_market(vbar(T0 + 3 * M, 92, 93, 91, 92, 4))
    assert kinds(ex.advance(T0 + 3 * M)) == ["OrderFilled", "OrderExpired"]


def test_without_a_cap_fills_past_the_bars_volume_are_counted() -> None:
    ex = exchange()
    ex.on_market(vbar(T0, 100, 100, 100, 100, 3))
    send(ex, order(T0, "m1", BUY, MARKET, 2))
    send(ex, order(T0, "m2", BUY, MARKET, 2))
    ex.on_market(vbar(T0 + M, 100, 101, 99, 100, 3))
    assert fills(ex.advance(T0 + M)) == [(100, 2, "TAKER"), (100, 2, "TAKER")]
    assert ex.fills_over_volume == 1  # the second fill took the bar's fills to 4 of 3


@pytest.mark.parametrize("cap", [0, "0", "100.5", -1, 2.5, True, "abc", "NaN"])
def test_a_volume_cap_outside_0_to_100_percent_or_not_exact_is_refused(cap: Any) -> None:
    with pytest.raises(ConfigError, match="volume_cap"):
        SimulatedExchange([], volume_cap=cap)


def test_the_fill_mode_and_the_stop_trigger_are_checked() -> None:
    with pytest.raises(ConfigError, match="bar_fill"):
        SimulatedExchange([], bar_fill="open")
    with pytest.raises(ConfigError, match="stop_trigger"):
        SimulatedExchange([], stop_trigger="quote")
