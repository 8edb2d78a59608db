"""The replay fast paths of the model give exactly what the one-by-one parsers give, errors included."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jtrader.errors import JTraderError, OffGridError, TimestampError, ValueFormatError
from jtrader.model import Instrument, parse_rfc3339_ns, parse_units
from jtrader.model import timestamps as timestamps_module
from jtrader.model.fixed import parse_units_list


def one_by_one(texts: list, places: int) -> tuple[str, object]:
    try:
        return "ok", [parse_units(text, places, "level") for text in texts]
    except JTraderError as exc:
        return type(exc).__name__, str(exc)


def as_list(texts: list, places: int) -> tuple[str, object]:
    try:
        return "ok", parse_units_list(texts, places, "level")
    except JTraderError as exc:
        return type(exc).__name__, str(exc)


# -- parse_units_list ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("texts", "places", "expected"),
    [
        (["65083.66", "1.5", "7"], 2, [6508366, 150, 700]),  # mixed decimals (Coinbase)
        (["65083.66000000", "0.01000000"], 2, [6508366, 1]),  # zeros past the grid (Binance)
        (["0.0614901", "0.36903292", "0"], 8, [6149010, 36903292, 0]),
        (["12", "0", "3"], 0, [12, 0, 3]),
        (["12", "5"], 3, [12000, 5000]),
        ([], 2, []),
    ],
)
def test_parse_units_list_reads_lists_of_plain_decimals(texts: list[str], places: int, expected: list[int]) -> None:
    assert parse_units_list(texts, places) == expected
    assert parse_units_list(tuple(texts), places) == expected


@pytest.mark.parametrize(
    ("texts", "error"),
    [
        (["1.5", "1.234"], OffGridError),
        (["1.5", "-2"], ValueFormatError),  # NegativeValueError is a ValueFormatError
        (["1.5", "1e5"], ValueFormatError),
        (["1.5", "NaN"], ValueFormatError),
        (["1\n2"], ValueFormatError),  # a newline inside one string is not two numbers
        (["1\n2", "3"], ValueFormatError),
        (["1.5\n2"], ValueFormatError),
        (["1.", "2"], ValueFormatError),
        (["\u0661"], ValueFormatError),  # a non-ASCII digit
        (["1.5", 2.5], ValueFormatError),  # not a string
    ],
)
def test_parse_units_list_raises_the_error_of_the_first_bad_string(texts: list, error: type) -> None:
    with pytest.raises(error) as caught:
        parse_units_list(texts, 2, "level")
    assert as_list(texts, 2) == one_by_one(texts, 2)
    assert "level" in str(caught.value)


def test_parse_units_list_takes_the_slow_path_for_long_and_leading_dot_numbers() -> None:
    texts = ["9" * 45 + ".5", ".25", "0" * 50 + "1"]
    assert parse_units_list(texts, 2) == [int("9" * 45 + "50"), 25, 100]


decimal_text = st.one_of(
    st.from_regex(r"\A[0-9]{1,12}(\.[0-9]{1,10})?\Z"),
    st.sampled_from(["0", "0.0", ".5", "1.", "-1", "1e3", "nan", "", " 1", "1_0", "+1", "1\n2", "\u0663"]),
    st.sampled_from(["1.2300", "1.2301", "0.10000000", "65083.66000000", "5.0000000000", "1.00x0", "1.00 ", "2.50\n"]),
)


@settings(max_examples=400)
@given(texts=st.lists(decimal_text, max_size=12), places=st.integers(0, 9))
def test_parse_units_list_agrees_with_parse_units_on_any_list(texts: list[str], places: int) -> None:
    assert as_list(texts, places) == one_by_one(texts, places)


@settings(max_examples=200)
@given(
    units=st.lists(st.integers(0, 10**15), min_size=1, max_size=30),
    decimals=st.integers(0, 10),
    places=st.integers(0, 10),
)
def test_parse_units_list_agrees_with_parse_units_on_uniform_lists(
    units: list[int], decimals: int, places: int
) -> None:
    texts = [f"{u // 10**decimals}.{u % 10**decimals:0{decimals}d}" if decimals else str(u) for u in units]
    assert as_list(texts, places) == one_by_one(texts, places)


# -- Instrument list conversions ----------------------------------------------------------------
@pytest.mark.parametrize("tick_and_lot", [("0.01", "0.00000001"), ("0.05", "0.001"), ("5", "2")])
def test_instrument_list_conversions_agree_with_the_single_ones(tick_and_lot: tuple[str, str]) -> None:
    tick, lot = tick_and_lot
    inst = Instrument("X-USD", "X", "USD", price_tick=tick, size_lot=lot)
    prices = ["65000", "65000.05", "65000.10", "0"]
    sizes = ["0", "4", "12", "8.000"]
    for texts, many, one in (
        (prices, inst.prices_to_ticks, inst.price_to_ticks),
        (sizes, inst.sizes_to_lots, inst.size_to_lots),
    ):
        try:
            expected: object = [one(text) for text in texts]
        except OffGridError as exc:
            expected = str(exc)
            with pytest.raises(OffGridError) as caught:
                many(texts)
            assert str(caught.value) == expected
        else:
            assert many(texts) == expected


def test_instrument_list_conversions_name_the_instrument_in_errors() -> None:
    inst = Instrument("BTC-USD", "BTC", "USD", price_tick="0.05", size_lot="0.01")
    with pytest.raises(OffGridError, match="BTC-USD price '1.02' is not a multiple of the tick 0.05"):
        inst.prices_to_ticks(["1.05", "1.02"])
    with pytest.raises(OffGridError, match="BTC-USD size '0.001' has more than 2 decimal places"):
        inst.sizes_to_lots(["0.01", "0.001"])
    assert inst.prices_to_ticks([]) == [] and inst.sizes_to_lots(["0.5", "2"]) == [50, 200]
    even = Instrument("ETH-USD", "ETH", "USD", price_tick="0.01", size_lot="0.02")
    assert even.sizes_to_lots(["0.04", "1"]) == [2, 50]
    with pytest.raises(OffGridError, match="ETH-USD size '0.03' is not a multiple of the lot 0.02"):
        even.sizes_to_lots(["0.04", "0.03"])


# -- cached timestamp prefixes ------------------------------------------------------------------
def full_parse(text: str) -> int:
    return timestamps_module._parse_full(text)


@settings(max_examples=300)
@given(
    moment=st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2199, 12, 30)),  # noqa: DTZ001
    digits=st.integers(0, 12),
)
def test_a_cached_second_gives_the_same_ns_as_the_full_parser(moment: datetime, digits: int) -> None:
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    frac = f"{moment.microsecond:06d}{moment.microsecond:06d}"[:digits]
    text = f"{base}.{frac}Z" if digits else f"{base}Z"
    assert parse_rfc3339_ns(text) == full_parse(text)  # first: fills the cache
    assert parse_rfc3339_ns(text) == full_parse(text)  # then from the cached second
    assert parse_rfc3339_ns(f"{base}.5Z") == full_parse(f"{base}.5Z")


@pytest.mark.parametrize(
    "text",
    [
        "2026-08-09T21:05:48.Z",
        "2026-08-09T21:05:48ZZ",
        "2026-08-09T21:05:48x12Z",
        "2026-08-09T21:05:48.1x2Z",
        "2026-08-09T21:05:48.\u0661Z",
        "2026-08-09T21:05:48.-1Z",
        "2026-08-09T21:05:48.12",
    ],
)
def test_a_cached_second_does_not_let_a_bad_fraction_through(text: str) -> None:
    parse_rfc3339_ns("2026-08-09T21:05:48.1Z")
    with pytest.raises(TimestampError, match="not an RFC 3339 UTC timestamp"):
        parse_rfc3339_ns(text)


def test_offset_timestamps_and_leap_seconds_keep_their_full_parse() -> None:
    assert parse_rfc3339_ns("2026-08-09T23:05:48.25+02:00") == full_parse("2026-08-09T21:05:48.25Z")
    leap = "2016-12-31T23:59:60.5Z"
    after = calendar.timegm((2017, 1, 1, 0, 0, 0)) * 10**9 + 500_000_000
    assert parse_rfc3339_ns(leap) == after
    assert parse_rfc3339_ns(leap) == after


def test_the_second_cache_stays_bounded_however_many_seconds_are_parsed() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    limit = timestamps_module._SECONDS_MAX
    for i in range(limit + 50):
        text = (start + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%S.123Z")
        assert parse_rfc3339_ns(text) == (calendar.timegm(start.timetuple()) + i) * 10**9 + 123_000_000
    assert 0 < len(timestamps_module._SECONDS) <= limit


def reference_ticks(inst: Instrument, text: str, price: bool) -> tuple[str, object]:
    places, step = (inst.price_precision, inst._tick_units) if price else (inst.size_precision, inst._lot_units)
    try:
        units = parse_units(text, places, f"{inst.symbol} {'price' if price else 'size'}")
    except JTraderError as exc:
        return type(exc).__name__, str(exc)
    if units % step:
        return "OffGridError", None
    return "ok", units // step


@settings(max_examples=400)
@given(text=decimal_text, grid=st.sampled_from([("0.01", "0.00000001"), ("1", "0.001"), ("0.05", "0.02")]))
def test_single_conversions_agree_with_parse_units_on_any_string(text: str, grid: tuple[str, str]) -> None:
    inst = Instrument("X-USD", "X", "USD", price_tick=grid[0], size_lot=grid[1])
    for price, convert in ((True, inst.price_to_ticks), (False, inst.size_to_lots)):
        kind, expected = reference_ticks(inst, text, price)
        try:
            got: tuple[str, object] = ("ok", convert(text))
        except JTraderError as exc:
            got = (type(exc).__name__, str(exc) if expected is not None else None)
        assert got == (kind, expected)


# -- remembered grids ---------------------------------------------------------------------------
def test_instruments_on_a_remembered_grid_equal_fresh_ones_and_keep_their_own_names() -> None:
    from decimal import Decimal

    from jtrader.errors import InstrumentError
    from jtrader.model import instrument as instrument_module

    instrument_module._GRIDS.clear()
    a = Instrument("A-USD", "A", "USD", price_tick="0.01", size_lot="0.001", min_size="0.002")
    b = Instrument("B-USD", "B", "USD", price_tick="0.01", size_lot="0.001", min_size="0.002")
    c = Instrument("A-USD", "A", "USD", price_tick=Decimal("0.010"), size_lot=Decimal("0.001"), min_size="0.002")
    assert len(instrument_module._GRIDS) == 2  # str and Decimal ticks are remembered apart
    assert a == c and a != b and (b.min_size_lots, b.price_precision, b.size_precision) == (2, 2, 3)
    with pytest.raises(OffGridError, match="B-USD price '1.001' has more than 2 decimal places"):
        b.price_to_ticks("1.001")
    for _ in range(2):  # errors are never remembered: each bad instrument is refused with its name
        with pytest.raises(InstrumentError, match="C-USD: min_size 0.0015 is not a whole number of lots 0.001"):
            Instrument("C-USD", "C", "USD", price_tick="0.01", size_lot="0.001", min_size="0.0015")
    with pytest.raises(InstrumentError, match="D-USD: price_tick"):
        Instrument("D-USD", "D", "USD", price_tick=["0.01"], size_lot="0.001")  # type: ignore[arg-type]


def test_remembered_grids_stay_bounded_and_coarse_lots_check_the_minimum_size() -> None:
    from jtrader.errors import InstrumentError
    from jtrader.model import instrument as instrument_module

    for i in range(instrument_module._GRIDS_MAX + 5):
        Instrument("A-USD", "A", "USD", price_tick="0.01", size_lot="0.001", min_notional=str(i))
    assert 0 < len(instrument_module._GRIDS) <= instrument_module._GRIDS_MAX
    with pytest.raises(InstrumentError, match="E-USD: min_size 0.003 is not a whole number of lots 0.002"):
        Instrument("E-USD", "E", "USD", price_tick="0.01", size_lot="0.002", min_size="0.003")
