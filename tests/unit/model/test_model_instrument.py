"""Instrument: the tick and lot grid, exact conversions and validation of the definition."""

from __future__ import annotations

import dataclasses
from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jtrader.errors import InstrumentError, NegativeValueError, OffGridError, ValueFormatError
from jtrader.model import ATOMS_PER_UNIT, Instrument


def btc() -> Instrument:
    return Instrument("BTC-USD", "BTC", "USD", "0.01", "0.00000001", venue="coinbase")


def test_instrument_derives_precisions_and_unit_sizes_from_tick_and_lot() -> None:
    inst = btc()
    assert inst.price_tick == Decimal("0.01")
    assert inst.size_lot == Decimal("1E-8")
    assert inst.price_precision == 2
    assert inst.size_precision == 8
    assert inst.atoms_per_tick == 10**16
    assert inst.atoms_per_lot == 10**10
    assert inst.atoms_per_tick_lot == 10**8
    assert inst.min_size == inst.size_lot
    assert inst.min_size_lots == 1
    assert inst.min_notional_atoms == 0


def test_instrument_defaults_are_a_cent_tick_and_a_satoshi_lot() -> None:
    inst = Instrument("X-Y", "X", "Y")
    assert inst.price_precision == 2
    assert inst.size_precision == 8
    assert inst.venue == "sim"


def test_instrument_reads_min_size_and_min_notional() -> None:
    inst = Instrument("ETH-USD", "ETH", "USD", "0.01", "0.0001", min_size="0.001", min_notional="1")
    assert inst.min_size_lots == 10
    assert inst.min_notional_atoms == ATOMS_PER_UNIT
    assert Instrument("E-U", "E", "U", min_size="0").min_size_lots == 0


def test_equal_definitions_make_equal_instruments() -> None:
    a = Instrument("BTC-USD", "BTC", "USD", "0.01", "0.00000001")
    b = Instrument("BTC-USD", "BTC", "USD", Decimal("0.010"), Decimal("1E-8"))
    assert a == b
    assert hash(a) == hash(b)


def test_instrument_is_frozen() -> None:
    inst = btc()
    with pytest.raises(dataclasses.FrozenInstanceError):
        inst.price_tick = Decimal("1")  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        inst.symbol = "ETH-USD"  # type: ignore[misc]


def test_price_round_trip_matches_the_venue_text() -> None:
    inst = btc()
    assert inst.price_to_ticks("65083.66") == 6508366
    assert inst.ticks_to_price(6508366) == "65083.66"
    assert inst.price_to_ticks("65083.6") == 6508360
    assert inst.ticks_to_price(6508360) == "65083.60"
    assert inst.size_to_lots("0.20371215") == 20371215
    assert inst.lots_to_size(50_000_000) == "0.50000000"


@pytest.mark.parametrize(
    ("tick", "text", "ticks", "printed"),
    [
        ("0.5", "100.5", 201, "100.5"),
        ("0.5", "100", 200, "100.0"),
        ("0.25", "1.75", 7, "1.75"),
        ("0.25", "0.5", 2, "0.50"),
        ("5", "65085", 13017, "65085"),
        ("50", "1000", 20, "1000"),
        ("0.05", "1.15", 23, "1.15"),
        ("1", "42", 42, "42"),
    ],
)
def test_non_power_of_ten_ticks_convert_exactly(tick: str, text: str, ticks: int, printed: str) -> None:
    inst = Instrument("T-U", "T", "U", tick, "1")
    assert inst.price_to_ticks(text) == ticks
    assert inst.ticks_to_price(ticks) == printed


@pytest.mark.parametrize(("tick", "text"), [("0.5", "100.25"), ("0.25", "1.10"), ("5", "65083"), ("0.01", "1.001")])
def test_price_off_the_tick_grid_raises_off_grid_error(tick: str, text: str) -> None:
    inst = Instrument("T-U", "T", "U", tick, "1")
    with pytest.raises(OffGridError, match="T-U price"):
        inst.price_to_ticks(text)


@pytest.mark.parametrize(("lot", "text"), [("0.001", "0.0015"), ("0.5", "1.25"), ("10", "15")])
def test_size_off_the_lot_grid_raises_off_grid_error(lot: str, text: str) -> None:
    inst = Instrument("T-U", "T", "U", "0.01", lot)
    with pytest.raises(OffGridError, match="T-U size"):
        inst.size_to_lots(text)


@pytest.mark.parametrize("text", ["-1", "-0.01"])
def test_negative_prices_and_sizes_raise_negative_value_error(text: str) -> None:
    inst = btc()
    with pytest.raises(NegativeValueError, match="BTC-USD price"):
        inst.price_to_ticks(text)
    with pytest.raises(NegativeValueError, match="BTC-USD size"):
        inst.size_to_lots(text)


