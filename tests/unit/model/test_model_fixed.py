"""Exact fixed-point parsing and formatting: decimal strings <-> integers of 10**-places."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jtrader.errors import JTraderError, NegativeValueError, OffGridError, ValueFormatError
from jtrader.model import ATOM_DECIMALS, ATOMS_PER_UNIT, format_atoms, format_units, parse_units, to_atoms
from jtrader.model.fixed import decimal_places


@pytest.mark.parametrize(
    ("text", "places", "expected"),
    [
        ("65083.66", 2, 6508366),
        ("0.01", 2, 1),
        ("0", 2, 0),
        ("0.0", 2, 0),
        ("7", 2, 700),
        ("1.5", 2, 150),
        ("1.2300", 2, 123),
        (".5", 2, 50),
        ("007.10", 2, 710),
        ("0.00000001", 8, 1),
        ("123", 0, 123),
        ("123.000", 0, 123),
    ],
)
def test_parse_units_reads_plain_decimal_strings_exactly(text: str, places: int, expected: int) -> None:
    assert parse_units(text, places) == expected


def test_parse_units_accepts_ints_and_decimals_on_the_slow_path() -> None:
    assert parse_units(12, 2) == 1200
    assert parse_units(Decimal("1.25"), 2) == 125
    assert parse_units(Decimal("1E+2"), 2) == 10000
    assert parse_units(Decimal("-0"), 2) == 0


@pytest.mark.parametrize("text", ["1.234", "0.001", "65083.665"])
def test_parse_units_rejects_digits_beyond_the_grid_as_off_grid(text: str) -> None:
    with pytest.raises(OffGridError, match="more than 2 decimal places"):
        parse_units(text, 2, "price")


def test_parse_units_rejects_an_off_grid_decimal() -> None:
    with pytest.raises(OffGridError):
        parse_units(Decimal("1.234"), 2)


@pytest.mark.parametrize("text", ["-1", "-0.5", "-65083.66", "-.5", "-0"])
def test_parse_units_rejects_negative_strings_with_a_negative_value_error(text: str) -> None:
    with pytest.raises(NegativeValueError, match="negative"):
        parse_units(text, 2, "size")


@pytest.mark.parametrize("value", [-1, Decimal("-0.01")])
def test_parse_units_rejects_negative_numbers(value: int | Decimal) -> None:
    with pytest.raises(NegativeValueError):
        parse_units(value, 2)


@pytest.mark.parametrize(
    "text",
    [
        "",
        ".",
        "nan",
        "NaN",
        "inf",
        "-inf",
        "Infinity",
        "1e5",
        "1E-2",
        "1.5e3",
        "+1",
        " 1",
        "1 ",
        "1,5",
        "1_000",
        "0x10",
        "1.2.3",
        "--1",
        "abc",
        "١٢",  # Arabic-Indic digits: isdigit() but not ASCII
        "²",
        "5.",
        "-5.",
        "-",
        "-x",
    ],
)
def test_parse_units_rejects_anything_that_is_not_a_plain_decimal(text: str) -> None:
    with pytest.raises(ValueFormatError) as info:
        parse_units(text, 2, "price")
    assert type(info.value) is ValueFormatError
    assert repr(text) in str(info.value)


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity"), Decimal("sNaN")])
def test_parse_units_rejects_non_finite_decimals(value: Decimal) -> None:
    with pytest.raises(ValueFormatError, match="not finite"):
        parse_units(value, 2)


@pytest.mark.parametrize("value", [1.5, True, None, b"1", [1]])
def test_parse_units_rejects_floats_bools_and_other_types(value: object) -> None:
    with pytest.raises(ValueFormatError):
        parse_units(value, 2)  # type: ignore[arg-type]


def test_parse_units_errors_are_value_errors_and_jtrader_errors() -> None:
    with pytest.raises(ValueError):
        parse_units("x", 2)
    with pytest.raises(JTraderError):
        parse_units("x", 2)


def test_parse_units_rejects_a_huge_digit_string_with_a_typed_error() -> None:
    # Python refuses int() of more than 4300 digits with a plain ValueError; that must not leak.
    with pytest.raises(ValueFormatError):
        parse_units("9" * 5000, 2)


@pytest.mark.parametrize(
    ("units", "places", "expected"),
    [
        (6508366, 2, "65083.66"),
        (5, 2, "0.05"),
        (-5, 2, "-0.05"),
        (0, 2, "0.00"),
        (123, 0, "123"),
        (-123, 0, "-123"),
        (1, 8, "0.00000001"),
    ],
)
def test_format_units_writes_exactly_places_decimals(units: int, places: int, expected: str) -> None:
    assert format_units(units, places) == expected


@given(units=st.integers(min_value=0, max_value=10**30), places=st.integers(min_value=0, max_value=18))
def test_format_then_parse_units_is_the_identity(units: int, places: int) -> None:
    assert parse_units(format_units(units, places), places) == units


@given(value=st.decimals(min_value=0, max_value=10**12, places=8, allow_nan=False, allow_infinity=False))
def test_parse_units_agrees_with_decimal_arithmetic(value: Decimal) -> None:
    text = format(value, "f")
    assert parse_units(text, 8) == int(value.scaleb(8))
    assert parse_units(value, 8) == int(value.scaleb(8))


def test_atoms_are_ten_to_the_minus_eighteen_units() -> None:
    assert ATOM_DECIMALS == 18
    assert ATOMS_PER_UNIT == 10**18
    assert to_atoms("1") == ATOMS_PER_UNIT
    assert to_atoms("0.000000000000000001") == 1
    assert to_atoms(Decimal("2.5")) == 25 * 10**17


def test_to_atoms_rejects_more_than_eighteen_decimals() -> None:
    with pytest.raises(OffGridError, match="amount"):
        to_atoms("0.0000000000000000001")


@pytest.mark.parametrize(
    ("atoms", "expected"),
    [
        (0, "0"),
        (100000 * ATOMS_PER_UNIT, "100000"),
        (10 * ATOMS_PER_UNIT, "10"),
        (ATOMS_PER_UNIT // 2, "0.5"),
        (1, "0.000000000000000001"),
        (-1, "-0.000000000000000001"),
        (-(3 * ATOMS_PER_UNIT // 2), "-1.5"),
        (12_345 * 10**17, "1234.5"),
    ],
)
def test_format_atoms_without_places_is_exact_without_trailing_zeros(atoms: int, expected: str) -> None:
    assert format_atoms(atoms) == expected


@pytest.mark.parametrize(
    ("units_text", "places", "expected"),
    [
        ("1.005", 2, "1.00"),  # half to even: 0 is even
        ("1.015", 2, "1.02"),  # half to even: 2 is even
        ("1.0150000001", 2, "1.02"),
        ("1.0049999", 2, "1.00"),
        ("1.006", 2, "1.01"),
        ("0.5", 0, "0"),
        ("1.5", 0, "2"),
        ("2.5", 0, "2"),
        ("-2.5", 0, "-2"),
        ("-1.5", 0, "-2"),
        ("-1.4", 0, "-1"),
        ("-0.5", 0, "0"),
        ("-1.006", 2, "-1.01"),
    ],
)
def test_format_atoms_with_places_rounds_half_to_even(units_text: str, places: int, expected: str) -> None:
    negative = units_text.startswith("-")
    atoms = to_atoms(units_text.lstrip("-"))
    assert format_atoms(-atoms if negative else atoms, places) == expected


def test_format_atoms_with_more_places_than_atoms_pads_with_zeros() -> None:
    assert format_atoms(1, 18) == "0.000000000000000001"
    assert format_atoms(1, 20) == "0.00000000000000000100"
    assert format_atoms(-ATOMS_PER_UNIT, 19) == "-1.0000000000000000000"


@given(atoms=st.integers(min_value=-(10**30), max_value=10**30), places=st.integers(min_value=0, max_value=18))
def test_format_atoms_rounding_matches_decimal_half_even(atoms: int, places: int) -> None:
    with localcontext(prec=80):  # the default 28 digits cannot hold 10**30 atoms exactly
        exact = Decimal(atoms).scaleb(-ATOM_DECIMALS)
        expected = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    text = format_atoms(atoms, places)
    assert Decimal(text) == expected
    assert len(text.partition(".")[2]) == places


@given(atoms=st.integers(min_value=-(10**30), max_value=10**30))
def test_exact_format_atoms_round_trips_through_to_atoms(atoms: int) -> None:
    text = format_atoms(atoms)
    back = -to_atoms(text[1:]) if text.startswith("-") else to_atoms(text)
    assert back == atoms
    assert not text.endswith(".") and (text == "0" or "." not in text or not text.endswith("0"))


@pytest.mark.parametrize(
    ("step", "places"),
    [("0.01", 2), ("0.010", 2), ("5", 0), ("50", 0), ("0.5", 1), ("0.25", 2), ("1E-8", 8)],
)
def test_decimal_places_counts_the_places_a_step_needs(step: str, places: int) -> None:
    assert decimal_places(Decimal(step)) == places


def test_decimal_places_rejects_a_non_finite_step() -> None:
    with pytest.raises(ValueFormatError):
        decimal_places(Decimal("NaN"))
