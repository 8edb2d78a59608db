"""The vectorized candle converter gives the same ints and the same errors as the per-value one.

``legacy_convert`` is the converter as it was before vectorization (kept verbatim as the oracle).
Hypothesis draws columns of every kind the loader accepts (float64, float32, integers, decimal
strings, polars Decimal) with values on and off the grid, negative, huge, tiny and malformed;
both converters must return equal integers or raise the same message. The real candle files in
``../shared/data/candles`` go through both as well.
"""

from __future__ import annotations

import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import legacy_convert as legacy
import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jtrader.backtest import _convert as fast
from jtrader.backtest.candles import read_candle_columns
from jtrader.errors import CandleDataError

TICK = Decimal("0.01")


def outcome(module: Any, series: pl.Series, places: int, exact: bool) -> tuple[str, Any]:
    ctx = module.RowContext("file.csv")
    try:
        with np.errstate(all="ignore"):  # the old code warned (harmlessly) on float overflow
            units = module.decimal_units(series, places, "close", ctx, exact=exact, tick=TICK, symbol="BTC-USD")
    except CandleDataError as exc:
        return "error", str(exc)
    return "ok", [int(u) for u in units.tolist()]


def time_outcome(module: Any, series: pl.Series) -> tuple[str, Any]:
    try:
        values = module.times(series, module.RowContext("file.csv"))
    except CandleDataError as exc:
        return "error", str(exc)
    return "ok", [int(v) for v in np.asarray(values).tolist()]


def assert_same_units(series: pl.Series, places: int, exact: bool) -> None:
    assert outcome(fast, series, places, exact) == outcome(legacy, series, places, exact)


# -- generated columns ------------------------------------------------------------------------------
grid_floats = st.builds(lambda units, places: units / 10**places, st.integers(-(10**12), 10**14), st.integers(0, 10))
any_floats = st.floats(allow_nan=False, allow_infinity=False, width=64)
tricky_floats = st.sampled_from(
    [0.0, -0.0, 1e-9, 5e-324, 1e15, 1e16, 1e22, 1e300, 0.1, 0.3, 1.005, 2.675, 123.456, 9.999999999999999e14]
)
#: products with a power of ten (``lots * 1e-8``): often one ulp off the grid, next to a whole number of units
product_floats = st.builds(
    lambda units, places: units * 10.0**-places, st.integers(-(10**12), 10**14), st.integers(0, 12)
)
float_values = st.one_of(grid_floats, product_floats, any_floats, tricky_floats)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(float_values, min_size=1, max_size=40), st.integers(0, 12), st.booleans())
def test_float64_columns_convert_to_the_same_units_or_the_same_error(
    values: list[float], places: int, exact: bool
) -> None:
    assert_same_units(pl.Series("close", values, dtype=pl.Float64), places, exact)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(float_values, min_size=1, max_size=30), st.integers(0, 10), st.booleans())
def test_float32_columns_convert_to_the_same_units_or_the_same_error(
    values: list[float], places: int, exact: bool
) -> None:
    with np.errstate(over="ignore"):
        column = np.array(values, dtype=np.float64).astype(np.float32)
    column[~np.isfinite(column)] = 1.0  # float32 overflow would be a different (infinite) input
    assert_same_units(pl.Series("close", column), places, exact)


decimal_text = st.builds(
    lambda whole, frac: f"{whole}.{frac}" if frac is not None else str(whole),
    st.integers(0, 10**20),
    st.one_of(st.none(), st.from_regex(r"[0-9]{0,14}", fullmatch=True)),
)
odd_text = st.sampled_from(
    [
        "١٢",
        "-1.5",
        "+2",
        " 3.25",
        "4.5 ",
        "1e3",
        "1E-2",
        ".5",
        "7.",
        "abc",
        "",
        "NaN",
        "Infinity",
        "-0",
        "1_000",
        "0x10",
    ]
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(decimal_text, odd_text), min_size=1, max_size=40), st.integers(0, 20), st.booleans())
def test_decimal_strings_convert_to_the_same_units_or_the_same_error(
    values: list[str], places: int, exact: bool
) -> None:
    assert_same_units(pl.Series("close", values, dtype=pl.String), places, exact)


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(-(10**15), 10**19 - 1), min_size=1, max_size=30), st.integers(0, 19), st.booleans())
def test_integer_columns_convert_to_the_same_units_or_the_same_error(
    values: list[int], places: int, exact: bool
) -> None:
    # unsigned columns above the int64 range are checked against exact arithmetic below: the old
    # converter wrapped them to negative numbers ("must not be negative"), which was its bug
    values = [v % 2**62 if v >= 2**63 else v for v in values]
    assert_same_units(pl.Series("close", values, dtype=pl.Int64), places, exact)


@pytest.mark.parametrize("places", [0, 2, 8])
@pytest.mark.parametrize("exact", [False, True])
def test_unsigned_columns_above_the_int64_range_convert_exactly(places: int, exact: bool) -> None:
    values = [2**63, 5, 2**64 - 1]
    assert outcome(fast, pl.Series("close", values, dtype=pl.UInt64), places, exact) == (
        "ok",
        [v * 10**places for v in values],
    )


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.decimals(min_value=-(10**6), max_value=10**9, places=6), min_size=1, max_size=20))
def test_polars_decimal_columns_convert_like_their_text(values: list[Decimal]) -> None:
    series = pl.Series("close", values, dtype=pl.Decimal(30, 6))
    for places in (2, 6, 8):
        for exact in (True, False):
            assert_same_units(series, places, exact)


