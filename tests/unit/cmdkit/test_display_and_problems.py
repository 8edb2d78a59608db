"""Human output: money at the currency's precision (exact Decimal), messages in units, problem lines."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jtrader.cmdkit.display import currency_places, format_money, format_ts, money_places, order_outcomes, units_message
from jtrader.cmdkit.problems import COUNTERS, RULES, problem_lines
from jtrader.model import Instrument, OrderDenied, OrderRejected, RejectReason, RiskStateChanged, TradingState
from jtrader.model.rules import OrderRules

BTC = Instrument("BTC-USD", "BTC", "USD")


@pytest.mark.parametrize(
    ("amount", "places", "shown"),
    [
        ("101234.505", 2, "101,234.50"),  # half-even: 0.505 -> 0.50
        ("101234.515", 2, "101,234.52"),
        ("99999.9995009598", 2, "100,000.00"),
        ("-0.001", 2, "0.00"),  # never "-0.00"
        ("-1234.5", 0, "-1,234"),
        ("123456789012.123456789012345678", 8, "123,456,789,012.12345679"),  # past float precision, exact
        (Decimal("0.1"), 3, "0.100"),
    ],
)
def test_money_is_rounded_half_even_without_floats(amount: str | Decimal, places: int, shown: str) -> None:
    assert format_money(amount, places) == shown


def test_money_places_come_from_the_venue_quote_increment_else_the_tick() -> None:
    assert money_places(BTC) == 2
    assert money_places(Instrument("ETH-BTC", "ETH", "BTC", price_tick="0.00001")) == 5
    step = 10**16  # 0.01 of a unit, in atoms
    assert (
        money_places(Instrument("X-USD", "X", "USD", price_tick="0.0001", rules=OrderRules(quote_step_atoms=step))) == 2
    )
    assert currency_places([BTC]) == {"BTC": 8, "USD": 2}


def test_denial_and_rejection_messages_are_written_in_units() -> None:
    assert units_message("needs 1200500000000000000000 USD atoms, 5000000000000000000 free", BTC) == (
        "needs 1,200.50 USD, 5.00 USD free"
    )
    assert units_message("position would reach 150000000 lots, max 100000000", BTC) == (
        "position would reach 1.50000000 BTC, max 1.00000000 BTC"
    )
    assert units_message("3 lots > max 2 lots per order", BTC) == "0.00000003 BTC > max 0.00000002 BTC per order"
    assert units_message("only 5 of 10 lots available", BTC) == "only 0.00000005 BTC of 0.00000010 BTC available"
    assert units_message("best opposite price 6500004 crosses 6500004", BTC) == (
        "best opposite price 65000.04 crosses 65000.04"
    )
    assert units_message("notional 1000000000000000000 atoms < venue minimum 0 atoms", BTC) == (
        "notional 1.00 USD < venue minimum 0.00 USD"
    )
    assert units_message("no numbers with units here: 42", BTC) == "no numbers with units here: 42"


def test_order_outcomes_count_reasons_from_objects_and_records_alike() -> None:
    events = [
        OrderDenied(1, "o-1", "BTC-USD", RejectReason.MAX_POSITION, "position would reach 3 lots, max 2"),
        OrderDenied(2, "o-2", "BTC-USD", RejectReason.MAX_POSITION, "position would reach 4 lots, max 2"),
        OrderRejected(3, "o-3", "BTC-USD", RejectReason.INSUFFICIENT_BALANCE, "needs 5 USD atoms, 0 free"),
        RiskStateChanged(1_767_225_600_000_000_000, TradingState.ACTIVE, TradingState.HALTED, "crossed book"),
    ]
    out = order_outcomes(events, {"BTC-USD": BTC})
    assert out["denial_reasons"] == {
        "MAX_POSITION": {"count": 2, "example": "position would reach 0.00000003 BTC, max 0.00000002 BTC"}
    }
    assert out["rejection_reasons"]["INSUFFICIENT_BALANCE"]["count"] == 1
    assert out["halt_reason"] == "crossed book (at 2026-01-01T00:00:00.000Z)"
    records = [{"type": "OrderDenied", "ts": 1, "symbol": "BTC-USD", "reason": "MAX_POSITION", "message": "x"}]
    assert order_outcomes(records, {"BTC-USD": BTC})["denial_reasons"] == {"MAX_POSITION": {"count": 1, "example": "x"}}
    assert format_ts(1_500_000) == "1970-01-01T00:00:00.001Z"


def test_problem_lines_name_every_nonzero_counter_with_its_meaning() -> None:
    summary = {"kind": "replay", "malformed": 3, "gaps": 0, "duplicates": 2, "truncated": True, "late": 1}
    lines = problem_lines(summary)
    assert lines[0] == f"malformed 3: {COUNTERS['malformed']}"
    assert any(line.startswith("duplicates 2: ") for line in lines)
    assert not any(line.startswith("gaps") for line in lines)
    assert any(line.startswith("truncated: ") for line in lines)
    backtest = problem_lines({"kind": "backtest", "gaps": 2, "missing_bars": 7})
    assert backtest == [
        "gaps 2: gaps in time between candles (missing candles, not filled in)",
        "missing_bars 7: candles missing inside those gaps",
    ]
    assert problem_lines({"book_checks": {"checked": 10, "mismatched": 2}})[0].startswith(
        "book checks mismatched 2 of 10"
    )


def test_problem_lines_say_why_trading_halted_and_why_no_order_was_sent() -> None:
    halted = {"trading_state": "HALTED", "halt_reason": "crossed book (at t)", "emergency_triggers": ["crossed_book"]}
    assert problem_lines(halted) == ["trading HALTED: crossed book (at t)"]
    assert problem_lines({"trading_state": "HALTED", "emergency_triggers": ["drawdown"]}) == [
        "trading HALTED: drawdown"
    ]
    none = {
        "strategy": "s",
        "orders": 0,
        "no_orders_reason": "the strategy needs 31 bars of warm-up and the data has 25",
    }
    assert problem_lines(none) == ["no order: the strategy needs 31 bars of warm-up and the data has 25"]
    assert problem_lines({"strategy": "s", "orders": 0}) == ["no order: the strategy never placed one"]
    denied = {
        "strategy": "s",
        "orders": 2,
        "sent": 0,
        "denials": 2,
        "denial_reasons": {"MAX_POSITION": {"count": 2, "example": "x"}},
        "interrupted": True,
    }
    assert problem_lines(denied) == [
        "interrupted: the results cover only the data processed before the stop",
        "no order reached the exchange: all 2 were denied by risk",
        "denied by risk 2:",
        "  MAX_POSITION x2 (first: x)",
    ]


def test_another_part_can_add_a_rule() -> None:
    def custom(summary: dict) -> list[str]:
        return [f"off_grid {summary['off_grid']}: levels off the price grid"] if summary.get("off_grid") else []

    RULES.append(custom)
    try:
        assert problem_lines({"off_grid": 4}) == ["off_grid 4: levels off the price grid"]
    finally:
        RULES.remove(custom)