@pytest.mark.parametrize("text", ["nan", "inf", "1e3", "", "abc", "1.0.0"])
def test_unparseable_prices_and_sizes_raise_value_format_error(text: str) -> None:
    inst = btc()
    with pytest.raises(ValueFormatError):
        inst.price_to_ticks(text)
    with pytest.raises(ValueFormatError):
        inst.size_to_lots(text)


TICKS = ["0.01", "0.5", "0.25", "5", "0.1", "0.00001", "1", "25", "0.05"]


@given(tick=st.sampled_from(TICKS), ticks=st.integers(min_value=0, max_value=10**15))
def test_ticks_to_string_to_ticks_is_the_identity_for_any_tick(tick: str, ticks: int) -> None:
    inst = Instrument("T-U", "T", "U", tick, "0.001")
    text = inst.ticks_to_price(ticks)
    assert inst.price_to_ticks(text) == ticks
    assert Decimal(text) == ticks * Decimal(tick)


@given(lot=st.sampled_from(["0.00000001", "0.001", "0.5", "1", "10", "0.25"]), lots=st.integers(0, 10**15))
def test_lots_to_string_to_lots_is_the_identity_for_any_lot(lot: str, lots: int) -> None:
    inst = Instrument("T-U", "T", "U", "0.01", lot)
    text = inst.lots_to_size(lots)
    assert inst.size_to_lots(text) == lots
    assert Decimal(text) == lots * Decimal(lot)


@given(ticks=st.integers(0, 10**12), lots=st.integers(0, 10**12))
def test_notional_atoms_is_exact_price_times_size(ticks: int, lots: int) -> None:
    inst = Instrument("T-U", "T", "U", "0.25", "0.001")
    with localcontext(prec=80):  # exact: the default 28 digits would round 10**24-sized products
        exact = ticks * Decimal("0.25") * lots * Decimal("0.001")
        assert inst.notional_atoms(ticks, lots) == int(exact.scaleb(18))
        assert inst.base_atoms(lots) == int((lots * Decimal("0.001")).scaleb(18))
        assert inst.price_to_atoms(ticks) == int((ticks * Decimal("0.25")).scaleb(18))


def test_price_and_size_accept_decimal_and_int_inputs() -> None:
    inst = Instrument("T-U", "T", "U", "0.5", "0.1")
    assert inst.price_to_ticks(Decimal("2.5")) == 5
    assert inst.price_to_ticks(3) == 6
    assert inst.size_to_lots(2) == 20


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"symbol": ""}, "needs symbol, base and quote"),
        ({"base": ""}, "needs symbol, base and quote"),
        ({"quote": ""}, "needs symbol, base and quote"),
        ({"price_tick": "0"}, "price_tick must be a positive decimal"),
        ({"price_tick": "-0.01"}, "price_tick must be a positive decimal"),
        ({"price_tick": "NaN"}, "price_tick must be a positive decimal"),
        ({"price_tick": "Infinity"}, "price_tick must be a positive decimal"),
        ({"price_tick": "abc"}, "price_tick 'abc' is not a decimal number"),
        ({"size_lot": "0"}, "size_lot must be a positive decimal"),
        ({"size_lot": "x"}, "size_lot 'x' is not a decimal number"),
        ({"min_size": "-1"}, "min_size must be a non-negative decimal"),
        ({"min_notional": "-1"}, "min_notional must be a non-negative decimal"),
        ({"min_notional": "ten"}, "min_notional 'ten' is not a decimal number"),
        ({"min_size": "0.000000015"}, "min_size 1.5E-8 is not a whole number of lots"),
        ({"price_tick": "0.0000000001", "size_lot": "0.000000001"}, "finer than 1e-18"),
        ({"min_notional": "0.0000000000000000001"}, "min_notional"),
    ],
)
def test_unusable_instrument_definitions_raise_instrument_error(kwargs: dict[str, str], message: str) -> None:
    args = {"symbol": "BTC-USD", "base": "BTC", "quote": "USD"} | kwargs
    with pytest.raises(InstrumentError, match=message):
        Instrument(**args)  # type: ignore[arg-type]


def test_check_ticks_accepts_non_negative_ints_only() -> None:
    inst = btc()
    assert inst.check_ticks(0) == 0
    assert inst.check_ticks(6508366) == 6508366
    for bad in (-1, 1.0, True, "1", None):
        with pytest.raises(ValueFormatError, match="BTC-USD limit price must be a non-negative int"):
            inst.check_ticks(bad, "limit price")


def test_repr_shows_the_definition_but_not_derived_internals() -> None:
    text = repr(btc())
    assert "BTC-USD" in text
    assert "_tick_units" not in text
    assert "atoms_per_tick_lot" not in text
