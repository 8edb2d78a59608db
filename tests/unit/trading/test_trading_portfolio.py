"""Portfolio accounting: exact integers inside, decimal strings outside."""

from __future__ import annotations

import dataclasses

import pytest

from jtrader.errors import ConfigError, UnknownInstrumentError
from jtrader.model import Instrument, LiquiditySide, OrderFilled, Side, to_atoms
from jtrader.trading import Portfolio

BTC = Instrument("BTC-USD", "BTC", "USD", price_tick="0.01", size_lot="0.0001")
ETH = Instrument("ETH-USD", "ETH", "USD", price_tick="0.01", size_lot="0.001")


def fill(side, price, size, fee="0", symbol="BTC-USD", leaves=0, fill_id=1):
    inst = BTC if symbol == "BTC-USD" else ETH
    return OrderFilled(
        1,
        "o-1",
        symbol,
        side,
        inst.price_to_ticks(price),
        inst.size_to_lots(size),
        LiquiditySide.TAKER,
        to_atoms(fee),
        "USD",
        fill_id,
        leaves,
    )


def usd(text):
    return to_atoms(text)


def test_a_buy_moves_cash_to_base_and_charges_the_fee():
    pf = Portfolio([BTC], {"USD": usd("10000")})
    pf.apply_fill(fill(Side.BUY, "100", "1", fee="0.1"))
    assert pf.balance("USD") == usd("9899.9")
    assert pf.balance("BTC") == usd("1")
    assert pf.position("BTC-USD") == 10_000
    assert pf.fees_paid("USD") == usd("0.1")
    assert pf.avg_entry_atoms("BTC-USD") == usd("100")
    assert pf.open_positions == 1


def test_selling_part_of_a_position_realizes_pnl_at_average_cost():
    pf = Portfolio([BTC], {"USD": usd("10000")})
    pf.apply_fill(fill(Side.BUY, "100", "1"))
    pf.apply_fill(fill(Side.BUY, "200", "1"))
    assert pf.avg_entry_atoms("BTC-USD") == usd("150")
    pf.apply_fill(fill(Side.SELL, "180", "0.5"))
    assert pf.realized_pnl("BTC-USD") == usd("15")
    assert pf.position("BTC-USD") == 15_000
    assert pf.avg_entry_atoms("BTC-USD") == usd("150")
    pf.apply_fill(fill(Side.SELL, "120", "1.5"))
    assert pf.realized_pnl("BTC-USD") == usd("15") - usd("45")
    assert pf.position("BTC-USD") == 0
    assert pf.avg_entry_atoms("BTC-USD") is None
    assert pf.cost_basis("BTC-USD") == 0
    assert pf.open_positions == 0


def test_unrealized_pnl_and_equity_follow_the_mark():
    pf = Portfolio([BTC], {"USD": usd("1000")})
    pf.apply_fill(fill(Side.BUY, "100", "2"))
    assert pf.unrealized_pnl("BTC-USD") == 0  # not marked yet
    assert pf.equity("USD") == usd("1000")  # valued at cost while unmarked
    pf.mark("BTC-USD", BTC.price_to_ticks("110"))
    assert pf.unrealized_pnl("BTC-USD") == usd("20")
    assert pf.unrealized_pnl("BTC-USD", BTC.price_to_ticks("90")) == -usd("20")
    assert pf.equity("USD") == usd("1020")


def test_a_mid_on_half_a_tick_marks_exactly():
    pf = Portfolio([BTC], {"USD": usd("1000")})
    pf.apply_fill(fill(Side.BUY, "100", "1"))
    pf.mark_x2("BTC-USD", BTC.price_to_ticks("100.00") + BTC.price_to_ticks("100.01"))
    assert pf.unrealized_pnl("BTC-USD") == usd("0.005")
    assert pf.mark_price_atoms("BTC-USD") == usd("100.005")


def test_a_short_position_realizes_pnl_when_bought_back():
    pf = Portfolio([BTC], {"USD": usd("1000"), "BTC": 0})
    pf.apply_fill(fill(Side.SELL, "100", "1"))
    assert pf.position("BTC-USD") == -10_000
    assert pf.avg_entry_atoms("BTC-USD") == usd("100")
    pf.mark("BTC-USD", BTC.price_to_ticks("90"))
    assert pf.unrealized_pnl("BTC-USD") == usd("10")
    pf.apply_fill(fill(Side.BUY, "90", "0.5"))
    assert pf.realized_pnl("BTC-USD") == usd("5")
    assert pf.position("BTC-USD") == -5_000


def test_a_fill_through_zero_opens_the_other_side_at_the_fill_price():
    pf = Portfolio([BTC], {"USD": usd("1000")})
    pf.apply_fill(fill(Side.BUY, "100", "1"))
    pf.apply_fill(fill(Side.SELL, "110", "3"))
    assert pf.realized_pnl("BTC-USD") == usd("10")
    assert pf.position("BTC-USD") == -20_000
    assert pf.cost_basis("BTC-USD") == -usd("220")
    assert pf.avg_entry_atoms("BTC-USD") == usd("110")
    assert pf.open_positions == 1