def test_volumes_just_below_and_above_a_lot_boundary_floor_like_the_decimal_rule() -> None:
    near = [0.29, 0.57, 1.15, 4.35, 0.0000001, 1.9999999999, 2.0000000001, 123456.789012345, 0.1 + 0.2]
    for places in range(0, 12):
        assert_same_units(pl.Series("volume", near), places, exact=False)


def test_a_long_float_column_takes_the_vectorized_path_and_matches() -> None:
    rng = np.random.default_rng(3)
    prices = rng.integers(1, 10**9, size=20_000) / 100
    volumes = rng.integers(0, 10**12, size=20_000) / 10**8
    assert_same_units(pl.Series("close", prices), 2, exact=True)
    assert_same_units(pl.Series("volume", volumes), 8, exact=False)
    assert_same_units(pl.Series("volume", volumes * 1.37), 8, exact=False)
    # lots * 1e-8 (how files often write volumes): many are one ulp off the grid, next to a whole lot
    products = rng.integers(0, 10**12, size=20_000) * 1e-8
    _, vectorized = fast._float_units(products, 8, exact=False)
    assert vectorized.all()
    assert (products != np.rint(products * 1e8) / 1e8).sum() > 1_000  # the case is really there
    assert_same_units(pl.Series("volume", products), 8, exact=False)


# -- times --------------------------------------------------------------------------------------------
epoch_ints = st.one_of(
    st.integers(946_684_800, 7_258_118_399),  # seconds
    st.integers(946_684_800_000, 7_258_118_399_999),  # ms
    st.integers(-(2**62), 2**62),
)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(epoch_ints, min_size=1, max_size=20))
def test_integer_epochs_give_the_same_ns_or_the_same_error(values: list[int]) -> None:
    series = pl.Series("ts", values, dtype=pl.Int64)
    assert time_outcome(fast, series) == time_outcome(legacy, series)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.integers(946_684_800, 7_258_118_399).map(float),
            st.floats(allow_nan=False, allow_infinity=False),
            st.integers(946_684_800_000, 7_258_118_399_999).map(float),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_float_epochs_give_the_same_ns_or_the_same_error(values: list[float]) -> None:
    series = pl.Series("ts", values, dtype=pl.Float64)
    assert time_outcome(fast, series) == time_outcome(legacy, series)


def test_datetime_and_text_times_give_the_same_ns() -> None:
    for texts in (
        ["2017-11-04T23:42:00.123456789Z", "2017-11-04T23:43:00Z"],
        ["2017-11-04 23:42:00", "2017-11-04 23:43:00"],
        ["2017-11-04", "2017-11-05"],
        ["not a date", "2017-11-05"],
    ):
        text = pl.Series("ts", texts)
        assert time_outcome(fast, text) == time_outcome(legacy, text)
    stamps = pl.Series("ts", ["2017-11-04T23:42:00.123456789Z"]).str.to_datetime(time_unit="ns", time_zone="UTC")
    for series in (stamps, stamps.dt.date(), stamps.dt.replace_time_zone(None)):
        assert time_outcome(fast, series) == time_outcome(legacy, series)


def test_unsigned_epochs_beyond_int64_are_reported_at_their_row() -> None:
    series = pl.Series("ts", [1_700_000_000, 2**64 - 1], dtype=pl.UInt64)
    assert time_outcome(fast, series) == time_outcome(legacy, series)
    assert "row 2" in time_outcome(fast, series)[1]


def test_an_infinite_float_time_is_a_clear_error_naming_the_row() -> None:
    series = pl.Series("ts", [1_700_000_000.0, math.inf])
    with pytest.raises(CandleDataError, match=r"row 2: time inf is not a whole number"):
        fast.times(series, fast.RowContext("file.csv"))


# -- real files -----------------------------------------------------------------------------------
@pytest.mark.shared_data
@pytest.mark.parametrize("name", ["binance_1m_btc_2017-11.json", "binance_1m_ethbtc_2018-01.json"])
def test_real_candle_files_convert_identically(shared_data: Path, name: str) -> None:
    path = shared_data / "candles" / name
    if not path.is_file():
        pytest.skip(f"{path} not present")
    columns = read_candle_columns(path)
    assert time_outcome(fast, columns["ts"]) == time_outcome(legacy, columns["ts"])
    for places in (2, 5, 8):
        for name_ in ("open", "high", "low", "close"):
            assert_same_units(columns[name_], places, exact=True)
        assert_same_units(columns["volume"], places, exact=False)
    status, units = outcome(fast, columns["close"], 8, exact=True)
    assert status == "ok" and len(units) == len(columns["close"]) > 1000


def neighbours(values: np.ndarray, ulps: int = 3) -> np.ndarray:
    """Each value and the floats ``ulps`` steps either side of it."""
    out = [values]
    up, down = values.copy(), values.copy()
    for _ in range(ulps):
        up, down = np.nextafter(up, np.inf), np.nextafter(down, -np.inf)
        out += [up, down]
    return np.concatenate(out)


@pytest.mark.parametrize("places", [0, 1, 2, 3, 6, 8])
def test_floats_a_few_ulps_off_the_grid_floor_like_the_decimal_rule(places: int) -> None:
    rng = np.random.default_rng(places)
    small = rng.integers(0, 10**9, size=3_000) / 10**places
    large = rng.integers(2**38, 2**44, size=3_000).astype(np.float64) / 10**places * 10**places
    for base in (small, large, np.arange(0, 5_000) / 10**places):
        assert_same_units(pl.Series("volume", neighbours(base)), places, exact=False)
        assert_same_units(pl.Series("close", neighbours(base[base > 0])), places, exact=True)