def test_initial_base_balance_is_the_starting_position_costed_at_the_first_mark():
    pf = Portfolio([BTC, Instrument("BTC-EUR", "BTC", "EUR")], {"USD": 0, "BTC": usd("0.5")})
    assert pf.position("BTC-USD") == 5_000
    assert pf.position("BTC-EUR") == 0  # the base is counted once
    assert pf.avg_entry_atoms("BTC-USD") is None
    assert pf.unrealized_pnl("BTC-USD", BTC.price_to_ticks("100")) == 0
    pf.mark("BTC-USD", BTC.price_to_ticks("100"))
    assert pf.avg_entry_atoms("BTC-USD") == usd("100")
    pf.mark("BTC-USD", BTC.price_to_ticks("120"))
    assert pf.unrealized_pnl("BTC-USD") == usd("10")
    assert pf.equity("USD") == usd("60")


def test_initial_holdings_without_a_mark_take_the_first_fill_price_as_cost():
    pf = Portfolio([BTC], {"USD": 0, "BTC": usd("1")})
    pf.apply_fill(fill(Side.SELL, "100", "0.5"))
    assert pf.realized_pnl("BTC-USD") == 0
    assert pf.avg_entry_atoms("BTC-USD") == usd("100")


def test_resolve_cost_without_a_mark_waits():
    pf = Portfolio([BTC], {"BTC": usd("1")})
    pf.resolve_cost("BTC-USD")
    assert "BTC-USD" in pf.pending_cost


def test_equity_ignores_positions_quoted_in_another_currency():
    eth_eur = Instrument("ETH-EUR", "ETH", "EUR", size_lot="0.001")
    pf = Portfolio([BTC, eth_eur], {"USD": usd("500"), "EUR": usd("100")})
    pf.apply_fill(OrderFilled(1, "o-1", "ETH-EUR", Side.BUY, 1000, 1000, LiquiditySide.MAKER, 0, "EUR", 1, 0))
    pf.mark("ETH-EUR", 2000)
    assert pf.equity("USD") == usd("500")
    assert pf.equity("EUR") == usd("100") - usd("10") + usd("20")


def test_record_is_decimal_strings_in_a_stable_order():
    pf = Portfolio([BTC, ETH], {"USD": usd("1000")})
    pf.apply_fill(fill(Side.BUY, "100", "1", fee="0.1"))
    pf.mark("BTC-USD", BTC.price_to_ticks("101"))
    assert pf.to_record() == {
        "balances": {"BTC": "1", "USD": "899.9"},
        "fees": {"USD": "0.1"},
        "positions": {
            "BTC-USD": {
                "size": "1.0000",
                "avg_entry": "100",
                "mark": "101",
                "realized_pnl": "0",
                "unrealized_pnl": "1",
            }
        },
        "equity": {"USD": "1000.9"},
    }
    assert pf.positions() == {"BTC-USD": 10_000}
    assert "BTC-USD" in repr(pf)


def test_bad_balances_and_duplicate_instruments_are_config_errors():
    with pytest.raises(ConfigError, match="non-negative int"):
        Portfolio([BTC], {"USD": -1})
    with pytest.raises(ConfigError, match="non-negative int"):
        Portfolio([BTC], {"USD": 1.5})
    with pytest.raises(ConfigError, match="twice"):
        Portfolio([BTC, BTC], {})


def test_unknown_symbols_raise_a_typed_error_and_read_as_flat():
    pf = Portfolio([BTC], {})
    assert pf.position("XRP-USD") == 0
    assert pf.balance("XRP") == 0
    with pytest.raises(UnknownInstrumentError, match="XRP-USD"):
        pf.apply_fill(dataclasses.replace(fill(Side.BUY, "1", "1"), symbol="XRP-USD"))
    with pytest.raises(UnknownInstrumentError, match="XRP-USD"):
        pf.mark("XRP-USD", 100)
    assert pf.balance("USD") == 0


def test_a_fee_in_the_base_leaves_the_position_with_its_share_of_the_cost_and_no_realized_pnl():
    pf = Portfolio([BTC], {"USD": usd("10000")})
    buy = dataclasses.replace(fill(Side.BUY, "100", "1"), fee=usd("0.001"), fee_currency="BTC")
    pf.apply_fill(buy)  # Binance: a buy pays its fee in the base it receives
    assert pf.balance("BTC") == usd("0.999") and pf.balance("USD") == usd("9900")
    assert pf.position("BTC-USD") == 9_990  # whole lots of 0.0001
    assert pf.cost_basis("BTC-USD") == usd("99.9") and pf.realized_pnl("BTC-USD") == 0
    assert pf.fees_paid("BTC") == usd("0.001") and pf.fees_paid("USD") == 0
    pf.apply_fill(fill(Side.SELL, "110", "0.999"))
    assert pf.position("BTC-USD") == 0 and pf.open_positions == 0
    assert pf.realized_pnl("BTC-USD") == usd("109.89") - usd("99.9")


def test_a_base_fee_while_not_long_only_moves_the_position():
    pf = Portfolio([BTC], {"USD": usd("10000")})
    pf.apply_fill(dataclasses.replace(fill(Side.BUY, "100", "0.0001"), fee=usd("0.0001"), fee_currency="BTC"))
    assert pf.position("BTC-USD") == 0 and pf.cost_basis("BTC-USD") == 0 and pf.open_positions == 0
    pf.apply_fill(dataclasses.replace(fill(Side.BUY, "100", "0"), fee=usd("0.0002"), fee_currency="BTC"))
    assert pf.position("BTC-USD") == -2 and pf.open_positions == 1
